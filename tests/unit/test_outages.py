"""The outage state machine with a fake clock: windows, confirmations, suppression."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from crawler.outages import (
    BurstRule,
    Observation,
    SiteState,
    Window,
    advance,
    dominant_cause,
    failure_burst,
    report_due,
)

T0 = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
CONFIRM = timedelta(seconds=30)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _run(probes: list[Observation], state: SiteState | None = None):  # type: ignore[no-untyped-def]
    state = state or SiteState()
    steps = []
    for probe in probes:
        step = advance(state, probe, CONFIRM)
        steps.append(step)
        state = step.state
    return state, steps


def ok(s: float) -> Observation:
    return Observation(_at(s), True)


def fail(s: float, outcome: str = "refused", suppressed: str | None = None) -> Observation:
    return Observation(_at(s), False, outcome, f"{outcome} at {s}", suppressed)


def test_single_failure_asks_for_confirmation_and_opens_nothing() -> None:
    state, steps = _run([ok(0), fail(300), ok(330)])
    assert steps[1].confirm_at == _at(330)
    assert steps[1].state.phase == "suspect"
    assert all(s.opened is None and s.closed is None for s in steps)
    assert state.phase == "up" and state.first_failure is None


def test_two_failures_open_a_window_at_the_first_and_success_closes_it() -> None:
    state, steps = _run([ok(0), fail(300, "timeout"), fail(330), fail(600), ok(900)])
    opened = steps[2].opened
    assert opened is not None and opened.started_at == _at(300)
    assert opened.probe_count == 2 and steps[2].confirm_at is None
    assert steps[3].grown is not None and steps[3].grown.probe_count == 3
    closed = steps[4].closed
    assert closed is not None
    assert (closed.started_at, closed.ended_at) == (_at(300), _at(900))
    assert closed.duration(_at(10_000)) == timedelta(seconds=600)
    assert closed.probe_count == 3 and closed.cause == "refused"
    assert closed.last_error == "refused at 600"
    assert state == SiteState("up", _at(900), True)


def test_flapping_site_never_opens_a_window() -> None:
    probes = []
    for k in range(30):  # down one probe in three, confirmations succeed
        probes.append(fail(k * 6) if k % 3 == 0 else ok(k * 6))
    _, steps = _run(probes)
    assert not any(s.opened for s in steps)
    assert sum(1 for s in steps if s.confirm_at) == 10


def test_suppressed_failures_open_nothing_and_forget_a_pending_failure() -> None:
    state, steps = _run([fail(0), fail(30, suppressed="monitor_offline"), fail(60)])
    assert not any(s.opened for s in steps)
    assert state.phase == "suspect" and state.first_failure is not None
    assert state.first_failure.at == _at(60)  # counting starts again


def test_suppressed_failures_do_not_grow_an_open_window() -> None:
    state, steps = _run([fail(0), fail(30), fail(60, suppressed="maintenance"), ok(90)])
    assert steps[2].grown is None and state.window is None
    closed = steps[3].closed
    assert closed is not None and closed.probe_count == 2 and closed.ended_at == _at(90)


def test_late_probe_is_ignored() -> None:
    state, steps = _run([fail(100), fail(130), ok(50)])
    assert steps[2].stale and state.phase == "down"


def test_open_window_survives_as_data() -> None:
    """The state is plain data: rebuilt from the store, the window continues."""
    state, _ = _run([fail(0), fail(30)])
    rebuilt = SiteState(**{f: getattr(state, f) for f in state.__slots__})  # type: ignore[attr-defined]
    _state2, steps = _run([fail(3600), ok(7200)], rebuilt)
    closed = steps[1].closed
    assert closed is not None and closed.started_at == _at(0) and closed.probe_count == 3


def test_report_due_once_at_threshold() -> None:
    window = Window(started_at=_at(0), last_failure_at=_at(30), causes={"refused": 2})
    day = timedelta(hours=24)
    assert not report_due(window, _at(86_399), day)
    assert report_due(window, _at(86_400), day)
    assert not report_due(replace(window, reported_at=_at(86_400)), _at(90_000), day)
    assert not report_due(replace(window, ended_at=_at(90_000)), _at(90_000), day)


def test_dominant_cause() -> None:
    assert dominant_cause({"timeout": 3, "refused": 5}) == "refused"
    assert dominant_cause({"timeout": 2, "refused": 2}) == "refused"
    assert dominant_cause({}) == ""


def test_failure_burst() -> None:
    rule = BurstRule(failed_share=0.8, min_sites=5, sample_sites=10)
    everyone = [(f"s{i}", False) for i in range(10)]
    assert failure_burst(everyone, rule)
    assert not failure_burst([("s1", False)] * 20, rule)  # one flapping site
    one_county = [(f"s{i}", i >= 5) for i in range(40)]  # 5 of 40 down, interleaved
    assert not failure_burst(one_county[::-1], rule)
    assert failure_burst([*everyone, ("s99", True), ("s98", True)], rule)  # older probes unseen
    # the newest probe of a site wins: s0 recovered, 8 of 10 still down
    assert failure_burst([("s0", True), ("s1", True), *everyone], rule)
    assert not failure_burst([("s0", True), ("s1", True), ("s2", True), *everyone], rule)
    assert not failure_burst([(f"s{i}", False) for i in range(4)], rule)  # too few sites
    assert not failure_burst([], rule)
