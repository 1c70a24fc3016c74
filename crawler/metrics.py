"""Prometheus metrics: the fleet's counters and a per-site view refreshed from the store.

Two kinds of series, named as Prometheus asks (``govcrawl_`` prefix, base units, ``_total``
counters, ``_seconds``):

- **Fleet** counters, gauges and a histogram in the process-wide ``REGISTRY``. The service,
  the workers and the probe code call the small functions below (``observe_job``,
  ``observe_probe`` …); a worker process serves the same registry on its own port
  (``start_worker_metrics_server``).
- **Per site** (labels ``code`` and ``region`` only; problem series add the bounded ``kind``
  and ``level``): a ``SiteCollector`` renders an immutable ``Snapshot`` built by the pure
  ``build_snapshot`` from the registry, the latest inspection results and the availability
  data. The snapshot is rebuilt from the store, so a site removed from the registry loses
  its series at the next refresh. A scrape only renders the snapshot, which keeps it cheap.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from crawler.result import SiteResult
from crawler.site import Site, SiteStatus

if TYPE_CHECKING:
    from crawler.census_availability import CensusRule
    from crawler.recorder import LatestResults

PREFIX = "govcrawl"

# ------------------------------------------------------------------------------ fleet

REGISTRY = CollectorRegistry(auto_describe=True)

JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600)

PROBES = Counter(
    f"{PREFIX}_probes", "Homepage probes by outcome kind.", ["outcome"], registry=REGISTRY
)
INSPECTIONS = Counter(
    f"{PREFIX}_inspections",
    "Full inspections by outcome (qualified, unqualified, not_checked, error).",
    ["outcome"],
    registry=REGISTRY,
)
JOBS = Counter(
    f"{PREFIX}_jobs", "Jobs finished by kind and outcome.", ["kind", "outcome"], registry=REGISTRY
)
JOB_DURATION = Histogram(
    f"{PREFIX}_job_duration_seconds",
    "Wall time of a job from start to result.",
    ["kind"],
    buckets=JOB_BUCKETS,
    registry=REGISTRY,
)
FETCH_ERRORS = Counter(
    f"{PREFIX}_fetch_errors", "Failed fetches by error kind.", ["kind"], registry=REGISTRY
)
PAGES_FETCHED = Counter(
    f"{PREFIX}_pages_fetched", "Pages fetched by inspections.", registry=REGISTRY
)
LINKS_CHECKED = Counter(
    f"{PREFIX}_links_checked", "Links checked by inspections.", registry=REGISTRY
)
QUEUE_DEPTH = Gauge(
    f"{PREFIX}_queue_depth", "Jobs waiting in a queue.", ["queue"], registry=REGISTRY
)
JOBS_IN_FLIGHT = Gauge(
    f"{PREFIX}_jobs_in_flight", "Jobs running now by kind.", ["kind"], registry=REGISTRY
)
WORKERS = Gauge(
    f"{PREFIX}_workers", "Workers seen alive (1 for the in-process pool).", registry=REGISTRY
)
SCHEDULER_TICK = Gauge(
    f"{PREFIX}_scheduler_last_tick_timestamp_seconds",
    "When the scheduler last finished a pass (Unix time).",
    registry=REGISTRY,
)
MONITOR_ONLINE = Gauge(
    f"{PREFIX}_monitor_online",
    "1 while this server reaches the reference sites; 0 while it is cut off.",
    registry=REGISTRY,
)

ALERT_DELIVERIES = Counter(
    f"{PREFIX}_alert_deliveries",
    "Alert delivery attempts by hook (its id: kind and a hash, no secret) and outcome "
    "(delivered, failed).",
    ["hook", "outcome"],
    registry=REGISTRY,
)
ALERTS_UNDELIVERED = Gauge(
    f"{PREFIX}_alerts_undelivered",
    "Alert messages waiting for delivery, by configured hook.",
    ["hook"],
    registry=REGISTRY,
)
ALERTS_OLDEST_UNDELIVERED = Gauge(
    f"{PREFIX}_alerts_oldest_undelivered_seconds",
    "Age of the oldest alert message waiting for delivery, by configured hook (0: none).",
    ["hook"],
    registry=REGISTRY,
)
ALERTS_ORPHANED = Gauge(
    f"{PREFIX}_alerts_orphaned",
    "Alert messages kept for hooks no longer configured (delivered if the hook returns).",
    registry=REGISTRY,
)

PROBE_OUTCOMES = (
    "ok", "dns", "refused", "timeout", "tls", "connection", "http_status", "bad_content",
    "maintenance_notice", "closure_notice", "server_default",
)  # fmt: skip
INSPECTION_OUTCOMES = ("qualified", "unqualified", "not_checked", "error")
# Known label values start at 0, so rate() sees the first increment.
for _outcome in PROBE_OUTCOMES:
    PROBES.labels(_outcome)
for _outcome in INSPECTION_OUTCOMES:
    INSPECTIONS.labels(_outcome)


def observe_job(kind: str, outcome: str, seconds: float) -> None:
    """A finished job: kind probe|inspection|verify, outcome ok|error|timeout|…"""
    JOBS.labels(kind, outcome).inc()
    JOB_DURATION.labels(kind).observe(max(seconds, 0.0))


def observe_probe(outcome: str) -> None:
    """A probe's outcome kind (ok, dns, refused, timeout, tls, http_status, …)."""
    PROBES.labels(outcome).inc()


