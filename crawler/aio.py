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
    return asyncio.run(coro, loop_factory=uvloop.new_event_loop)
