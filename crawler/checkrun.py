"""The `govcrawl check` run as a user sees it: progress bar, JSON Lines, summary tables."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crawler.check import CheckTotals, check_sites
from crawler.config import Settings
from crawler.inspect import Inspection
from crawler.rules import load_rules
from crawler.site import Site
from crawler.store import open_store
from crawler.summary import problem_table, region_table


async def run_check_command(
    settings: Settings,
    sites: list[Site],
    jsonl_out: Path | None,
    *,
    record: bool = True,
    console: Console | None = None,
) -> CheckTotals:
    console = console or Console(stderr=True)
    rules = load_rules(settings.rules.profile, settings.rules.file)
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_store(settings.store.url)) if record else None
        out = stack.enter_context(jsonl_out.open("w", encoding="utf-8")) if jsonl_out else None
        progress = stack.enter_context(
            Progress(
                TextColumn("[bold]checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("sites · {task.fields[pages]} pages · {task.fields[problems]} problems"),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            )
        )
        task = progress.add_task("check", total=len(sites), pages=0, problems=0)
        seen = {"pages": 0, "problems": 0}

        def on_result(inspection: Inspection) -> None:
            result = inspection.result
            seen["pages"] += result.pages_fetched
            seen["problems"] += len(result.problems)
            progress.update(task, advance=1, **seen)
            if out is not None:
                out.write(json.dumps(result.model_dump(mode="json"), ensure_ascii=False) + "\n")

        totals = await check_sites(sites, settings, rules, store=store, on_result=on_result)
    results = totals.results
    console.print(problem_table(results))
    console.print(region_table(results))
    unqualified = sum(r.verdict == "unqualified" for r in results)
    console.print(
        f"{totals.sites} sites checked, {totals.pages} pages fetched, "
        f"{unqualified} unqualified"
        + (f"; {totals.recorded} results recorded in {settings.store.url}" if record else "")
        + (f"; results in {jsonl_out}" if jsonl_out else "")
    )
    return totals
