"""The `govcrawl` command line."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from crawler import __version__
from crawler.aio import run
from crawler.config import (
    ConfigError,
    Settings,
    effective_config,
    format_duration,
    load_settings,
)
from crawler.store import StoreError, open_store

console = Console()
err_console = Console(stderr=True)


class _Context:
    def __init__(self, config_file: Path | None) -> None:
        self.config_file = config_file
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config_file)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._settings


pass_ctx = click.make_pass_decorator(_Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govcrawl")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="GOVCRAWL_CONFIG",
    help="TOML config file (default: ./govcrawl.toml if present).",
)
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None) -> None:
    """govcrawl watches registered government websites against the census indicators."""
    ctx.obj = _Context(config_file)


# --- config -----------------------------------------------------------------


@cli.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of TOML.")
@pass_ctx
def config_show(obj: _Context, as_json: bool) -> None:
    """Print the effective configuration, secrets masked."""
    data = effective_config(obj.settings)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(_toml(data))


def _toml(data: dict, prefix: str = "") -> str:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict | list) or _plain_list(v)}
    lines = [
        f"# {k} =  (not set)" if v is None else f"{k} = {json.dumps(v, ensure_ascii=False)}"
        for k, v in scalars.items()
    ]
    for key, value in data.items():
        if key in scalars:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            lines += ["", f"[{name}]", _toml(value, f"{name}.")]
        else:
            for item in value:
                lines += ["", f"[[{name}]]", _toml(item, f"{name}.")]
    return "\n".join(line for line in lines).strip("\n")


def _plain_list(value: object) -> bool:
    return isinstance(value, list) and not any(isinstance(v, dict) for v in value)


@config.command("example")
def config_example() -> None:
    """Print a commented govcrawl.toml with every key and its default."""
    from crawler.config_example import example_toml

    click.echo(example_toml(), nl=False)


# --- db ---------------------------------------------------------------------


@cli.group()
def db() -> None:
    """The store's schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(obj: _Context) -> None:
    """Apply pending migrations to store.url."""

    async def go() -> str | None:
        async with open_store(obj.settings.store.url) as store:
            return await store.revision()

    revision = _store_call(go())
    click.echo(f"store {obj.settings.store.url}: schema at revision {revision}")


@db.command("prune")
@pass_ctx
def db_prune(obj: _Context) -> None:
    """Drop evidence pages older than store.evidence_retention that no latest result cites."""
    from crawler.recorder import prune_evidence

    keep_for = obj.settings.store.evidence_retention

    async def go() -> int:
        async with open_store(obj.settings.store.url) as store:
            return await prune_evidence(store, keep_for)

    dropped = _store_call(go())
    click.echo(f"evidence pages dropped: {dropped} (kept for {format_duration(keep_for)})")


def _store_call(coro):  # type: ignore[no-untyped-def]
    try:
        return run(coro)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


# --- sites ------------------------------------------------------------------


@cli.group()
def sites() -> None:
    """The registry of monitored sites."""


@sites.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--prune", is_flag=True, help="Delete stored sites that the file no longer lists.")
@pass_ctx
def sites_import(obj: _Context, file: Path, prune: bool) -> None:
    """Import a CSV or XLSX registry; nothing is stored if any row is bad."""
    from crawler.registry import import_sites
    from crawler.registry_file import RegistryFileError, read_registry

    settings = obj.settings
    try:
        read = read_registry(file, province_prefix=settings.registry.province_prefix)
    except RegistryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    if read.problems:
        for problem in read.problems:
            err_console.print(f"[red]error[/red] {problem}", highlight=False, soft_wrap=True)
        raise click.ClickException(f"{file}: {len(read.problems)} problem(s); nothing was imported")
    digest = hashlib.sha256(file.read_bytes()).hexdigest()

    async def go():  # type: ignore[no-untyped-def]
        async with open_store(settings.store.url) as store:
            return await import_sites(
                store, read.sites, file_name=str(file), file_sha256=digest, prune=prune
            )

    summary = _store_call(go())
    click.echo(
        f"{file}: {summary.rows} sites — added {summary.added}, changed {summary.changed}, "
        f"unchanged {summary.unchanged}, missing from file {summary.missing}"
        + (f", pruned {summary.pruned}" if prune else "")
    )
    if summary.missing and not prune:
        click.echo("sites missing from the file were kept (use --prune to delete them)")


@sites.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@pass_ctx
def sites_list(obj: _Context, as_json: bool) -> None:
    """List the registry."""
    registry = _load_registry(obj.settings)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in registry], ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{len(registry)} registered sites")
    for col in ("网站标识码", "网站名称", "州、市/部门", "运行状态", "首页网址"):
        table.add_column(col, overflow="fold")
    from crawler.site import STATUS_LABELS

    for s in registry:
        table.add_row(s.code, s.name, s.region, STATUS_LABELS[s.status], s.url)
    console.print(table)
    by_status = Counter(STATUS_LABELS[s.status] for s in registry)
    console.print(", ".join(f"{k} {v}" for k, v in by_status.most_common()))


