"""`govcrawl run`, `govcrawl worker`, `govcrawl status`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from datetime import UTC, datetime
from typing import Any

import click

from crawler.aio import run as run_async
from crawler.config import Settings, load_settings, mask_url


def _settings(ctx: click.Context, **overrides: str | None) -> Settings:
    from crawler.cli import _Context

    obj = ctx.find_object(_Context)
    settings = obj.settings if obj is not None else load_settings()
    if overrides.get("redis") is not None:
        settings = settings.model_copy(
            update={"queue": settings.queue.model_copy(update={"redis_url": overrides["redis"]})}
        )
    if overrides.get("db"):
        settings = settings.model_copy(
            update={"store": settings.store.model_copy(update={"url": overrides["db"]})}
        )
    return settings


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("arq").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


@click.command("run")
@click.option("--redis", help="Redis URL: distribute jobs to arq workers (queue.redis_url).")
@click.option("--db", help="Store URL (store.url).")
@click.pass_context
def run_command(ctx: click.Context, redis: str | None, db: str | None) -> None:
    """The service: scheduler, recorder and HTTP; without Redis, also the job pool."""
    from crawler.service.run import serve_until_signalled
    from crawler.store import StoreError

    settings = _settings(ctx, redis=redis, db=db)
    _logging()
    try:
        run_async(serve_until_signalled(settings))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("worker")
@click.option("--redis", help="Redis URL (queue.redis_url); required one way or the other.")
@click.option(
    "--only",
    type=click.Choice(["probe", "inspection"]),
    help="Run only this queue (default: both).",
)
@click.option(
    "--metrics",
    "metrics_listen",
    metavar="HOST:PORT",
    help="Serve this worker's job and fetch counters for Prometheus here.",
)
@click.pass_context
def worker_command(
    ctx: click.Context, redis: str | None, only: str | None, metrics_listen: str | None
) -> None:
    """An arq worker: runs probe and inspection jobs from Redis."""
    from workers.settings import run_workers

    settings = _settings(ctx, redis=redis)
    if not settings.queue.redis_url:
        raise click.ClickException("a worker needs Redis: pass --redis URL or set queue.redis_url")
    _logging()
    if metrics_listen:
        host, _, port = metrics_listen.rpartition(":")
        if not host or not port.isdigit():
            raise click.BadParameter("expected HOST:PORT", param_hint="--metrics")
        from crawler.metrics import start_worker_metrics_server

        start_worker_metrics_server(int(port), host)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        logging.getLogger(__name__).info(
            "worker on %s, queues %s",
            mask_url(settings.queue.redis_url),
            only or "probe, inspection",
        )
        await run_workers(settings, stop, (only,) if only else ("probe", "inspection"))

    run_async(go())


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
@click.pass_context
def status_command(ctx: click.Context, as_json: bool) -> None:
    """Queue depth, live workers, sites due and the latest results."""
    from crawler.service.status import gather_status
    from crawler.store import StoreError

    settings = _settings(ctx)
    try:
        data = run_async(gather_status(settings, datetime.now(UTC)))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))
        return
    click.echo(_text(data))


def _text(data: dict[str, Any]) -> str:
    lines = [
        f"store      {data['store']}",
        f"queue      {data['queue']['mode']}"
        + (f" {data['queue']['redis']}" if data["queue"].get("redis") else ""),
    ]
    q = data["queue"]
    if q.get("error"):
        lines.append(f"           unreachable: {q['error']}")
    elif q["mode"] == "arq":
        lines.append(
            f"waiting    probes {q['depth']['probe']}, inspections {q['depth']['inspection']}; "
            f"results not yet recorded {q['results_backlog']}"
        )
        lines.append(f"workers    {len(q['workers'])} alive")
        for name, running in q["workers"].items():
            lines.append(f"           {name}: running {running}")
    s = data["sites"]
    lines.append(
        f"sites      {s['total']} ({', '.join(f'{k} {v}' for k, v in s['by_status'].items())})"
    )
    lines.append(
        f"due now    probes {data['due']['probe']}, inspections {data['due']['inspection']}"
    )
    for kind, last in data["last"].items():
        lines.append(f"last {kind:<11}{last or '-'}")
    alerts = data["alerts"]
    waiting = [
        f"{label}: {w['messages']} since {w['oldest']}" for label, w in alerts["waiting"].items()
    ]
    lines.append(f"alerts     waiting {'; '.join(waiting) if waiting else 'none'}")
    if alerts["orphaned"]:
        lines.append(f"           kept for hooks no longer configured: {alerts['orphaned']}")
    return "\n".join(lines)
