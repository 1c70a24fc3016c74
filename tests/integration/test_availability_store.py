"""handle_probes against the store (SQLite and PostgreSQL) with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import crawler.availability as availability
from crawler.availability import (
    CensusRule,
    add_maintenance,
    availability_for,
    handle_probes,
    outage_windows,
)
from crawler.config import Settings
from crawler.probe import ProbeResult
from crawler.registry import import_sites
from crawler.site import Site, SiteStatus
from crawler.store import Store, open_store
from crawler.store.availability_models import OutboxRow, ProbeRow

T0 = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
SITES = [
    Site(f"53010000{i:02d}", f"测试网站{i}", "昆明" if i < 8 else "红河", f"http://127.0.0.1:1/{i}")
    for i in range(12)
] + [
    Site(
        "5301009999",
        "暂停网站",
        "昆明",
        "http://127.0.0.1:1/c",
        status=SiteStatus.TEMPORARILY_CLOSED,
    )
]
A, B, C = SITES[0].code, SITES[1].code, SITES[8].code


def _settings(**alerts: object) -> Settings:
    return Settings(
        probe={"interval": "2s", "confirm_after": "1s", "reference_urls": []},  # type: ignore[arg-type]
        alerts={  # type: ignore[arg-type]
            "report_after": "10s",
            "hooks": [{"kind": "webhook", "url": "http://127.0.0.1:9/hook"}],
            **alerts,
        },
    )


def _at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def probe(code: str, s: float, ok: bool, outcome: str = "refused") -> tuple[str, ProbeResult]:
    result = ProbeResult(
        code=code, url="http://x/", at=_at(s), outcome="ok" if ok else outcome,  # type: ignore[arg-type]
        status=200 if ok else None, latency_ms=5.0, error="" if ok else "connection refused",
    )  # fmt: skip
    return f"probe:{code}:{s}", result


@pytest.fixture(autouse=True)
def _fresh_monitor() -> Iterator[None]:
    availability.MONITOR = availability.MonitorStatus()
    availability._reference_cache.clear()
    yield
    availability.MONITOR = availability.MonitorStatus()


async def _registry(store: Store) -> None:
    await import_sites(store, SITES, file_name="t.csv", file_sha256="0" * 64)


async def _outbox(store: Store) -> list[tuple[str, str]]:
    async with store.session() as session:
        rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
    return [(r.code, r.event) for r in rows]


async def _feed(store, settings, probes, *, now_lag: float = 0.1):  # type: ignore[no-untyped-def]
    """Each probe handled on its own at its own time (as the recorder would)."""
    confirms = []
    for job in probes:
        confirms += await handle_probes(
            store, settings, [job], job[1].at + timedelta(seconds=now_lag)
        )
    return confirms


async def test_refused_for_40s_gives_one_window_one_report_one_recovery(store: Store) -> None:
    await _registry(store)
    settings = _settings()
    jobs = [probe(A, 0, True)]
    jobs += [probe(A, s, False) for s in range(2, 42, 2)]  # down from 2 s to 40 s
    jobs += [probe(A, 42, True), probe(A, 44, True)]
    confirms = await _feed(store, settings, jobs)
    assert confirms[0] == (A, _at(3))  # first failure at 2 s → confirm after 1 s

    windows = await outage_windows(store, now=_at(50))
    assert len(windows) == 1
    w = windows[0]
    assert (w.started_at, w.ended_at, w.duration_s) == (_at(2), _at(42), 40.0)
    assert (w.cause, w.probe_count, w.reported, w.name) == ("refused", 20, True, "测试网站0")
    assert w.reported_at == _at(12.1)  # threshold 10 s after the start, at the next batch
    assert await _outbox(store) == [(A, "outage_report_due"), (A, "outage_recovered")]
    avail = (await availability_for(store, [A], _at(50)))[A]
    assert (avail.probes, avail.failed, avail.up, avail.outage_open_seconds) == (23, 20, True, 0)
    assert avail.latency_ms == 5.0 and avail.last_probe_at == _at(44)


async def test_batch_replayed_changes_nothing(store: Store) -> None:
    await _registry(store)
    settings = _settings()
    jobs = [probe(A, 0, False), probe(A, 1, False), probe(A, 2, False)]
    await handle_probes(store, settings, jobs, _at(2.1))
    await handle_probes(store, settings, jobs, _at(2.2))
    await handle_probes(store, settings, jobs[:2], _at(2.3))
    (w,) = await outage_windows(store, now=_at(3))
    assert w.probe_count == 3 and w.ended_at is None and w.duration_s == 3.0
    async with store.session() as session:
        assert await session.scalar(select(func.count()).select_from(ProbeRow)) == 3


async def test_flapping_site_opens_nothing_but_raises_its_share(store: Store) -> None:
    await _registry(store)
    settings = _settings()
    jobs = [probe(A, s, s % 6 != 0) for s in range(0, 120, 2)]  # down 1 probe in 3
    confirms = await _feed(store, settings, jobs)
    assert await outage_windows(store, now=_at(200)) == []
    assert await _outbox(store) == []
    assert len(confirms) == 20
    avail = (await availability_for(store, [A], _at(200)))[A]
    assert avail.failed == 20 and avail.failed_share == pytest.approx(1 / 3)


async def test_restart_continues_the_window_and_fires_once(store_url: str) -> None:
    settings = _settings(report_after="60s")
    async with open_store(store_url) as store:
        await _registry(store)
        await _feed(store, settings, [probe(A, 0, False), probe(A, 1, False), probe(A, 3, False)])
    # the service is down from 3 s to 100 s: the threshold (60 s) passes meanwhile
    async with open_store(store_url) as store:
        await handle_probes(store, settings, [], _at(100))  # start-up pass
        assert await _outbox(store) == [(A, "outage_report_due")]
        await handle_probes(store, settings, [], _at(101))
        await _feed(store, settings, [probe(A, 102, False), probe(A, 104, True)])
        (w,) = await outage_windows(store, now=_at(200))
        assert (w.started_at, w.ended_at, w.probe_count) == (_at(0), _at(104), 4)
        assert await _outbox(store) == [(A, "outage_report_due"), (A, "outage_recovered")]


async def test_short_window_fires_only_for_hooks_that_ask(store: Store) -> None:
    await _registry(store)
    settings = _settings(
        hooks=[
            {"kind": "webhook", "url": "http://127.0.0.1:9/all"},
            {"kind": "wecom", "url": "http://127.0.0.1:9/short", "notify_short_outages": True},
        ]
    )
    await _feed(store, settings, [probe(A, 0, False), probe(A, 1, False), probe(A, 3, True)])
    assert await _outbox(store) == [(A, "outage_started"), (A, "outage_recovered")]


async def test_maintenance_and_closed_sites_suppress_for_that_site_only(store: Store) -> None:
    await _registry(store)
    settings = _settings()
    await add_maintenance(store, code=A, starts_at=_at(0), ends_at=_at(100))
    await add_maintenance(store, region="红河", starts_at=_at(0), ends_at=_at(100))
    closed = SITES[-1].code
    jobs = []
    for s in range(0, 40, 2):
        jobs += [
            probe(A, s, False),
            probe(B, s, False),
            probe(C, s, False),
            probe(closed, s, False),
        ]
    await handle_probes(store, settings, jobs, _at(40))
    windows = await outage_windows(store, now=_at(41))
    assert [w.code for w in windows] == [B]
    assert await _outbox(store) == [(B, "outage_report_due")]
    async with store.session() as session:
        rows = (await session.execute(select(ProbeRow.code, ProbeRow.suppressed))).all()
    assert {code: why for code, why in rows} == {
        A: "maintenance",
        B: None,
        C: "maintenance",
        closed: "closed",
    }


async def test_monitor_offline_opens_no_windows(store: Store) -> None:
    await _registry(store)
    settings = _settings()  # no reference sites: a burst alone means offline
    codes = [s.code for s in SITES[:12]]
    await handle_probes(store, settings, [probe(c, 0, True) for c in codes], _at(0.1))
    for s in (2, 3, 4, 5, 6, 20):
        await handle_probes(store, settings, [probe(c, s, False) for c in codes], _at(s + 0.1))
    assert availability.monitor_status().offline
    assert await outage_windows(store, now=_at(30)) == []
    assert await _outbox(store) == []
    avail = await availability_for(store, codes, _at(30))
    assert all(a.probes == 1 and a.failed == 0 for a in avail.values())  # offline not counted
    await handle_probes(store, settings, [probe(c, 22, True) for c in codes], _at(22.1))
    assert not availability.monitor_status().offline


async def test_mass_failure_with_reference_up_is_real(store: Store, farm) -> None:  # type: ignore[no-untyped-def]
    await _registry(store)
    reference = farm.sites[0].url  # a loopback server that answers
    settings = Settings(
        probe={"interval": "2s", "confirm_after": "1s", "reference_urls": [reference]},  # type: ignore[arg-type]
        fetch={"allow_private_addresses": True},  # type: ignore[arg-type]
    )
    codes = [s.code for s in SITES[:12]]
    for s in (0, 1, 2):
        await handle_probes(store, settings, [probe(c, s, False) for c in codes], _at(s + 0.1))
    assert not availability.monitor_status().offline
    assert len(await outage_windows(store, now=_at(3))) == 12


async def test_census_share_over_the_week(store: Store) -> None:
    await _registry(store)
    settings = _settings()
    rule = CensusRule()
    now = T0 + timedelta(days=7)
    jobs = []
    # 140 probes a day? No: 20 a day for 7 days = 140 probes, 7 failed = exactly 5 %.
    for k in range(140):
        at = T0 + timedelta(hours=1.2 * k)
        ok = k % 20 != 0
        jobs.append(
            (f"p{k}", ProbeResult(code=A, url="u", at=at, outcome="ok" if ok else "timeout"))
        )
    for k in range(139):
        at = T0 + timedelta(hours=1.2 * k)
        jobs.append((f"q{k}", ProbeResult(code=B, url="u", at=at, outcome="ok")))
    await handle_probes(store, settings, jobs, now)
    got = await availability_for(store, [A, B, C], now, rule=rule)
    assert (got[A].probes, got[A].failed, got[A].census) == (140, 7, "veto")
    assert got[A].probes_per_day == 20
    assert got[B].census == "insufficient_data"  # 139 < 20 a day
    assert got[C].probes == 0 and got[C].census == "insufficient_data" and got[C].up is None


async def test_reference_sites_down_suppress_a_lone_failure(store: Store) -> None:
    await _registry(store)
    dead = "http://127.0.0.1:9/"  # discard port: nothing listens, connection refused
    settings = _settings()
    settings = settings.model_copy(
        update={"probe": settings.probe.model_copy(update={"reference_urls": [dead]})}
    )
    codes = [s.code for s in SITES[:12]]
    await handle_probes(store, settings, [probe(c, 0, True) for c in codes], _at(0.1))
    await _feed(store, settings, [probe(A, 2, False), probe(A, 3, False), probe(A, 5, False)])
    assert availability.monitor_status().offline
    assert await outage_windows(store, now=_at(10)) == []


async def test_old_probes_are_pruned_but_the_share_stays(store: Store) -> None:
    await _registry(store)
    settings = _settings()
    jobs = [probe(A, s * 3600, s % 10 != 0) for s in range(48)]  # two days, hourly
    await handle_probes(store, settings, jobs, _at(48 * 3600))
    before = (await availability_for(store, [A], _at(48 * 3600)))[A]
    removed = await availability.prune_probes(store, _at(24 * 3600), chunk=7)
    assert removed == 24
    async with store.session() as session:
        assert await session.scalar(select(func.count()).select_from(ProbeRow)) == 24
    after = (await availability_for(store, [A], _at(48 * 3600)))[A]
    assert (after.probes, after.failed) == (before.probes, before.failed) == (48, 5)


async def test_rebuild_probe_hours_matches_the_running_counts(store: Store) -> None:
    await _registry(store)
    settings = _settings()
    jobs = [probe(A, s * 600, s % 4 != 0) for s in range(30)]
    await handle_probes(store, settings, jobs, _at(30 * 600))
    kept = (await availability_for(store, [A], _at(30 * 600)))[A]
    assert await availability.rebuild_probe_hours(store) == 5  # 5 hours of 10-minute probes
    again = (await availability_for(store, [A], _at(30 * 600)))[A]
    assert (again.probes, again.failed) == (kept.probes, kept.failed) == (30, 8)
    assert await availability.rebuild_probe_hours(store, since=_at(3 * 3600)) == 2
    assert (await availability_for(store, [A], _at(30 * 600)))[A].probes == 30


async def test_unregistered_site_gets_a_window_but_no_report(store: Store) -> None:
    await _registry(store)
    settings = _settings()
    stray = "5399999999"
    await _feed(store, settings, [probe(stray, 0, False), probe(stray, 1, False)])
    await handle_probes(store, settings, [], _at(3600))
    (window,) = await outage_windows(store, now=_at(3600))
    assert window.code == stray and window.name == stray and not window.reported
    assert await _outbox(store) == []
