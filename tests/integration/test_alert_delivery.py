"""Outbox delivery to real receivers on loopback: every hook kind, retries, order, once."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from crawler.alerts import outbox
from crawler.alerts.hooks import hook_id
from crawler.alerts.messages import outage_payload
from crawler.config import Settings
from crawler.store import Store
from crawler.store.availability_models import OutboxRow
from crawler.web.keys import SETTINGS, STORE
from crawler.web.metrics_route import setup_metrics

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
SECRET = "SECtestsecret"
TOKEN = "tok3nvalue"


@dataclass
class Receiver:
    """One aiohttp app answering as webhook, DingTalk, WeCom and Feishu endpoints."""

    fail_first: int = 0
    requests: int = 0
    got: dict[str, list] = field(default_factory=lambda: {"webhook": [], "dingtalk": [],
                                                         "wecom": [], "feishu": []})  # fmt: skip
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    expect: int = 0
    base: str = ""

    def total(self) -> int:
        return sum(len(v) for v in self.got.values())

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.requests <= self.fail_first:
            return web.Response(status=503, text="down for maintenance")
        kind = request.match_info["kind"]
        body = await request.read()
        data = json.loads(body)
        if kind == "webhook":
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            assert request.headers.get("X-Govcrawl-Signature") == expected
            assert request.query.get("token") == TOKEN
        if kind == "dingtalk":
            stamp = request.query["timestamp"]
            sign = base64.b64encode(
                hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
            ).decode()
            if request.query["sign"] != sign:
                return web.json_response({"errcode": 310000, "errmsg": "sign not match"})
        if kind == "feishu":
            string = f"{data['timestamp']}\n{SECRET}".encode()
            sign = base64.b64encode(hmac.new(string, b"", hashlib.sha256).digest()).decode()
            if data["sign"] != sign:
                return web.json_response({"code": 19021, "msg": "sign match fail"})
        self.got[kind].append(data)
        if self.total() >= self.expect:
            self.arrived.set()
        if kind == "feishu":
            return web.json_response({"code": 0, "msg": "success"})
        return web.json_response({"errcode": 0, "errmsg": "ok"})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/{kind}", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rec.base = f"http://127.0.0.1:{port}"
    yield rec
    await runner.cleanup()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.arrived = threading.Event()  # the SMTP server runs in its own thread

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(envelope)
        self.arrived.set()
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _settings(hooks: list[dict], **alerts: object) -> Settings:
    return Settings(
        alerts={"hooks": hooks, "retry_initial": "50ms", "retry_max": "200ms", **alerts}  # type: ignore[arg-type]
    )


def _payload(code: str, n: int) -> dict:
    return outage_payload(
        "outage_report_due", site={"code": code, "name": f"网站{code}", "region": "昆明",
                                   "url": f"http://{code}/"},
        window_id=n, started_at=NOW, ended_at=None, duration_s=86400.0 + n, cause="refused",
        last_error="connection refused", probe_count=n, report_after_s=86400,
    )  # fmt: skip


async def _enqueue(store: Store, settings: Settings, messages: list[tuple[str, int]]) -> None:
    async with store.session() as session, session.begin():
        for code, n in messages:
            await outbox.enqueue(
                session, store, settings.alerts.hooks, key=f"m{code}-{n}", code=code,
                payload=_payload(code, n), now=NOW,
            )  # fmt: skip


async def _deliver_until(store: Store, settings: Settings, done: asyncio.Event) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.deliver_forever(store, settings, stop))
    try:
        async with asyncio.timeout(20):
            await done.wait()
    finally:
        stop.set()
        await task


async def test_receiver_down_for_first_five_gets_all_once_in_order(
    store: Store, receiver: Receiver
) -> None:
    url = f"{receiver.base}/webhook?token={TOKEN}"
    settings = _settings([{"kind": "webhook", "url": url, "secret": SECRET}])
    messages = [(code, n) for n in range(4) for code in ("5301000001", "5301000002", "5301000003")]
    receiver.fail_first, receiver.expect = 5, len(messages)
    await _enqueue(store, settings, messages)
    await _enqueue(store, settings, messages[:3])  # enqueued twice: still once
    await _deliver_until(store, settings, receiver.arrived)

    got = receiver.got["webhook"]
    assert receiver.requests >= len(messages) + 5
    assert sorted(m["delivery_id"] for m in got) == sorted({m["delivery_id"] for m in got})
    assert len(got) == len(messages)
    for code in ("5301000001", "5301000002", "5301000003"):
        assert [m["window_id"] for m in got if m["code"] == code] == [0, 1, 2, 3]
    first = got[0]
    assert first["event"] == "outage_report_due" and first["url"].startswith("http://")
    assert {"code", "name", "region", "started_at", "ended_at", "duration_s", "last_error"} <= set(
        first
    )
    async with store.session() as session:
        rows = (await session.scalars(select(OutboxRow))).all()
    assert all(r.delivered_at is not None for r in rows)
    assert any(r.attempts > 1 for r in rows)
    assert all(TOKEN not in r.last_error and SECRET not in r.last_error for r in rows)


async def test_every_robot_kind_and_mail(store: Store, receiver: Receiver) -> None:
    mailbox = _Mailbox()
    smtp_port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        settings = _settings([
            {"kind": "dingtalk", "url": f"{receiver.base}/dingtalk?access_token={TOKEN}",
             "secret": SECRET},
            {"kind": "wecom", "url": f"{receiver.base}/wecom?key={TOKEN}"},
            {"kind": "feishu", "url": f"{receiver.base}/feishu", "secret": SECRET},
            {"kind": "mail", "url": f"smtp://127.0.0.1:{smtp_port}", "to": ["duty@example.org"],
             "sender": "govcrawl@example.org"},
        ])  # fmt: skip
        receiver.expect = 3
        await _enqueue(store, settings, [("5301000041", 1)])
        await _deliver_until(store, settings, receiver.arrived)
        assert await asyncio.to_thread(mailbox.arrived.wait, 10)
        assert await outbox.undelivered(store) == {}
    finally:
        controller.stop()
    ding = receiver.got["dingtalk"][0]
    assert ding["msgtype"] == "markdown" and "书面报备" in ding["markdown"]["title"]
    assert "网站5301000041" in ding["markdown"]["text"] and "1天" in ding["markdown"]["text"]
    assert "5301000041" in receiver.got["wecom"][0]["markdown"]["content"]
    assert "书面报备" in receiver.got["feishu"][0]["content"]["text"]
    (mail,) = mailbox.messages
    assert mail.rcpt_tos == ["duty@example.org"]
    text = mail.content.decode()
    assert "5301000041" in text


async def test_robot_refusal_is_retried_not_dropped(store: Store, receiver: Receiver) -> None:
    settings = _settings(
        [{"kind": "dingtalk", "url": f"{receiver.base}/dingtalk", "secret": "wrong-secret"}]
    )
    await _enqueue(store, settings, [("5301000041", 1)])
    async with aiohttp.ClientSession() as http:
        await outbox.deliver_due(store, settings, http)
    async with store.session() as session:
        (row,) = (await session.scalars(select(OutboxRow))).all()
    assert row.delivered_at is None and row.attempts == 1
    assert "sign not match" in row.last_error and "wrong-secret" not in row.last_error
    assert row.hook == hook_id(settings.alerts.hooks[0])


def _samples(body: str) -> dict[tuple[str, str | None, str | None], float]:
    """govcrawl_alert* samples by (name, hook, outcome)."""
    return {
        (s.name, s.labels.get("hook"), s.labels.get("outcome")): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
        if s.name.startswith("govcrawl_alert")
    }


async def _scrape(store: Store, settings: Settings) -> str:
    app = web.Application()
    app[STORE], app[SETTINGS] = store, settings
    setup_metrics(app, refresh_every=3600)
    async with TestClient(TestServer(app)) as client:
        return await (await client.get("/metrics")).text()


async def test_the_backlog_and_the_deliveries_are_in_the_metrics(
    store: Store, receiver: Receiver
) -> None:
    """Waiting messages per configured hook with the oldest one's age, the messages of a
    hook no longer configured apart, and every delivery attempt counted by outcome."""
    url = f"{receiver.base}/webhook?token={TOKEN}"
    settings = _settings([{"kind": "webhook", "url": url, "secret": SECRET}])
    removed = _settings([{"kind": "webhook", "url": f"{receiver.base}/webhook?token=old"}])
    await _enqueue(store, settings, [("5301000001", 1), ("5301000002", 1)])
    await _enqueue(store, removed, [("5301000003", 1)])
    hook = hook_id(settings.alerts.hooks[0])

    waited = (datetime.now(UTC) - NOW).total_seconds()  # the oldest was enqueued at NOW
    before = _samples(await _scrape(store, settings))
    assert before[("govcrawl_alerts_undelivered", hook, None)] == 2
    assert before[("govcrawl_alerts_oldest_undelivered_seconds", hook, None)] >= waited
    assert before[("govcrawl_alerts_orphaned", None, None)] == 1
    assert hook_id(removed.alerts.hooks[0]) not in {key[1] for key in before}

    receiver.fail_first, receiver.expect = 2, 2
    await _deliver_until(store, settings, receiver.arrived)
    body = await _scrape(store, settings)
    after = _samples(body)
    assert TOKEN not in body and SECRET not in body
    assert after[("govcrawl_alerts_undelivered", hook, None)] == 0
    assert after[("govcrawl_alerts_oldest_undelivered_seconds", hook, None)] == 0
    assert after[("govcrawl_alerts_orphaned", None, None)] == 1  # kept, not dropped

    def attempts(samples: dict, outcome: str) -> float:
        return samples[("govcrawl_alert_deliveries_total", hook, outcome)]

    assert attempts(after, "delivered") - attempts(before, "delivered") == 2
    assert attempts(after, "failed") - attempts(before, "failed") >= 2
