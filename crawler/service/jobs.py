"""The job functions, the same in the in-process pool and in arq workers.

A job takes a site (as plain JSON) and returns an envelope (plain JSON) for the recorder:
``{"job_id", "kind", "code", "result", "evidence": [{"url", "content_type", "body_b64"}]}``.
Workers never touch the store.

An inspection works for at most ``queue.inspect_slice`` per job. One that needs longer
returns ``{"job_id", "kind", "code", "next": part}`` instead: the queue runs ``part`` (the
paused inspection, crawler.inspect.SiteInspection) as a further job of the same job id,
in whichever process takes it, until the inspection ends; only its last job's envelope
goes to the recorder. So a killed worker costs one slice, not a whole inspection.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.check import options_from
from crawler.config import Settings
from crawler.fetch import Fetcher
from crawler.inspect import SiteInspection
from crawler.linkcheck import LinkCache
from crawler.recorder import Recorded, evidence_data, evidence_page
from crawler.result import SiteResult
from crawler.rules import Rules, load_rules
from crawler.service.schedule import INSPECTION, PROBE
from crawler.site import Site, SiteStatus
from crawler.uplink import UplinkWatch

log = logging.getLogger(__name__)
# The arq job timeout is the work's bound plus this, so an inspection cut at its bound still
# hands its (not checked) result over before arq would cancel the job and fail it.
HANDOVER_S = 5.0


def inspect_job_seconds(settings: Settings) -> float:
    """One inspection job's bound: its slice, plus the fetches a job may finish after the
    slice ends (a homepage attempt and the page it redirects to), plus the hand-over."""
    fetch = settings.fetch.timeout.total_seconds()
    return settings.queue.inspect_slice.total_seconds() + 2 * fetch + HANDOVER_S


def site_payload(site: Site) -> dict[str, Any]:
    data = asdict(site)
    data["status"] = site.status.value
    return data


def site_from(payload: dict[str, Any]) -> Site:
    return Site(**{**payload, "status": SiteStatus(payload["status"])})


@dataclass
class JobContext:
    """What one process's jobs share: settings, rules and two fetchers.

    Probes get their own fetcher so they never wait behind an inspection's per-host slots.
    """

    settings: Settings
    rules: Rules
    probe_fetcher: Fetcher
    inspect_fetcher: Fetcher
    running: dict[str, int] = field(default_factory=lambda: {PROBE: 0, INSPECTION: 0})
    # Link statuses shared by this process's inspections (www.gov.cn is checked once,
    # not once per site), forgotten after a few hours; bounded in memory.
    links: LinkCache = field(default_factory=lambda: LinkCache(max_entries=50_000, ttl=6 * 3600))
    uplink: UplinkWatch | None = None

    @classmethod
    async def open(cls, settings: Settings) -> JobContext:
        rules = load_rules(settings.rules.profile, settings.rules.file)
        probe = Fetcher(settings.fetch)
        inspect = Fetcher(settings.fetch)
        await probe.__aenter__()
        await inspect.__aenter__()
        return cls(
            settings, rules, probe, inspect, uplink=UplinkWatch(settings.probe.reference_urls)
        )

    async def close(self) -> None:
        await self.probe_fetcher.close()
        await self.inspect_fetcher.close()


def _metrics():  # type: ignore[no-untyped-def]
    try:
        from crawler import metrics
    except ImportError:  # the observability module is optional
        return None
    return metrics


async def run_job(
    ctx: JobContext,
    kind: str,
    job_id: str,
    site_json: dict[str, Any],
    part: dict[str, Any] | None = None,
) -> dict:
    """Run one job and return its envelope. Raises only for bugs (the queue logs them).

    part: an inspection's paused state, from the "next" of the job before."""
    site = site_from(site_json)
    metrics = _metrics()
    ctx.running[kind] += 1
    started = time.monotonic()
    outcome = "ok"
    try:
        if kind == PROBE:
            envelope = await _probe(ctx, job_id, site)
            outcome = envelope["result"]["outcome"]
            if metrics:
                metrics.observe_probe(outcome)
        elif kind == INSPECTION:
            envelope = await _inspect(ctx, job_id, site, part)
            if "next" in envelope:
                outcome = "continued"
                return envelope
            outcome = envelope["result"]["verdict"]
            if metrics:
                metrics.observe_inspection(outcome)
                metrics.observe_pages(
                    envelope["result"]["pages_fetched"], envelope["result"]["links_checked"]
                )
        else:
            raise ValueError(f"unknown job kind {kind!r}")
        return envelope
    except Exception:
        outcome = "error"
        raise
    finally:
        ctx.running[kind] -= 1
        if metrics:
            metrics.observe_job(kind, outcome, time.monotonic() - started)


async def _probe(ctx: JobContext, job_id: str, site: Site) -> dict:
    from crawler.probe import probe_site

    result = await probe_site(site, ctx.settings, fetcher=ctx.probe_fetcher)
    return {
        "job_id": job_id,
        "kind": PROBE,
        "code": site.code,
        "result": result.model_dump(mode="json"),
        "evidence": [],
    }


async def _links(ctx: JobContext) -> LinkCache | None:
    """The process's link cache, told whether this server reaches the Internet now."""
    if not ctx.settings.inspect.check_links:
        return None
    if ctx.uplink is not None:
        ctx.links.uplink = await ctx.uplink.up(ctx.inspect_fetcher)
    return ctx.links


async def _inspect(ctx: JobContext, job_id: str, site: Site, part: dict | None) -> dict:
    settings = ctx.settings
    options = options_from(settings)
    links = await _links(ctx)
    if part is None:
        now = datetime.now(settings.tz)
        inspection = SiteInspection.begin(
            site,
            ctx.inspect_fetcher,
            ctx.rules,
            now=now,
            today=now.date(),
            options=options,
            link_cache=links,
        )
    else:
        inspection = SiteInspection.resume(
            site, part, ctx.inspect_fetcher, ctx.rules, options=options, link_cache=links
        )
    deadline = time.monotonic() + settings.queue.inspect_slice.total_seconds()
    try:
        # A safety net only: the slice's deadline ends the job well before this.
        async with asyncio.timeout(inspect_job_seconds(settings) - HANDOVER_S):
            done = await inspection.advance(deadline)
    except TimeoutError:
        # Recorded as not checked, so the slot counts as done and the site is tried again
        # at its next slot rather than retried in a loop.
        done = inspection.not_checked("an inspection job overran its bound")
    if done is None:
        if inspection.state.worked_s < settings.queue.inspect_timeout.total_seconds():
            return {
                "job_id": job_id,
                "kind": INSPECTION,
                "code": site.code,
                "next": inspection.state_data(),
            }
        done = inspection.stop()  # out of time: what was found so far
    return {
        "job_id": job_id,
        "kind": INSPECTION,
        "code": site.code,
        "result": done.result.model_dump(mode="json"),
        "evidence": [evidence_data(page) for page in done.evidence],
    }


def recorded_inspection(envelope: dict) -> Recorded:
    return Recorded(
        envelope["job_id"],
        INSPECTION,
        SiteResult.model_validate(envelope["result"]),
        [evidence_page(page) for page in envelope.get("evidence", ())],
    )


def split_kinds(envelopes: Sequence[dict]) -> tuple[list[dict], list[dict]]:
    probes = [e for e in envelopes if e["kind"] == PROBE]
    inspections = [e for e in envelopes if e["kind"] == INSPECTION]
    return probes, inspections


def utc_now() -> datetime:
    return datetime.now(UTC)
