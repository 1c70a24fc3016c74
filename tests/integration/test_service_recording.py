"""The recorder's writes on both stores: once per job id, slots never move backwards."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from service_kit import inspections, probes, register, service_settings

from crawler.probe import ProbeResult
from crawler.result import SiteResult
from crawler.service.recording import QueueSource, Recorder, load_slots, mark_slots, write_batch
from crawler.site import Site, SiteStatus
from crawler.store import Store

SITE = Site(code="5301000001", name="测试", region="昆明", url="http://127.9.9.1/")


def _inspection(job_id: str, when: datetime) -> dict:
    result = SiteResult(
        code=SITE.code,
        name=SITE.name,
        region=SITE.region,
        url=SITE.url,
        status=SiteStatus.OPEN,
        checked_at=when,
        reachable=True,
        verdict="qualified",
    )
    return {
        "job_id": job_id,
        "kind": "inspection",
        "code": SITE.code,
        "result": result.model_dump(mode="json"),
        "evidence": [{"url": SITE.url, "content_type": "text/html", "body_b64": "PGh0bWw+"}],
    }


def _probe(job_id: str, when: datetime) -> dict:
    probe = ProbeResult(code=SITE.code, url=SITE.url, at=when, outcome="ok", status=200)
    return {
        "job_id": job_id,
        "kind": "probe",
        "code": SITE.code,
        "result": probe.model_dump(mode="json"),
        "evidence": [],
    }


async def test_batches_recorded_once_and_slots_kept(store: Store) -> None:
    await register(store, [SITE])
    settings = service_settings(store.url)
    now = datetime.now(UTC)
    batch = [
        _inspection(f"p:inspection:{SITE.code}:1000", now),
        _probe(f"p:probe:{SITE.code}:2000", now),
        _probe(f"p:probe:{SITE.code}:4000", now + timedelta(seconds=2)),
    ]
    await write_batch(store, settings, batch, now)
    await write_batch(store, settings, batch, now)  # a replayed batch is a no-op
    assert (await inspections(store))[SITE.code] == 1
    assert (await probes(store))[SITE.code] == 2
    assert await load_slots(store) == {(SITE.code, "inspection"): 1000, (SITE.code, "probe"): 4000}
    # An older slot recorded late does not move the schedule back.
    await mark_slots(store, [f"p:probe:{SITE.code}:3000", "p:recheck:x:5"], now)
    assert (await load_slots(store))[(SITE.code, "probe")] == 4000


async def test_recorder_drops_malformed_results_and_keeps_going(store: Store) -> None:
    await register(store, [SITE])
    source = QueueSource()
    recorder = Recorder(store, service_settings(store.url), source)
    now = datetime.now(UTC)
    await source.put({"job_id": "bad", "kind": "inspection", "result": {"code": 1}})
    await source.put(_inspection(f"p:inspection:{SITE.code}:1000", now))
    stop = asyncio.Event()
    stop.set()  # record what is there, then end
    await asyncio.wait_for(recorder.run(stop), 10)
    assert recorder.state.recorded == 1
    assert (await inspections(store))[SITE.code] == 1
