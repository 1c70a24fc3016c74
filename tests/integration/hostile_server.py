"""Badly behaved web servers on 127.0.0.1, run in the test's own event loop.

Every large answer is generated while it is sent, so the server itself stays small and
a test measuring the client's memory measures the client.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

HOST = "127.0.0.1"
MB = 1024 * 1024
CHINESE = "云南省人民政府办公厅关于开展政府网站普查的通知"


@dataclass
class Gate:
    """Holds requests in a handler until the test lets them go, counting them."""

    in_flight: int = 0
    peak: int = 0
    arrivals: asyncio.Queue[None] = field(default_factory=asyncio.Queue)
    releases: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(0))


@dataclass
class Server:
    port: int
    gate: Gate
    tls_port: int | None = None

    def url(self, path: str, *, host: str = HOST) -> str:
        return f"http://{host}:{self.port}{path}"

    def tls_url(self, path: str) -> str:
        return f"https://{HOST}:{self.tls_port}{path}"


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _html(title: str, body: str = "") -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def gzip_stream(total: int, piece: int = MB) -> tuple[bytes, int]:
    """One gzip member of `piece` zero bytes, and how many of them make `total`."""
    zeros = bytes(piece)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    member = compressor.compress(zeros) + compressor.flush()
    return member, total // piece


def build_app(gate: Gate) -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/ok")
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text=_html("ok", CHINESE), content_type="text/html", charset="utf-8")

    @routes.get("/big")
    async def big(request: web.Request) -> web.StreamResponse:
        # 50 MB, one reused 64 KB chunk at a time.
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        response.content_length = 50 * MB
        await response.prepare(request)
        if request.method == "HEAD":
            return response
        chunk = b"a" * (64 * 1024)
        for _ in range(50 * MB // len(chunk)):
            await response.write(chunk)
        return response

    @routes.get("/gzip-zeros")
    async def gzip_zeros(request: web.Request) -> web.Response:
        # 10 MB of zeros in about 10 KB, with an honest (small) Content-Length.
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        zeros = bytes(MB)
        body = b"".join(compressor.compress(zeros) for _ in range(10)) + compressor.flush()
        return web.Response(
            body=body,
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        )

    @routes.get("/bomb")
    async def bomb(request: web.Request) -> web.StreamResponse:
        # 1 GB of zeros as 1024 concatenated gzip members of 1 MB (~1 KB each).
        member, count = gzip_stream(1024 * MB)
        response = web.StreamResponse(
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )
        await response.prepare(request)
        for _ in range(count):
            await response.write(member)
        return response

    @routes.get("/bad-gzip")
    async def bad_gzip(request: web.Request) -> web.Response:
        return web.Response(
            body=b"this is not gzip at all" * 10,
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        )

    @routes.get("/redirect/{hops}")
    async def redirect(request: web.Request) -> web.Response:
        hops = int(request.match_info["hops"])
        raise web.HTTPFound("/ok" if hops <= 1 else f"/redirect/{hops - 1}")

    @routes.get("/loop/a")
    async def loop_a(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop/b")

    @routes.get("/loop/b")
    async def loop_b(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/loop/a")

    @routes.get("/cookie-challenge")
    async def cookie_challenge(request: web.Request) -> web.Response:
        # A web application firewall's first visit: set a cookie, send back to itself.
        if request.cookies.get("waf") == "passed":
            return web.Response(text=_html("passed"), content_type="text/html")
        response = web.HTTPFound("/cookie-challenge")
        response.set_cookie("waf", "passed")
        raise response

    @routes.get("/to-localhost")
    async def to_localhost(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://localhost:{request.url.port}/ok")

    @routes.get("/drip")
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.content_length = 1000
        await response.prepare(request)
        for _ in range(1000):
            await response.write(b"x")
            await asyncio.sleep(1)
        return response

    @routes.get("/gbk-invalid")
    async def gbk_invalid(request: web.Request) -> web.Response:
        # A stray 0xFF (never valid in GBK) and a lead byte cut off by a space.
        body = _html("通知", CHINESE).encode("gbk")
        body = body.replace(b"<body>", b"<body>\xff \x81 ")
        return web.Response(body=body, headers={"Content-Type": "text/html; charset=gbk"})

    @routes.get("/charset-mismatch")
    async def charset_mismatch(request: web.Request) -> web.Response:
        # The header says UTF-8 (a server default), the page says and is GB2312.
        page = (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f"<title>首页</title></head><body>{CHINESE}</body></html>"
        )
        return web.Response(
            body=page.encode("gb2312"), headers={"Content-Type": "text/html; charset=utf-8"}
        )

    @routes.get("/no-charset")
    async def no_charset(request: web.Request) -> web.Response:
        return web.Response(
            body=_html("首页", CHINESE).encode("gbk"), headers={"Content-Type": "text/html"}
        )

    @routes.get("/nested")
    async def nested(request: web.Request) -> web.Response:
        depth = 10_000
        body = "<div>" * depth + "深" + "</div>" * depth
        return web.Response(text=_html("nested", body), content_type="text/html")

    @routes.get("/calendar")
    async def calendar(request: web.Request) -> web.Response:
        # Every day links to the next one, forever: a crawler's budget must end it.
        day = int(request.query.get("day", "0"))
        links = f'<a href="/calendar?day={day + 1}">下一天</a><a href="/calendar?day={day - 1}">'
        return web.Response(
            text=_html(f"day {day}", links + "上一天</a>"), content_type="text/html"
        )

    @routes.get("/status/{code}")
    async def status(request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        return web.Response(
            status=code, text=_html(str(code), "页面不存在"), content_type="text/html"
        )

    @routes.get("/peer")
    async def peer(request: web.Request) -> web.Response:
        assert request.transport is not None
        return web.Response(text=str(request.transport.get_extra_info("peername")[1]))

    @routes.get("/held")
    async def held(request: web.Request) -> web.Response:
        gate.in_flight += 1
        gate.peak = max(gate.peak, gate.in_flight)
        gate.arrivals.put_nowait(None)
        try:
            await gate.releases.acquire()
        finally:
            gate.in_flight -= 1
        return web.Response(text="released")

    app = web.Application()
    app.add_routes(routes)
    return app


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-nodes", "-days", "2",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


@asynccontextmanager
async def running_server(certificate: tuple[Path, Path] | None = None) -> AsyncIterator[Server]:
    gate = Gate()
    runner = web.AppRunner(build_app(gate), handler_cancellation=True, shutdown_timeout=0.1)
    await runner.setup()
    plain = _listening_socket()
    await web.SockSite(runner, plain).start()
    server = Server(port=plain.getsockname()[1], gate=gate)
    if certificate is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        secure = _listening_socket()
        await web.SockSite(runner, secure, ssl_context=context).start()
        server.tls_port = secure.getsockname()[1]
    try:
        yield server
    finally:
        for _ in range(gate.in_flight):
            gate.releases.release()
        await runner.cleanup()


@asynccontextmanager
async def hanging_server() -> AsyncIterator[int]:
    """Accepts connections and never answers; yields its port."""
    idle = asyncio.Event()

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await idle.wait()
        finally:
            writer.close()

    server = await asyncio.start_server(swallow, HOST, 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        idle.set()
        server.close()
        await server.wait_closed()
