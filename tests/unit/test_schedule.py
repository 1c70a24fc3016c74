"""The scheduler's pure core: spread, jitter, closed sites, one job per slot, catch-up once."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from crawler.service.schedule import (
    INSPECTION,
    PROBE,
    Due,
    Intervals,
    due_jobs,
    inspection_id_of,
    parse_job_id,
    phase_ms,
    recheck_job_id,
    scheduled_count,
)
from crawler.site import Site, SiteStatus

INTERVALS = Intervals(probe=timedelta(minutes=5), inspection=timedelta(hours=24))
T0 = 1_800_000_000_000  # ms


def site(code: str, status: SiteStatus = SiteStatus.OPEN) -> Site:
    return Site(code=code, name="n", region="昆明", url=f"http://{code}.example/", status=status)


def fleet(n: int) -> list[Site]:
    return [site(f"53{i:08d}") for i in range(n)]


def run(sites, start_ms, end_ms, step_ms, done=None):  # type: ignore[no-untyped-def]
    """Tick a clock through [start, end] and collect every queued job (ids must be unique)."""
    done = {} if done is None else done
    queued: list[Due] = []
    for now in range(start_ms, end_ms + 1, step_ms):
        for due in due_jobs(sites, INTERVALS, now, done):
            done[(due.code, due.kind)] = due.slot_ms
            queued.append(due)
    return queued, done


def test_phases_spread_inspections_evenly_over_the_interval() -> None:
    day = INTERVALS.inspection
    phases = [phase_ms(s.code, INSPECTION, day) for s in fleet(1900)]
    hours = [0] * 24
    for p in phases:
        hours[p // 3_600_000] += 1
    # 1,900 sites over 24 hours: about 79 an hour, none of the hours crowded or empty.
    assert min(hours) >= 50 and max(hours) <= 110, hours
    # Probe phases are independent of inspection phases (per kind jitter).
    assert phase_ms("5300000001", PROBE, day) != phase_ms("5300000001", INSPECTION, day)


def test_each_slot_is_queued_once_and_new_sites_start_at_once() -> None:
    sites = fleet(50)
    queued, _ = run(sites, T0, T0 + 3_600_000, 1000)  # one hour, ticking every second
    ids = [d.job_id("g") for d in queued]
    assert len(ids) == len(set(ids))
    probes = [d for d in queued if d.kind == PROBE]
    per_site = {s.code: sum(d.code == s.code for d in probes) for s in sites}
    # 12 slots an hour plus the first probe at start, give or take the phase at the edges.
    assert all(12 <= n <= 13 for n in per_site.values()), per_site
    for s in sites:
        # The first probe takes the nearest slot, so a slot just after start is not doubled.
        expected = scheduled_count(s.code, PROBE, INTERVALS.probe, T0, T0 + 3_600_000)
        assert per_site[s.code] == expected, s.code
    inspections = [d for d in queued if d.kind == INSPECTION]
    assert sorted(d.code for d in inspections) == sorted(s.code for s in sites)


def test_first_job_and_second_are_at_least_half_an_interval_apart() -> None:
    for s in fleet(40):
        queued, _ = run([s], T0, T0 + 600_000, 250)
        starts = [d.slot_ms for d in queued if d.kind == PROBE]
        assert all(b - a >= 150_000 for a, b in pairwise(starts))


def test_after_a_pause_overdue_work_is_caught_up_once() -> None:
    sites = fleet(20)
    _, done = run(sites, T0, T0 + 60_000, 1000)
    # The service was down for three days: every site has missed many slots of each kind.
    later = T0 + 3 * 86_400_000
    caught_up = due_jobs(sites, INTERVALS, later, done)
    assert sorted((d.code, d.kind) for d in caught_up) == sorted(
        (s.code, k) for s in sites for k in (PROBE, INSPECTION)
    )
    for d in caught_up:
        done[(d.code, d.kind)] = d.slot_ms
    assert due_jobs(sites, INTERVALS, later + 1000, done) == []


def test_closed_sites() -> None:
    temporarily = site("5300000001", SiteStatus.TEMPORARILY_CLOSED)
    permanently = site("5300000002", SiteStatus.PERMANENTLY_CLOSED)
    queued, _ = run([temporarily, permanently], T0, T0 + 2 * 86_400_000, 60_000)
    assert all(d.code == permanently.code and d.kind == INSPECTION for d in queued)
    assert 2 <= len(queued) <= 3  # verified once a day


def test_job_ids_name_their_slot() -> None:
    due = Due("5301000001", PROBE, 1_800_000_123_456)
    assert parse_job_id(due.job_id("govcrawl-test")) == due
    assert parse_job_id("govcrawl:recheck:5301000001:1800000000000") is None
    assert parse_job_id("check:abc:5301000001") is None


def test_an_inspection_is_named_by_its_own_id_whatever_job_of_its_chain() -> None:
    slot = Due("5301000001", INSPECTION, 3000).job_id("g:x")
    assert inspection_id_of(slot, "5301000001") == slot
    assert inspection_id_of(f"{slot}:part3", "5301000001") == slot
    recheck = recheck_job_id("g:x", "5301000001", 42)
    assert inspection_id_of(f"{recheck}:part1", "5301000001") == recheck
    assert inspection_id_of(slot, "5301000002") is None
    assert inspection_id_of(Due("5301000001", PROBE, 3000).job_id("g"), "5301000001") is None
    assert inspection_id_of("g:confirm:5301000001:5", "5301000001") is None
