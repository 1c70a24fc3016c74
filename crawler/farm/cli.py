"""`govcrawl farm …`: run the local site farm, or write its registry and ground truth."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from datetime import date
from pathlib import Path

import click

from crawler.aio import run
from crawler.farm.catalog import DEFAULT_PORT, build_catalog
from crawler.farm.server import SiteFarm, shanghai_today
from crawler.farm.truth import ground_truth


def _today(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD") from None


def _host_port(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise click.BadParameter("expected HOST:PORT, e.g. 127.0.0.1:8799")
    return host, int(port)


sites_option = click.option(
    "--sites", "count", type=click.IntRange(1), default=1900, show_default=True,
    help="Number of farm sites.",
)  # fmt: skip
port_option = click.option(
    "--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
    help="The port every site listens on.",
)  # fmt: skip
seed_option = click.option("--seed", type=int, default=0, show_default=True, help="Catalog seed.")
today_option = click.option(
    "--today", callback=_today, metavar="YYYY-MM-DD",
    help="Render dates for this day (default: today in Asia/Shanghai).",
)  # fmt: skip


@click.group()
def farm() -> None:
    """The local site farm: simulated government sites on loopback addresses."""


@farm.command("serve")
@sites_option
@port_option
@seed_option
@today_option
@click.option(
    "--control", default="127.0.0.1:8799", show_default=True, callback=_host_port,
    help="Address of the JSON control endpoint.",
)  # fmt: skip
@click.option(
    "--latency-ms", type=click.IntRange(0), default=0, show_default=True,
    help="Added before every answer, like a distant server.",
)  # fmt: skip
def serve(
    count: int,
    port: int,
    seed: int,
    today: date | None,
    control: tuple[str, int],
    latency_ms: int,
) -> None:
    """Serve the farm until interrupted."""
    site_farm = SiteFarm(
        count, port=port, seed=seed, today=today, control=control, latency=latency_ms / 1000
    )
    run(_serve(site_farm))


async def _serve(site_farm: SiteFarm) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await site_farm.start()
    except OSError as exc:
        raise click.ClickException(f"cannot listen: {exc}") from exc
    sites = site_farm.sites
    click.echo(
        f"farm: {len(sites)} sites on {sites[0].address} … {sites[-1].address} port "
        f"{site_farm.port} ({site_farm.listening} listening), pages dated "
        f"{site_farm.today.isoformat()}; control {site_farm.control_url}",
        err=True,
    )
    try:
        await stop.wait()
    finally:
        await site_farm.stop()


@farm.command("registry")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@sites_option
@port_option
@seed_option
def registry(out: Path, count: int, port: int, seed: int) -> None:
    """Write the farm's sites as a registry file (.csv or .xlsx)."""
    from crawler.registry_file import write_registry

    write_registry(out, [fs.site for fs in build_catalog(count, seed=seed, port=port)])
    click.echo(f"{count} sites → {out}", err=True)


@farm.command("truth")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@sites_option
@port_option
@seed_option
@today_option
def truth(out: Path, count: int, port: int, seed: int, today: date | None) -> None:
    """Write the ground truth of every farm site as JSON."""
    day = today or shanghai_today()
    data = [ground_truth(fs, day) for fs in build_catalog(count, seed=seed, port=port)]
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(f"{count} sites, dated {day.isoformat()} → {out}", err=True)