@sites.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def sites_export(obj: _Context, file: Path) -> None:
    """Write the registry to FILE (.csv or .xlsx)."""
    from crawler.registry_file import RegistryFileError, write_registry

    registry = _load_registry(obj.settings)
    try:
        write_registry(file, registry)
    except RegistryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{file}: {len(registry)} sites")


def _load_registry(settings: Settings):  # type: ignore[no-untyped-def]
    from crawler.registry import load_sites

    async def go():  # type: ignore[no-untyped-def]
        async with open_store(settings.store.url) as store:
            return await load_sites(store)

    return _store_call(go())


# --- check ------------------------------------------------------------------


@cli.command()
@click.option(
    "--sites",
    "sites_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A registry file to check instead of the stored registry.",
)
@click.option("--codes", help="Only these site codes, comma-separated.")
@click.option(
    "--jsonl",
    "jsonl_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one JSON result per site to this file.",
)
@click.option(
    "--allow-private-addresses",
    is_flag=True,
    help="Follow links to private, loopback and link-local addresses.",
)
@click.option("--no-record", is_flag=True, help="Do not record the results in the store.")
@pass_ctx
def check(
    obj: _Context,
    sites_file: Path | None,
    codes: str | None,
    jsonl_out: Path | None,
    allow_private_addresses: bool,
    no_record: bool,
) -> None:
    """Inspect sites once, as the spot check would, and summarise what was found."""
    from crawler.checkrun import run_check_command
    from crawler.rules import RulesError

    settings = obj.settings
    if allow_private_addresses:
        settings = settings.model_copy(
            update={"fetch": settings.fetch.model_copy(update={"allow_private_addresses": True})}
        )
    registry = _read_sites_file(settings, sites_file) if sites_file else _load_registry(settings)
    if codes:
        wanted = {c.strip() for c in codes.split(",") if c.strip()}
        unknown = wanted - {s.code for s in registry}
        if unknown:
            raise click.ClickException(
                f"--codes: not in the registry: {', '.join(sorted(unknown))}"
            )
        registry = [s for s in registry if s.code in wanted]
    if not registry:
        raise click.ClickException("no sites to check (import a registry or pass --sites FILE)")
    try:
        _store_call(run_check_command(settings, registry, jsonl_out, record=not no_record))
    except RulesError as exc:
        raise click.ClickException(str(exc)) from exc


def _read_sites_file(settings: Settings, path: Path):  # type: ignore[no-untyped-def]
    from crawler.registry_file import RegistryFileError, read_registry

    try:
        read = read_registry(path, province_prefix=settings.registry.province_prefix)
    except RegistryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    if read.problems:
        for problem in read.problems:
            err_console.print(f"[red]error[/red] {problem}", highlight=False, soft_wrap=True)
        raise click.ClickException(f"{path}: {len(read.problems)} problem(s)")
    return read.sites


# --- demo and farm -----------------------------------------------------------


@cli.command()
@click.option("--sites", "count", default=200, show_default=True, help="Farm sites to serve.")
@click.option(
    "--dir",
    "out_dir",
    default=Path("demo-out"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the registry, the store and the results go.",
)
@click.option(
    "--keep-serving", is_flag=True, help="Leave the farm and the service running afterwards."
)
@pass_ctx
def demo(obj: _Context, count: int, out_dir: Path, keep_serving: bool) -> None:
    """Serve a local farm of simulated sites, register and inspect them, show the findings."""
    from crawler.demo import run_demo

    with contextlib.suppress(KeyboardInterrupt):
        _store_call(
            run_demo(
                obj.settings,
                sites=count,
                out_dir=out_dir,
                keep_serving=keep_serving,
                console=console,
            )
        )


def _attach_farm() -> None:
    from crawler.farm.cli import farm

    cli.add_command(farm)


_attach_farm()


def _attach_service() -> None:
    from crawler.service.cli import run_command, status_command, worker_command

    for command in (run_command, worker_command, status_command):
        cli.add_command(command)


_attach_service()


def _attach_metrics() -> None:
    from crawler.metrics_cli import metrics

    cli.add_command(metrics)


_attach_metrics()


def _attach_report() -> None:
    from crawler.reports.cli import report

    cli.add_command(report)


_attach_report()


def _attach_availability() -> None:
    from crawler.availability_cli import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_attach_availability()


def main() -> None:
    cli(prog_name="govcrawl")


if __name__ == "__main__":
    sys.exit(main())
