"""When each site's jobs are due: pure functions over the registry, the clock and slots.

Time is cut into slots of one interval per (site, kind). A site's slots are shifted by a
phase taken from a hash of its code, so a fleet's jobs spread evenly over the interval
(the hash is the per-site jitter, and it stays put across restarts). A job is named by its
slot's start, so one slot is never queued twice; after a pause only the newest missed slot
is queued, so overdue work is caught up once, not once per missed slot. Times are integer
milliseconds since the Unix epoch, which makes ids and comparisons exact.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.config import Settings
from crawler.site import Site, SiteStatus

PROBE = "probe"
INSPECTION = "inspection"
KINDS = (PROBE, INSPECTION)
CLOSED_VERIFY_INTERVAL = timedelta(hours=24)  # permanently closed sites: checked once a day


@dataclass(frozen=True, slots=True)
class Intervals:
    probe: timedelta
    inspection: timedelta
    closed: timedelta = CLOSED_VERIFY_INTERVAL

    @classmethod
    def from_settings(cls, settings: Settings) -> Intervals:
        return cls(probe=settings.probe.interval, inspection=settings.inspect.interval)


@dataclass(frozen=True, slots=True)
class Due:
    code: str
    kind: str
    slot_ms: int  # the slot's start

    def job_id(self, prefix: str) -> str:
        return f"{prefix}:{self.kind}:{self.code}:{self.slot_ms}"


def to_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


RECHECK = "recheck"  # an inspection asked for outside the schedule
_PART = re.compile(r":part\d+$")


def part_job_id(job_id: str, part: int) -> str:
    """A later job of an inspection's chain (arq: each job needs an id of its own)."""
    return f"{job_id}:part{part}"


def recheck_job_id(prefix: str, code: str, now_ms: int) -> str:
    return f"{prefix}:{RECHECK}:{code}:{now_ms}"


def inspection_id_of(job_id: str, code: str) -> str | None:
    """The inspection's own id when ``job_id`` (or one of its chain's jobs) inspects site
    ``code``, scheduled or rechecked; None for anything else."""
    base = _PART.sub("", job_id)
    parts = base.rsplit(":", 3)
    if len(parts) == 4 and parts[1] in (INSPECTION, RECHECK) and parts[2] == code:
        return base
    return None


def parse_job_id(job_id: str) -> Due | None:
    """The scheduled slot a job id names; None for ad-hoc jobs (rechecks, confirmations)."""
    parts = job_id.rsplit(":", 3)
    if len(parts) != 4 or parts[1] not in KINDS or not parts[3].isdigit():
        return None
    return Due(parts[2], parts[1], int(parts[3]))


def _ms(interval: timedelta) -> int:
    return max(1, int(interval.total_seconds() * 1000))


def phase_ms(code: str, kind: str, interval: timedelta) -> int:
    """Milliseconds into each interval at which this site's job of this kind falls due."""
    digest = hashlib.blake2b(f"{kind}:{code}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") * _ms(interval) >> 64


def interval_for(site: Site, kind: str, intervals: Intervals) -> timedelta | None:
    """None when the site gets no job of this kind."""
    if site.status is SiteStatus.TEMPORARILY_CLOSED:
        return None  # being rebuilt: skipped, shown as such
    if site.status is SiteStatus.PERMANENTLY_CLOSED:
        # Only the daily check that it really went offline.
        return intervals.closed if kind == INSPECTION else None
    return intervals.probe if kind == PROBE else intervals.inspection


def slot_start(
    code: str, kind: str, interval: timedelta, now_ms: int, *, nearest: bool = False
) -> int:
    """Start of the newest slot that has begun (or the nearest one, past or future)."""
    size, offset = _ms(interval), phase_ms(code, kind, interval)
    index = (now_ms - offset + (size // 2 if nearest else 0)) // size
    return index * size + offset


def due_jobs(
    sites: Iterable[Site],
    intervals: Intervals,
    now_ms: int,
    done: Mapping[tuple[str, str], int],
) -> list[Due]:
    """Every (site, kind) whose newest begun slot starts after the last one queued.

    `done` maps (code, kind) to the start of the last slot queued or recorded. A site with
    no slot yet gets its nearest slot at once (a new site is looked at straight away, and
    its next job still comes at least half an interval later, on its phase).
    """
    out: list[Due] = []
    for site in sites:
        for kind in KINDS:
            interval = interval_for(site, kind, intervals)
            if interval is None:
                continue
            last = done.get((site.code, kind))
            if last is None:
                out.append(
                    Due(
                        site.code, kind, slot_start(site.code, kind, interval, now_ms, nearest=True)
                    )
                )
                continue
            start = slot_start(site.code, kind, interval, now_ms)
            if start > last:
                out.append(Due(site.code, kind, start))
    return out


def scheduled_count(code: str, kind: str, interval: timedelta, first_ms: int, until_ms: int) -> int:
    """Jobs a steady schedule queues for a site first seen at ``first_ms``, up to slot start
    ``until_ms``: its nearest slot (past or future), then every slot after it."""
    size, first = _ms(interval), slot_start(code, kind, interval, first_ms, nearest=True)
    return 0 if first > until_ms else 1 + (until_ms - first) // size
