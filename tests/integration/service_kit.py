"""Helpers for the service tests: settings for a fast run, counts of what was recorded."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select

from crawler.availability import handle_probes
from crawler.config import Settings
from crawler.probe import ProbeResult
from crawler.registry import import_sites
from crawler.site import Site
from crawler.store import Store
from crawler.store.models import ResultRow

TOKEN = "test-token-7f3a"


def service_settings(
    store_url: str,
    *,
    redis_url: str = "",
    probe_interval: float = 1.0,
    inspect_interval: float = 3600.0,
    **queue: object,
) -> Settings:
    """Fast timeouts, no politeness delay, links not crawled, a unique Redis prefix."""
    s = Settings()
    return s.model_copy(
        update={
            "store": s.store.model_copy(update={"url": store_url}),
            "queue": s.queue.model_copy(
                update={
                    "redis_url": redis_url,
                    "prefix": f"gctest-{uuid.uuid4().hex[:10]}",
                    "registry_poll": timedelta(seconds=1),
                    "shutdown_grace": timedelta(seconds=5),
                    "health_check_interval": timedelta(seconds=1),
                    **queue,
                }
            ),
            "http": s.http.model_copy(update={"listen": "127.0.0.1:0", "token": SecretStr(TOKEN)}),
            "fetch": s.fetch.model_copy(
                update={
                    "timeout": timedelta(seconds=3),
                    "host_delay": timedelta(0),
                    "allow_private_addresses": True,
                }
            ),
            "probe": s.probe.model_copy(
                update={
                    "interval": timedelta(seconds=probe_interval),
                    "reference_urls": [],
                }
            ),
            "inspect": s.inspect.model_copy(
                update={
                    "interval": timedelta(seconds=inspect_interval),
                    "retry_delay": timedelta(0),
                    "attempts": 1,
                    "check_links": False,
                }
            ),
        }
    )


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'service.db'}"


async def register(store: Store, sites: list[Site], *, prune: bool = False) -> None:
    await import_sites(store, sites, file_name="farm", file_sha256=uuid.uuid4().hex, prune=prune)


async def inspections(store: Store) -> Counter[str]:
    async with store.session() as session:
        rows = (
            await session.execute(
                select(ResultRow.code, func.count())
                .where(ResultRow.kind == "inspection")
                .group_by(ResultRow.code)
            )
        ).all()
    return Counter(dict(rows))  # type: ignore[arg-type]


async def probes(store: Store) -> Counter[str]:
    """Probes per site, wherever the recorder keeps them (availability table or results)."""
    try:
        from crawler.availability import handle_probes  # noqa: F401
        from crawler.store.availability_models import ProbeRow

        query = select(ProbeRow.code, func.count()).group_by(ProbeRow.code)
    except ImportError:
        query = (
            select(ResultRow.code, func.count())
            .where(ResultRow.kind == "probe")
            .group_by(ResultRow.code)
        )
    async with store.session() as session:
        rows = (await session.execute(query)).all()
    return Counter(dict(rows))  # type: ignore[arg-type]


async def job_ids(store: Store, kind: str = "inspection") -> list[str]:
    async with store.session() as session:
        return list(
            (await session.scalars(select(ResultRow.job_id).where(ResultRow.kind == kind))).all()
        )


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as GOVCRAWL_<SECTION>__<KEY> variables, for worker subprocesses."""
    import json
    import os

    env = dict(os.environ)
    data = settings.model_dump(mode="json", exclude={"http", "alerts"})
    for section, values in data.items():
        if not isinstance(values, dict):
            env[f"GOVCRAWL_{section.upper()}"] = str(values)
            continue
        for key, value in values.items():
            if value is None:
                continue
            name = f"GOVCRAWL_{section.upper()}__{key.upper()}"
            env[name] = json.dumps(value) if isinstance(value, list | dict | bool) else str(value)
    return env


def start_worker(settings: Settings, log_path: Path, *extra: str):  # type: ignore[no-untyped-def]
    """`govcrawl worker` in its own process (so it can be killed for real)."""
    import subprocess
    import sys

    log = log_path.open("ab")
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("govcrawl")), "worker", *extra],
        env=settings_env(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=str(log_path.parent),
    )


async def record_week_of_probes(store: Store, site: Site, now: datetime) -> None:
    """140 probes over the trailing week (20 a day, the census minimum), 7 of them failed:
    5 %, exactly the census veto share."""
    probes = [
        (
            f"week:{site.code}:{k}",
            ProbeResult(
                code=site.code,
                url=site.url,
                at=now - timedelta(hours=1.15 * k + 0.5),
                outcome="timeout" if k % 20 == 0 else "ok",
            ),
        )
        for k in range(140)
    ]
    await handle_probes(store, Settings(), probes, now)
