"""Running coroutines from the CLI on the fastest loop available."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # uvloop does not build on Windows
        return asyncio.run(coro)
    # asyncio.run(loop_factory=...) exists only from 3.12; Runner has it on 3.11.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)