def observe_inspection(outcome: str) -> None:
    """An inspection's verdict, or "error" when it did not produce a result."""
    INSPECTIONS.labels(outcome).inc()


def observe_fetch_error(kind: str) -> None:
    FETCH_ERRORS.labels(kind).inc()


def observe_pages(pages: int, links: int = 0) -> None:
    """Pages fetched and links checked by one inspection."""
    if pages > 0:
        PAGES_FETCHED.inc(pages)
    if links > 0:
        LINKS_CHECKED.inc(links)


def set_queue_depth(queue: str, depth: int) -> None:
    QUEUE_DEPTH.labels(queue).set(depth)


def set_jobs_in_flight(kind: str, count: int) -> None:
    JOBS_IN_FLIGHT.labels(kind).set(count)


def set_workers(count: int) -> None:
    WORKERS.set(count)


def scheduler_tick(timestamp: float | None = None) -> None:
    SCHEDULER_TICK.set(time.time() if timestamp is None else timestamp)


def set_monitor_online(online: bool) -> None:
    MONITOR_ONLINE.set(1 if online else 0)


def observe_alert_delivery(hook: str, outcome: str) -> None:
    """One delivery attempt of an alert message: outcome delivered or failed."""
    ALERT_DELIVERIES.labels(hook, outcome).inc()


def set_alert_backlog(backlog: Iterable[Any], orphaned: int, now: datetime) -> None:
    """The outbox as read from the store (crawler.alerts.outbox.by_configured_hook): a
    series per configured hook, 0 when nothing waits, and the messages of hooks no longer
    configured in one number."""
    for entry in backlog:
        hook, found = entry.hook, entry.waiting
        for outcome in ("delivered", "failed"):  # from 0, so rate() sees the first one
            ALERT_DELIVERIES.labels(hook, outcome)
        ALERTS_UNDELIVERED.labels(hook).set(found.count if found else 0)
        age = (now - found.oldest).total_seconds() if found else 0.0
        ALERTS_OLDEST_UNDELIVERED.labels(hook).set(max(age, 0.0))
    ALERTS_ORPHANED.set(orphaned)


