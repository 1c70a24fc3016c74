"""`govcrawl demo`: the whole product on its embedded defaults against the local site farm.

Nothing but govcrawl is needed: the farm serves simulated county and city sites on loopback
addresses, the registry goes into a SQLite file, every site is inspected as `govcrawl check`
does, and what was found is set beside what the farm was built to contain.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from crawler.checkrun import run_check_command
from crawler.config import Settings
from crawler.farm import SiteFarm
from crawler.farm.score import score
from crawler.registry import import_sites
from crawler.registry_file import read_registry, write_registry
from crawler.store import open_store


def demo_settings(base: Settings, out_dir: Path) -> Settings:
    """The user's settings with the store in the demo directory and quick homepage retries."""
    return base.model_copy(
        update={
            "store": base.store.model_copy(update={"url": f"sqlite:///{out_dir / 'govcrawl.db'}"}),
            # The farm is on this machine: no need to be as gentle as with a county server.
            # The farm's sites link to each other and to a dead loopback host.
            "fetch": base.fetch.model_copy(
                update={"host_delay": base.fetch.host_delay * 0, "allow_private_addresses": True}
            ),
            "inspect": base.inspect.model_copy(
                update={"retry_delay": base.inspect.retry_delay * 0}
            ),
        }
    )


def accuracy_table(farm: SiteFarm, results: list) -> Table:  # type: ignore[type-arg]
    found = score(farm.truth, results)
    table = Table(title="found vs built into the farm (precision / recall)")
    table.add_column("what")
    table.add_column("precision", justify="right")
    table.add_column("recall", justify="right")
    for kind, pr in found.by_kind.items():
        table.add_row(kind, f"{pr.precision:.2f}", f"{pr.recall:.2f}")
    table.add_row(
        "blank columns", f"{found.blank_columns.precision:.2f}", f"{found.blank_columns.recall:.2f}"
    )
    table.add_row(
        "stale columns", f"{found.stale_columns.precision:.2f}", f"{found.stale_columns.recall:.2f}"
    )
    table.add_row(
        "broken links (by URL)",
        f"{found.broken_links.precision:.2f}",
        f"{found.broken_links.recall:.2f}",
    )
    table.add_row("homepage latest date (exact)", f"{found.homepage_date_match:.2f}", "")
    return table


async def run_demo(
    base: Settings, *, sites: int, out_dir: Path, keep_serving: bool, console: Console
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = demo_settings(base, out_dir)
    async with SiteFarm(sites, port=0, control=("127.0.0.1", 0)) as farm:
        console.print(
            f"farm: {sites} simulated sites on {farm.sites[0].address}… port {farm.port}, "
            f"control {farm.control_url}"
        )
        registry = out_dir / "sites.csv"
        write_registry(registry, [fs.site for fs in farm.sites])
        read = read_registry(registry)
        async with open_store(settings.store.url) as store:
            summary = await import_sites(
                store, read.sites, file_name=str(registry), file_sha256="demo"
            )
        console.print(
            f"registry: {registry} → {settings.store.url} "
            f"(added {summary.added}, changed {summary.changed}, unchanged {summary.unchanged})"
        )
        jsonl = out_dir / "results.jsonl"
        totals = await run_check_command(settings, read.sites, jsonl, console=console)
        console.print(accuracy_table(farm, totals.results))
        console.print(
            f"\nEverything is in {out_dir}/: sites.csv (the registry), govcrawl.db (the store), "
            "results.jsonl (one result per site).\n"
            f"Try: govcrawl --config /dev/null sites list  with "
            f"GOVCRAWL_STORE__URL={settings.store.url}"
        )
        from crawler.demo_service import service_tour

        await service_tour(settings, farm, out_dir, console, keep_serving=keep_serving)
