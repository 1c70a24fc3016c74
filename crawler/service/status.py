"""What `govcrawl status` shows, gathered from the store and Redis."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, tzinfo
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select

from crawler.alerts.outbox import Undelivered, by_configured_hook, undelivered
from crawler.config import Settings, mask_url
from crawler.registry import load_sites
from crawler.service.queues import queue_name
from crawler.service.recording import load_slots, stream_key
from crawler.service.schedule import KINDS, Intervals, due_jobs, to_ms
from crawler.store import open_store
from crawler.store.models import ResultRow


async def gather_status(settings: Settings, now: datetime) -> dict[str, Any]:
    async with open_store(settings.store.url) as store:
        sites = await load_sites(store)
        done = await load_slots(store)
        async with store.session() as session:
            last = {
                kind: await session.scalar(
                    select(func.max(ResultRow.checked_at)).where(ResultRow.kind == kind)
                )
                for kind in KINDS
            }
            try:  # probes live in the availability tables when that module is installed
                from crawler.store.availability_models import ProbeRow

                last["probe"] = await session.scalar(select(func.max(ProbeRow.at)))
            except ImportError:
                pass
        display = store.display_url
        waiting = await undelivered(store)
    due = Counter(
        d.kind for d in due_jobs(sites, Intervals.from_settings(settings), to_ms(now), done)
    )
    data: dict[str, Any] = {
        "store": display,
        "sites": {
            "total": len(sites),
            "by_status": dict(Counter(s.status.value for s in sites).most_common()),
        },
        "due": {kind: due.get(kind, 0) for kind in KINDS},
        "last": {kind: _local(value, settings.tz) for kind, value in last.items()},
        "queue": {"mode": "embedded"},
        "alerts": _alerts(settings, waiting),
    }
    if settings.queue.redis_url:
        data["queue"] = await _queue_status(settings)
    return data


def _alerts(settings: Settings, waiting: dict[str, Undelivered]) -> dict[str, Any]:
    """Alert messages waiting per configured hook (by its masked label), and those kept for
    hooks no longer configured."""
    backlog, orphaned = by_configured_hook(settings.alerts.hooks, waiting)
    return {
        "waiting": {
            b.label: {"messages": b.waiting.count, "oldest": _local(b.waiting.oldest, settings.tz)}
            for b in backlog
            if b.waiting is not None
        },
        "orphaned": orphaned,
    }


async def _queue_status(settings: Settings) -> dict[str, Any]:
    prefix = settings.queue.prefix
    out: dict[str, Any] = {"mode": "arq", "redis": mask_url(settings.queue.redis_url)}
    redis = Redis.from_url(settings.queue.redis_url, socket_timeout=3, socket_connect_timeout=3)
    try:
        out["depth"] = {kind: int(await redis.zcard(queue_name(prefix, kind))) for kind in KINDS}
        out["results_backlog"] = int(await redis.xlen(stream_key(prefix)))
        workers: dict[str, Any] = {}
        async for key in redis.scan_iter(match=f"{prefix}:workers:*", count=500):
            raw = await redis.get(key)
            if raw is not None:
                name = key.decode().removeprefix(f"{prefix}:workers:")
                workers[name] = json.loads(raw)
        out["workers"] = dict(sorted(workers.items()))
        out["health_checks"] = {
            kind: (
                v.decode()
                if (v := await redis.get(queue_name(prefix, kind) + ":health-check"))
                else None
            )
            for kind in KINDS
        }
    except (RedisError, OSError) as exc:
        out["error"] = str(exc)
    finally:
        await redis.aclose()
    return out


def _local(value: datetime | None, tz: tzinfo) -> str | None:
    if value is None:
        return None
    # SQLite drops results.checked_at's offset; it was written in the configured zone.
    return (value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)).isoformat()