def start_worker_metrics_server(port: int, addr: str = "0.0.0.0") -> Any:
    """Serve the fleet registry from a worker process (its own fetch and job counters) on a
    daemon thread; returns the server (call .shutdown() to stop it)."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=addr, registry=REGISTRY)
    return server


# ------------------------------------------------------------------------------ per site


@dataclass(frozen=True, slots=True)
class SiteAvailability:
    """What the availability data says about one site now."""

    up: bool | None = None  # last probe opened the homepage
    probe_duration_seconds: float | None = None
    outage_open_seconds: float = 0.0  # 0 while no outage window is open
    probe_failure_ratio: float | None = None  # trailing census window; None: too few probes


@dataclass(frozen=True, slots=True)
class SiteSample:
    code: str
    region: str
    values: tuple[tuple[str, float], ...]  # (metric suffix, value), only known facts
    problems: tuple[tuple[str, str, int], ...] = ()  # (kind, level, count)


@dataclass(frozen=True, slots=True)
class Snapshot:
    taken_at: float  # Unix time
    sites: tuple[SiteSample, ...] = ()
    registered: tuple[tuple[str, str, int], ...] = ()  # (region, status, count)
    build_seconds: float = 0.0


# suffix -> help; one fact per series, the order the exposition lists them in
SITE_METRICS: dict[str, str] = {
    "up": "1 if the last probe opened the homepage, 0 if not (open sites only).",
    "probe_duration_seconds": "Duration of the last probe.",
    "outage_open_seconds": "Length of the open outage window so far; 0 when none is open.",
    "probe_failure_ratio": "Share of failed probes over the census window (7 days).",
    "homepage_age_seconds": "Age of the homepage's newest dated item (whole days).",
    "blank_columns": "Columns found blank by the latest inspection.",
    "stale_columns": "Columns found stale by the latest inspection.",
    "broken_links": "Broken links found by the latest inspection.",
    "qualified": "1 if the latest inspection's verdict is qualified, 0 if unqualified.",
    "inspected_timestamp_seconds": "When the latest inspection ran (Unix time).",
}


def _site_values(
    site: Site,
    result: SiteResult | None,
    avail: SiteAvailability | None,
    now: datetime,
    tz: tzinfo,
) -> tuple[tuple[str, float], ...]:
    values: list[tuple[str, float]] = []
    if avail is not None and site.status is SiteStatus.OPEN:
        if avail.up is not None:
            values.append(("up", 1.0 if avail.up else 0.0))
        if avail.probe_duration_seconds is not None:
            values.append(("probe_duration_seconds", avail.probe_duration_seconds))
        values.append(("outage_open_seconds", max(avail.outage_open_seconds, 0.0)))
        if avail.probe_failure_ratio is not None:
            values.append(("probe_failure_ratio", avail.probe_failure_ratio))
    if result is not None:
        latest = result.homepage.latest_update
        if latest is not None:
            days = (now.astimezone(tz).date() - latest).days
            values.append(("homepage_age_seconds", float(max(days, 0) * 86400)))
        values.append(("blank_columns", float(sum(c.blank for c in result.columns))))
        values.append(("stale_columns", float(sum(c.stale for c in result.columns))))
        values.append(("broken_links", float(len(result.broken_links))))
        if result.verdict != "not_checked":
            values.append(("qualified", 1.0 if result.verdict == "qualified" else 0.0))
        values.append(("inspected_timestamp_seconds", result.checked_at.timestamp()))
    return tuple(values)


def build_snapshot(
    sites: Sequence[Site],
    results: Mapping[str, SiteResult],
    availability: Mapping[str, SiteAvailability],
    now: datetime,
    tz: tzinfo,
) -> Snapshot:
    """The per-site view: only registered sites appear, each with what is known of it."""
    started = time.perf_counter()
    samples = []
    for site in sites:
        result = results.get(site.code)
        problems: Tally[tuple[str, str]] = Tally(
            (p.kind.value, p.level) for p in (result.problems if result else ())
        )
        samples.append(
            SiteSample(
                code=site.code,
                region=site.region,
                values=_site_values(site, result, availability.get(site.code), now, tz),
                problems=tuple((k, lvl, n) for (k, lvl), n in sorted(problems.items())),
            )
        )
    registered = Tally((s.region, s.status.value) for s in sites)
    return Snapshot(
        taken_at=now.timestamp(),
        sites=tuple(samples),
        registered=tuple((r, st, n) for (r, st), n in sorted(registered.items())),
        build_seconds=time.perf_counter() - started,
    )


class SiteCollector(Collector):
    """Renders the current snapshot; `update` swaps it atomically."""

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self.snapshot = snapshot or Snapshot(taken_at=0.0)

    def update(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def describe(self) -> Iterable[Metric]:
        return []  # names are fixed but the collector must not be called at registration

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        families = {
            suffix: GaugeMetricFamily(f"{PREFIX}_site_{suffix}", help_, labels=["code", "region"])
            for suffix, help_ in SITE_METRICS.items()
        }
        problems = GaugeMetricFamily(
            f"{PREFIX}_site_problems",
            "Problems of the latest inspection by kind and level (veto, problem, warning).",
            labels=["code", "region", "kind", "level"],
        )
        for sample in snap.sites:
            labels = [sample.code, sample.region]
            for suffix, value in sample.values:
                families[suffix].add_metric(labels, value)
            for kind, level, count in sample.problems:
                problems.add_metric([sample.code, sample.region, kind, level], count)
        yield from families.values()
        yield problems
        sites = GaugeMetricFamily(
            f"{PREFIX}_sites",
            "Registered sites by region and status.",
            labels=["region", "status"],
        )
        for region, status, count in snap.registered:
            sites.add_metric([region, status], count)
        yield sites
        yield GaugeMetricFamily(
            f"{PREFIX}_metrics_snapshot_timestamp_seconds",
            "When the per-site series were last rebuilt from the store (Unix time).",
            value=snap.taken_at,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_metrics_snapshot_build_seconds",
            "Time spent building the per-site series from stored data.",
            value=snap.build_seconds,
        )


def site_registry(collector: SiteCollector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def exposition(*registries: CollectorRegistry) -> bytes:
    """The text format of several registries in one body (their metric names are disjoint)."""
    return b"".join(generate_latest(r) for r in registries)


def availability_from(raw: Mapping[str, Any]) -> dict[str, SiteAvailability]:
    """Adapt crawler.availability's per-site records (by attribute name) to SiteAvailability."""
    out: dict[str, SiteAvailability] = {}
    for code, rec in raw.items():
        out[code] = SiteAvailability(
            up=_attr(rec, "up", "last_up"),
            probe_duration_seconds=_seconds(rec),
            outage_open_seconds=float(_attr(rec, "outage_open_seconds", "open_seconds") or 0.0),
            probe_failure_ratio=_attr(rec, "failure_ratio", "failure_share", "failed_share"),
        )
    return out


