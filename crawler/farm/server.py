"""The farm server: every catalog site on its own loopback address, one process, one port.

One aiohttp application answers on all site addresses; the handler tells sites apart by
the local address the connection came in on. Replies are rendered once and kept in an
LRU, so the farm answers thousands of requests a second. A control application on a
separate address reports the catalog, the truth and request counts, and switches a
site's behaviour at run time (refuse closes the site's listening socket for real).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import socket
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, timezone

from aiohttp import web

from crawler.farm.catalog import DEFAULT_PORT, FarmSite, build_catalog, site_address
from crawler.farm.routes import Reply, route, server_error
from crawler.farm.truth import ground_truth

MODES = ("normal", "refuse", "hang", "error500", "slow")
SHANGHAI = timezone(timedelta(hours=8))  # no DST: a fixed offset needs no tz database
HANG_SECONDS = 3600.0  # "never": cancelled when the client goes away or the farm stops
OPEN_WITHIN_SECONDS = 15.0  # the census: a homepage not open after 15 s has failed
DEFAULT_SLOW_DELAY = 20.0  # longer than that


def shanghai_today() -> date:
    return datetime.now(UTC).astimezone(SHANGHAI).date()


def raise_open_file_limit() -> None:
    """Each site holds a listening socket; lift the soft descriptor limit to the hard one."""
    try:
        import resource
    except ImportError:  # not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[tuple[int, str], Reply] = OrderedDict()

    def get(self, key: tuple[int, str]) -> Reply | None:
        reply = self._data.get(key)
        if reply is not None:
            self._data.move_to_end(key)
        return reply

    def put(self, key: tuple[int, str], reply: Reply) -> None:
        self._data[key] = reply
        if len(self._data) > self.size:
            self._data.popitem(last=False)


class _Truths(Mapping[str, dict]):
    """code → ground truth, computed on first use."""

    def __init__(self, farm: SiteFarm) -> None:
        self._farm = farm
        self._cache: dict[str, dict] = {}  # by code and reachability

    def __getitem__(self, code: str) -> dict:
        reachable = self._farm.answers(code)
        key = f"{code}:{reachable}"
        if key not in self._cache:
            self._cache[key] = ground_truth(
                self._farm.site(code), self._farm.today, reachable=reachable
            )
        return self._cache[key]

    def __iter__(self) -> Iterator[str]:
        return (fs.code for fs in self._farm.sites)

    def __len__(self) -> int:
        return len(self._farm.sites)


class SiteFarm:
    """Serve `count` catalog sites in-process.

    port=0 picks a free port (tests); control=("127.0.0.1", 0) picks a free control port;
    control=None runs no control endpoint. `today` fixes the date the pages are rendered
    for (default: today in Asia/Shanghai when the farm starts).
    """

    def __init__(
        self,
        count: int = 1900,
        *,
        port: int = DEFAULT_PORT,
        seed: int = 0,
        today: date | None = None,
        control: tuple[str, int] | None = ("127.0.0.1", 8799),
        cache_size: int = 50_000,
        slow_drip_seconds: float = 30.0,
        slow_delay: float = DEFAULT_SLOW_DELAY,
        latency: float = 0.0,
    ) -> None:
        self.count = count
        self.seed = seed
        self.today = today or shanghai_today()
        self.port = port
        self._control_addr = control
        self._slow_drip_seconds = slow_drip_seconds
        self._default_slow_delay = slow_delay
        self.latency = latency  # seconds added before every answer (a distant server)
        self._cache = _LRU(cache_size)
        self._sites: list[FarmSite] | None = None
        self._by_address: dict[str, FarmSite] = {}
        self._by_code: dict[str, FarmSite] = {}
        self._modes: dict[int, str] = {}
        self._slow_delay: dict[int, float] = {}
        self._listeners: dict[int, asyncio.AbstractServer] = {}
        self._runner: web.AppRunner | None = None
        self._control_runner: web.AppRunner | None = None
        self.control_url: str | None = None
        self.truth: Mapping[str, dict] = _Truths(self)
        self.requests = 0
        self.bytes_sent = 0
        self.by_status: Counter[int] = Counter()
        if port:
            self._load(port)

    # ---- catalog access -----------------------------------------------------------

    def _load(self, port: int) -> None:
        self.port = port
        self._sites = build_catalog(self.count, seed=self.seed, port=port)
        self._by_address = {fs.address: fs for fs in self._sites}
        self._by_code = {fs.code: fs for fs in self._sites}
        self._modes = {fs.index: fs.initial_mode for fs in self._sites}

    @property
    def sites(self) -> list[FarmSite]:
        if self._sites is None:
            raise RuntimeError("port 0 is resolved when the farm starts")
        return self._sites

    def site(self, code: str) -> FarmSite:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"no farm site {code}") from None

    def url_of(self, code: str) -> str:
        return self.site(code).url

    def mode_of(self, code: str) -> str:
        return self._modes[self.site(code).index]

    def answers(self, code: str) -> bool:
        """Whether the site's homepage opens within the census' 15 s in its current mode."""
        index = self.site(code).index
        mode = self._modes[index]
        if mode == "slow":
            return self._slow_delay.get(index, self._default_slow_delay) < OPEN_WITHIN_SECONDS
        return mode == "normal"

    # ---- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        raise_open_file_limit()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=0.5,
        )
        await self._runner.setup()
        pick = self._sites is None  # port 0: find a port free on the site addresses
        for attempt in range(5):
            if pick:
                self._load(_free_port(site_address(0)))
            try:
                await self._open_all()
                break
            except OSError as exc:
                await self._close_all()
                if not pick or exc.errno != errno.EADDRINUSE or attempt == 4:
                    await self._runner.cleanup()
                    self._runner = None
                    raise
        if self._control_addr is not None:
            await self._start_control(*self._control_addr)

    async def _open_all(self) -> None:
        for fs in self.sites:
            if self._modes[fs.index] != "refuse":
                await self._listen(fs)

    async def _listen(self, fs: FarmSite) -> None:
        if fs.index in self._listeners or self._runner is None or self._runner.server is None:
            return
        loop = asyncio.get_running_loop()
        self._listeners[fs.index] = await loop.create_server(
            self._runner.server, fs.address, fs.port, reuse_address=True, backlog=256
        )

    def _unlisten(self, fs: FarmSite) -> None:
        server = self._listeners.pop(fs.index, None)
        if server is not None:
            server.close()  # new connections are refused
        if self._runner is not None and self._runner.server is not None:
            for handler in self._runner.server.connections:  # and kept-alive ones are dropped
                transport = handler.transport
                if transport is not None and transport.get_extra_info("sockname")[0] == fs.address:
                    transport.close()

    async def _close_all(self) -> None:
        for fs in list(self.sites):
            self._unlisten(fs)

    async def stop(self) -> None:
        if self._control_runner is not None:
            await self._control_runner.cleanup()
            self._control_runner = None
        if self._sites is not None:
            await self._close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SiteFarm:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def listening(self) -> int:
        return len(self._listeners)

    # ---- behaviour ----------------------------------------------------------------

    async def set_mode(self, code: str, mode: str, delay: float | None = None) -> None:
        """Switch a site: normal, refuse (no listener), hang, error500 or slow (delayed)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        fs = self.site(code)
        self._modes[fs.index] = mode
        if mode == "slow":
            self._slow_delay[fs.index] = self._default_slow_delay if delay is None else delay
        if mode == "refuse":
            self._unlisten(fs)
        else:
            await self._listen(fs)

    def reply(self, fs: FarmSite, path_qs: str) -> Reply:
        """The normal-mode answer for a path, from the cache when possible."""
        key = (fs.index, path_qs)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        path, _, query = path_qs.partition("?")
        answer = route(fs, path, query, self.today)
        if answer.cacheable:
            self._cache.put(key, answer)
        return answer

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        transport = request.transport
        sockname = transport.get_extra_info("sockname") if transport else None
        fs = self._by_address.get(sockname[0]) if sockname else None
        self.requests += 1
        if fs is None:
            self.by_status[421] += 1
            return web.Response(status=421, text="no farm site on this address")
        mode = self._modes[fs.index]
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if mode == "hang":
            await asyncio.sleep(HANG_SECONDS)
        if mode == "slow":
            await asyncio.sleep(self._slow_delay.get(fs.index, self._default_slow_delay))
        reply = server_error(fs) if mode == "error500" else self.reply(fs, request.path_qs)
        self.by_status[reply.status] += 1
        if reply.stream == "slow":
            return await self._drip(request, reply)
        self.bytes_sent += len(reply.body)
        headers = {"Content-Type": reply.content_type, **dict(reply.headers)}
        return web.Response(body=reply.body, status=reply.status, headers=headers)

    async def _drip(self, request: web.Request, reply: Reply) -> web.StreamResponse:
        """Send the body a few bytes at a time over slow_drip_seconds."""
        response = web.StreamResponse(
            status=reply.status, headers={"Content-Type": reply.content_type}
        )
        response.content_length = len(reply.body)
        await response.prepare(request)
        pieces = 30
        step = -(-len(reply.body) // pieces)
        for start in range(0, len(reply.body), step):
            await response.write(reply.body[start : start + step])
            self.bytes_sent += min(step, len(reply.body) - start)
            await asyncio.sleep(self._slow_drip_seconds / pieces)
        await response.write_eof()
        return response

    # ---- control ------------------------------------------------------------------

    async def _start_control(self, host: str, port: int) -> None:
        app = web.Application()
        app.router.add_get("/sites", self._c_sites)
        app.router.add_get("/truth", self._c_truths)
        app.router.add_get("/truth/{code}", self._c_truth)
        app.router.add_post("/sites/{code}/mode", self._c_mode)
        app.router.add_get("/stats", self._c_stats)
        self._control_runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._control_runner.setup()
        site = web.TCPSite(self._control_runner, host, port, reuse_address=True)
        await site.start()
        self.control_url = f"http://{host}:{site.port}"

    def summary(self) -> dict:
        return {
            "count": len(self.sites),
            "port": self.port,
            "today": self.today.isoformat(),
            "sites": [
                {
                    "code": fs.code,
                    "name": fs.site.name,
                    "region": fs.site.region,
                    "url": fs.url,
                    "address": fs.address,
                    "status": fs.status.value,
                    "encoding": fs.encoding,
                    "conditions": sorted(fs.conditions),
                    "mode": self._modes[fs.index],
                }
                for fs in self.sites
            ],
        }

    def stats(self) -> dict:
        return {
            "requests": self.requests,
            "bytes_sent": self.bytes_sent,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "sites": len(self.sites),
            "listening": self.listening,
            "modes": dict(Counter(self._modes.values())),
            "cached_replies": len(self._cache._data),
        }

    async def _c_sites(self, request: web.Request) -> web.Response:
        return _json(self.summary())

    async def _c_truths(self, request: web.Request) -> web.Response:
        return _json([self.truth[fs.code] for fs in self.sites])

    async def _c_truth(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        if code not in self._by_code:
            return _json({"error": f"no farm site {code}"}, 404)
        return _json(self.truth[code])

    async def _c_mode(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        try:
            body = await request.json()
            mode, delay = body["mode"], body.get("delay")
            await self.set_mode(code, mode, None if delay is None else float(delay))
        except KeyError:
            if code not in self._by_code:
                return _json({"error": f"no farm site {code}"}, 404)
            return _json({"error": 'the body must be {"mode": ...}'}, 400)
        except (ValueError, TypeError) as exc:
            return _json({"error": str(exc)}, 400)
        except OSError as exc:
            return _json({"error": f"cannot listen: {exc}"}, 409)
        return _json({"code": code, "mode": mode})

    async def _c_stats(self, request: web.Request) -> web.Response:
        return _json(self.stats())


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, ensure_ascii=False), status=status, content_type="application/json"
    )


def _free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]
