"""Whether this server itself reaches the Internet, judged by well-known reference sites.

A monitor that lost its uplink must not blame the sites it watches: while the reference
sites fail too, failures to reach other named hosts say nothing about those hosts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from crawler.fetch import Fetcher


async def uplink_up(fetcher: Fetcher, reference_urls: Sequence[str]) -> bool:
    """True when any reference site answers at all (any HTTP status), or none is configured."""
    if not reference_urls:
        return True
    answers = await asyncio.gather(*(fetcher.get(url, max_bytes=1024) for url in reference_urls))
    return any(got.status is not None for got in answers)
