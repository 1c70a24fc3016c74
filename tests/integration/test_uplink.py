"""Whether this server reaches the Internet, judged by reference sites on loopback."""

from __future__ import annotations

from hostile_server import free_port, running_server

from crawler.config import FetchConfig
from crawler.fetch import Fetcher
from crawler.uplink import UplinkWatch, uplink_up

CONFIG = FetchConfig.model_validate(
    {"timeout": "2s", "host_delay": "0s", "allow_private_addresses": True}
)


async def test_any_answering_reference_means_up() -> None:
    dead = f"http://127.0.0.1:{free_port()}/"
    async with running_server() as server, Fetcher(CONFIG) as fetcher:
        assert await uplink_up(fetcher, [dead, server.url("/status/404")]) is True
        assert await uplink_up(fetcher, [dead]) is False
        assert await uplink_up(fetcher, []) is True  # none configured: that check is off


async def test_watch_asks_once_per_period() -> None:
    now = [0.0]
    async with running_server() as server, Fetcher(CONFIG) as fetcher:
        watch = UplinkWatch([server.url("/ok")], every=300, clock=lambda: now[0])
        assert await watch.up(fetcher) is True
        now[0] += 299
        assert await watch.up(fetcher) is True
        assert fetcher.stats.pages == 1
        now[0] += 2
        assert await watch.up(fetcher) is True
        assert fetcher.stats.pages == 2
