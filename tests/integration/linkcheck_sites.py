"""Small real HTTP sites on loopback for link-check tests the farm does not cover.

Each counts the requests it gets by (method, path), so a test can say how many requests
a check cost.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Site:
    url: str  # http://127.0.0.1:PORT/
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    release: asyncio.Event = field(default_factory=asyncio.Event)  # ends held answers

    def count(self, path: str, method: str | None = None) -> int:
        return sum(n for (m, p), n in self.requests.items() if p == path and method in (None, m))


def html(title: str, body: str, status: int = 200) -> web.Response:
    text = f"<html><head><title>{title}</title></head><body>{body}</body></html>"
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


@asynccontextmanager
async def serve(
    routes: Callable[[Site], dict[str, Handler]],
    fallback: Callable[[Site], Handler] | None = None,
    host: str = "127.0.0.1",
) -> AsyncIterator[Site]:
    """Serve ``routes(site)`` (path -> handler, every method) on a free port of host."""
    site = Site(url="")
    table: dict[str, Handler] = {}
    default = fallback(site) if fallback else None

    async def dispatch(request: web.Request) -> web.StreamResponse:
        site.requests[(request.method, request.path)] += 1
        handler = table.get(request.path, default)
        if handler is None:
            return html("页面不存在", "<h1>404</h1>", 404)
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    tcp = web.TCPSite(runner, host, 0)
    await tcp.start()
    port = runner.addresses[0][1]
    site.url = f"http://{host}:{port}/"
    table.update(routes(site))
    try:
        yield site
    finally:
        site.release.set()
        await runner.cleanup()


def many_links_site(count: int) -> Callable[[Site], dict[str, Handler]]:
    """A homepage with ``count`` distinct links to small pages /p/<n>.html."""

    def routes(site: Site) -> dict[str, Handler]:
        links = "".join(f'<a href="/p/{n}.html">第{n}条</a>' for n in range(count))

        async def home(request: web.Request) -> web.Response:
            return html("首页", links)

        async def item(request: web.Request) -> web.Response:
            return html(f"信息 {request.path}", "<p>正文</p>")

        return {"/": home} | {f"/p/{n}.html": item for n in range(count)}

    return routes