def _attr(rec: Any, *names: str) -> Any:
    for name in names:
        value = rec.get(name) if isinstance(rec, Mapping) else getattr(rec, name, None)
        if value is not None:
            return value
    return None


def _seconds(rec: Any) -> float | None:
    seconds = _attr(rec, "probe_duration_seconds", "last_duration_seconds")
    if seconds is not None:
        return float(seconds)
    ms = _attr(rec, "latency_ms", "last_latency_ms")
    return None if ms is None else float(ms) / 1000.0


# ------------------------------------------------------------------------------ refreshing


def _monitor_offline() -> bool:
    """Whether this process's recorder last found govcrawl itself cut off (its probes then
    count for nothing)."""
    from crawler.availability import monitor_status

    return monitor_status().offline


async def load_snapshot(
    store: Any,
    tz: tzinfo,
    now: datetime | None = None,
    results: LatestResults | None = None,
    rule: CensusRule | None = None,
) -> Snapshot:
    """Read the registry, latest results and availability; build the per-site view. The
    results are read as every reader shows them (crawler.availability.current_results,
    under the census availability ``rule``)."""
    from crawler.availability import current_results
    from crawler.recorder import LatestResults
    from crawler.registry import load_sites

    now = now or datetime.now(tz)
    started = time.perf_counter()
    sites = await load_sites(store)
    cached = await (results or LatestResults()).get(store)
    latest, weekly = await current_results(store, cached, [s.code for s in sites], now, rule=rule)
    set_monitor_online(not _monitor_offline())
    snapshot = build_snapshot(sites, latest, availability_from(weekly), now, tz)
    return replace(snapshot, build_seconds=time.perf_counter() - started)
