"""Whether this server itself reaches the Internet, judged by well-known reference sites.

A monitor that lost its uplink must not blame the sites it watches: while the reference
sites fail too, failures to reach other named hosts say nothing about those hosts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from crawler.fetch import Fetcher


async def uplink_up(fetcher: Fetcher, reference_urls: Sequence[str]) -> bool:
    """True when any reference site answers at all (any HTTP status), or none is configured."""
    if not reference_urls:
        return True
    answers = await asyncio.gather(*(fetcher.get(url, max_bytes=1024) for url in reference_urls))
    return any(got.status is not None for got in answers)


class UplinkWatch:
    """uplink_up for a long-running process, asked at most once per ``every`` seconds."""

    def __init__(
        self,
        reference_urls: Sequence[str],
        *,
        every: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reference_urls = list(reference_urls)
        self.every = every
        self._clock = clock
        self._checked: float | None = None
        self._up = True
        self._lock = asyncio.Lock()

    async def up(self, fetcher: Fetcher) -> bool:
        async with self._lock:  # concurrent inspections share one check
            if self._checked is None or self._clock() - self._checked >= self.every:
                self._up = await uplink_up(fetcher, self.reference_urls)
                self._checked = self._clock()
            return self._up
