"""The fetcher against hostile servers on loopback: every case ends, bounded and named."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hostile_server import (
    CHINESE,
    HOST,
    MB,
    Server,
    free_port,
    hanging_server,
    make_certificate,
    running_server,
)
from selectolax.lexbor import LexborHTMLParser

from crawler.config import FetchConfig
from crawler.fetch import Fetcher

CAP = 5 * MB


def config(**changes: object) -> FetchConfig:
    values: dict[str, object] = {"timeout": "2s", "host_delay": "0s", "max_body_bytes": CAP}
    values.update(changes)
    return FetchConfig.model_validate(values)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def server(certificate: tuple[Path, Path]) -> AsyncIterator[Server]:
    async with running_server(certificate) as running:
        yield running


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(config()) as opened:
        yield opened


def peak_rss_reset() -> bool:
    """Reset the kernel's peak-RSS mark for this process (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/self/status")


async def test_plain_page(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/ok"), site_host=HOST)
    assert result.ok
    assert result.status == 200
    assert CHINESE in result.text
    assert result.encoding == "utf-8"
    assert result.headers["content-type"].startswith("text/html")
    assert result.final_url == result.url
    assert result.redirects == []
    assert fetcher.stats.outcomes["ok"] == 1
    assert fetcher.stats.pages == 1


async def test_huge_bodies_and_bombs_stay_within_cap_and_memory(
    server: Server, fetcher: Fetcher
) -> None:
    if not peak_rss_reset():
        pytest.skip("needs Linux /proc to measure peak memory")
    before = peak_rss_bytes()
    for path in ("/big", "/gzip-zeros", "/bomb"):
        result = await fetcher.get(server.url(path), site_host=HOST)
        assert result.error_kind == "too_large", path
        assert result.truncated, path
        assert len(result.body) == CAP, path
        assert result.status == 200
    # Body, its copy in the result and its decoded text: well under 100 MB.
    assert peak_rss_bytes() - before < 100 * MB
    # The bomb was stopped after a few kilobytes of compressed input, not 1 GB.
    assert fetcher.stats.bytes_read < 12 * MB


async def test_max_bytes_reads_only_a_prefix(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/big"), site_host=HOST, max_bytes=1000)
    assert result.error_kind is None
    assert result.truncated
    assert result.body == b"a" * 1000


async def test_corrupt_gzip_is_bad_content(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/bad-gzip"), site_host=HOST)
    assert result.error_kind == "bad_content"
    assert result.status == 200


async def test_redirect_chain_is_recorded(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/redirect/3"), site_host=HOST)
    assert result.ok
    assert result.redirects == [
        server.url("/redirect/2"),
        server.url("/redirect/1"),
        server.url("/ok"),
    ]
    assert result.final_url == server.url("/ok")


async def test_twenty_hop_chain_stops_at_max_redirects(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/redirect/20"), site_host=HOST)
    assert result.error_kind == "too_many_redirects"
    assert len(result.redirects) == 10
    assert result.status == 302


async def test_redirect_loop(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/loop/a"), site_host=HOST)
    assert result.error_kind == "redirect_loop"
    assert result.redirects == [server.url("/loop/b")]


async def test_cookie_challenge_redirect_is_not_a_loop(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/cookie-challenge"), site_host=HOST)
    assert result.ok, result.error
    assert "passed" in result.text


async def test_drip_feed_ends_at_the_timeout(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/drip"), site_host=HOST)
    assert result.error_kind == "timeout"
    assert result.status == 200  # the headers came; the body never finished
    assert 1 <= len(result.body) <= 3
    assert result.elapsed_ms >= 1900  # the whole configured timeout was spent


async def test_hanging_server_times_out(fetcher: Fetcher) -> None:
    async with hanging_server() as port:
        result = await fetcher.get(f"http://{HOST}:{port}/", site_host=HOST)
    assert result.error_kind == "timeout"
    assert result.status is None


async def test_refused(fetcher: Fetcher) -> None:
    result = await fetcher.get(f"http://{HOST}:{free_port()}/", site_host=HOST)
    assert result.error_kind == "refused"
    assert result.status is None


async def test_unresolvable_name(fetcher: Fetcher) -> None:
    result = await fetcher.get("http://no-such-host.invalid/")
    assert result.error_kind == "dns"


@pytest.mark.parametrize("code", [404, 500])
async def test_error_status_keeps_the_body(server: Server, fetcher: Fetcher, code: int) -> None:
    result = await fetcher.get(server.url(f"/status/{code}"), site_host=HOST)
    assert result.error_kind == "http_status"
    assert result.status == code
    assert "页面不存在" in result.text


async def test_gbk_with_invalid_bytes(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/gbk-invalid"), site_host=HOST)
    assert result.ok
    assert result.encoding == "gb18030"
    assert CHINESE in result.text
    assert "\ufffd" in result.text


async def test_header_and_meta_disagree(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/charset-mismatch"), site_host=HOST)
    assert result.encoding == "gb18030"
    assert CHINESE in result.text


async def test_no_charset_anywhere(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/no-charset"), site_host=HOST)
    assert result.encoding == "gb18030"
    assert CHINESE in result.text


async def test_deeply_nested_page(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/nested"), site_host=HOST)
    assert result.ok
    tree = LexborHTMLParser(result.text)
    assert tree.body is not None
    assert "深" in tree.body.text()


async def test_calendar_trap_page_is_served(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/calendar?day=7"), site_host=HOST)
    assert result.ok
    assert "/calendar?day=8" in result.text


async def test_head_reads_no_body(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.head(server.url("/big"), site_host=HOST)
    assert result.ok
    assert result.body == b""
    assert result.headers["content-length"] == str(50 * MB)


async def test_get_without_body(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.get(server.url("/big"), site_host=HOST, read_body=False)
    assert result.ok
    assert result.body == b""
    assert not result.truncated


async def test_fresh_connection_is_not_reused(server: Server, fetcher: Fetcher) -> None:
    async def port(fresh: bool) -> str:
        result = await fetcher.get(server.url("/peer"), site_host=HOST, fresh_connection=fresh)
        assert result.ok
        return result.text

    assert await port(False) == await port(False)  # keep-alive
    assert await port(True) != await port(True)


class TestAddressGuard:
    async def test_loopback_refused_for_a_foreign_link(
        self, server: Server, fetcher: Fetcher
    ) -> None:
        result = await fetcher.get(server.url("/ok"))
        assert result.error_kind == "blocked_address"
        assert "loopback" in (result.error or "")
        assert fetcher.stats.requests == 0  # refused before connecting

    async def test_loopback_allowed_for_the_site_itself(
        self, server: Server, fetcher: Fetcher
    ) -> None:
        assert (await fetcher.get(server.url("/ok"), site_host=HOST)).ok

    async def test_allowed_by_configuration(self, server: Server) -> None:
        async with Fetcher(config(allow_private_addresses=True)) as fetcher:
            assert (await fetcher.get(server.url("/ok"))).ok
            assert (await fetcher.get(server.url("/to-localhost"), site_host=HOST)).ok

    async def test_name_resolving_to_loopback_is_refused(
        self, server: Server, fetcher: Fetcher
    ) -> None:
        # The check is on the resolved address: 'localhost' is a name, not a literal.
        result = await fetcher.get(server.url("/ok", host="localhost"), site_host="example.gov.cn")
        assert result.error_kind == "blocked_address"

    async def test_redirect_to_loopback_from_a_site_is_refused(
        self, server: Server, fetcher: Fetcher
    ) -> None:
        result = await fetcher.get(server.url("/to-localhost"), site_host=HOST)
        assert result.error_kind == "blocked_address"
        assert result.redirects == [server.url("/ok", host="localhost")]


async def test_self_signed_certificate_is_read_and_reported(
    server: Server, fetcher: Fetcher
) -> None:
    result = await fetcher.get(server.tls_url("/ok"), site_host=HOST)
    assert result.ok, result.error
    assert CHINESE in result.text
    assert result.tls_error is not None
    assert result.tls_error.startswith("certificate verify failed: ")
    assert "self-signed" in result.tls_error or "self signed" in result.tls_error
    again = await fetcher.get(server.tls_url("/ok"), site_host=HOST)
    assert again.tls_error == result.tls_error  # remembered: no second doomed handshake
    assert fetcher.stats.tls_retries == 2


async def test_per_host_concurrency(server: Server) -> None:
    gate = server.gate
    async with Fetcher(config(per_host=2, timeout="10s")) as fetcher:
        tasks = [
            asyncio.create_task(fetcher.get(server.url("/held"), site_host=HOST)) for _ in range(10)
        ]

        async def arrival() -> None:
            await asyncio.wait_for(gate.arrivals.get(), 5)

        await arrival()
        await arrival()  # two in the handler at once: the limit is used...
        for _ in range(8):
            gate.releases.release()
            await arrival()  # ...and each release lets exactly one more in
        gate.releases.release()
        gate.releases.release()
        results = await asyncio.gather(*tasks)
    assert all(r.ok for r in results)
    assert gate.peak == 2


async def test_result_is_plain_data(server: Server, fetcher: Fetcher) -> None:
    import json

    result = await fetcher.get(server.url("/redirect/1"), site_host=HOST)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["final_url"] == server.url("/ok")
    assert data["body_bytes"] == len(result.body)
    assert "text" not in data
