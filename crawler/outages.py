"""The outage window state machine, pure: probes in, windows and confirmations out.

    up ──failure──▶ suspect ──failure──▶ down (window open, starting at the first failure)
     ▲                 │                   │
     └────success──────┴─────success───────┘ (the window closes at that success)

A failed probe asks for a confirmation probe ``confirm_after`` later; one failure alone
(a flapping site) opens nothing. A failure that is *suppressed* (the monitor itself is
offline, the site is under planned maintenance or registered as closed) neither opens a
window nor grows one, and forgets a pending first failure. Probes older than the last one
seen (late results) change nothing. The store layer (crawler.availability) persists the
state and windows; nothing here does IO or reads a clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

Phase = Literal["up", "suspect", "down"]


@dataclass(frozen=True, slots=True)
class Observation:
    """One probe as the state machine sees it."""

    at: datetime
    ok: bool
    outcome: str = "ok"
    error: str = ""
    suppressed: str | None = None  # "monitor_offline" | "maintenance" | "closed"


@dataclass(frozen=True, slots=True)
class Window:
    started_at: datetime
    last_failure_at: datetime
    causes: Mapping[str, int] = field(default_factory=dict)  # outcome → failed probes
    last_error: str = ""
    ended_at: datetime | None = None
    reported_at: datetime | None = None

    @property
    def probe_count(self) -> int:
        return sum(self.causes.values())

    @property
    def cause(self) -> str:
        return dominant_cause(self.causes)

    @property
    def open(self) -> bool:
        return self.ended_at is None

    def duration(self, now: datetime) -> timedelta:
        return (self.ended_at or now) - self.started_at


@dataclass(frozen=True, slots=True)
class SiteState:
    phase: Phase = "up"
    last_probe_at: datetime | None = None
    last_ok: bool | None = None
    first_failure: Observation | None = None  # set while suspect
    window: Window | None = None  # set while down


@dataclass(frozen=True, slots=True)
class Step:
    state: SiteState
    opened: Window | None = None  # a window that opened with this probe
    grown: Window | None = None  # the open window after counting this probe
    closed: Window | None = None  # a window this probe closed (ended_at set)
    confirm_at: datetime | None = None  # when to probe again to confirm a failure
    stale: bool = False  # older than the last probe seen: ignored


def dominant_cause(causes: Mapping[str, int]) -> str:
    """The most frequent failure outcome; ties go to the alphabetically first (stable)."""
    if not causes:
        return ""
    return min(causes.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _add(causes: Mapping[str, int], outcome: str) -> dict[str, int]:
    out = dict(causes)
    out[outcome] = out.get(outcome, 0) + 1
    return out


def advance(state: SiteState, probe: Observation, confirm_after: timedelta) -> Step:
    """The next state after one probe of the site."""
    if state.last_probe_at is not None and probe.at < state.last_probe_at:
        return Step(state, stale=True)
    seen = replace(state, last_probe_at=probe.at, last_ok=probe.ok)

    if probe.ok:
        if state.window is not None:
            closed = replace(state.window, ended_at=probe.at)
            return Step(replace(seen, phase="up", first_failure=None, window=None), closed=closed)
        return Step(replace(seen, phase="up", first_failure=None))

    if probe.suppressed is not None:
        # Not an outage: nothing opens or grows, and a pending first failure is forgotten
        # (a monitor that was cut off cannot tell whether it was real).
        return Step(replace(seen, phase="down" if state.window else "up", first_failure=None))

    if state.window is not None:
        grown = replace(
            state.window,
            causes=_add(state.window.causes, probe.outcome),
            last_error=probe.error or state.window.last_error,
            last_failure_at=probe.at,
        )
        return Step(replace(seen, phase="down", window=grown), grown=grown)

    if state.first_failure is not None:
        first = state.first_failure
        opened = Window(
            started_at=first.at,
            last_failure_at=probe.at,
            causes=_add(_add({}, first.outcome), probe.outcome),
            last_error=probe.error or first.error,
        )
        new = replace(seen, phase="down", first_failure=None, window=opened)
        return Step(new, opened=opened)

    return Step(
        replace(seen, phase="suspect", first_failure=probe), confirm_at=probe.at + confirm_after
    )


def report_due(window: Window, now: datetime, report_after: timedelta) -> bool:
    """An open, unreported window that has lasted report_after (fires once per window)."""
    return window.open and window.reported_at is None and now - window.started_at >= report_after


# ---------------------------------------------------------------------------- monitor offline


@dataclass(frozen=True, slots=True)
class BurstRule:
    failed_share: float = 0.8  # of the sampled sites' latest probes
    min_sites: int = 5  # fewer sites sampled than this: never a burst
    sample_sites: int = 10  # the most recently probed distinct sites looked at


def latest_per_site(probes: Iterable[tuple[str, bool]], limit: int) -> list[tuple[str, bool]]:
    """From probes newest first, the newest one of each site, for at most limit sites."""
    seen: dict[str, bool] = {}
    for code, ok in probes:
        if code not in seen:
            seen[code] = ok
            if len(seen) >= limit:
                break
    return list(seen.items())


def failure_burst(newest_first: Iterable[tuple[str, bool]], rule: BurstRule) -> bool:
    """Do the most recently probed sites (probes newest first, (code, ok)) fail together?

    The sample is the newest probe of each of the last sample_sites distinct sites, so it
    reacts within seconds in a big fleet (sites are probed all the time) and stays blind
    to one flapping site or one county server going down (a few sites among many).
    Alone this cannot tell a cut uplink from a province-wide hosting outage; the caller
    asks the reference sites before calling the monitor offline.
    """
    sample = latest_per_site(newest_first, rule.sample_sites)
    if len(sample) < rule.min_sites:
        return False
    failed = sum(1 for _, ok in sample if not ok)
    return failed / len(sample) >= rule.failed_share


def tally(outcomes: Iterable[str]) -> dict[str, int]:
    return dict(Counter(outcomes))
