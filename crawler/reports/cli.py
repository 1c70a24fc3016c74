"""`govcrawl report --quarter 2026Q4`: the quarterly lists as xlsx, csv and Markdown."""

from __future__ import annotations

import json
from pathlib import Path

import click

from crawler.aio import run
from crawler.reports import make_report, report_json
from crawler.reports.layout import LayoutError, load_layout
from crawler.reports.model import NamedSite
from crawler.reports.previous import (
    FOLLOW_UP,
    UNQUALIFIED,
    PreviousListError,
    read_previous_list,
    save_named,
)
from crawler.reports.quarter import Quarter, QuarterError
from crawler.reports.writers import FORMATS, write_report
from crawler.store import StoreError, open_store


def _quarter(_ctx: click.Context, _param: click.Parameter, value: str) -> Quarter:
    try:
        return Quarter.parse(value)
    except QuarterError as exc:
        raise click.BadParameter(str(exc)) from exc


def _formats(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    unknown = [fmt for fmt in chosen if fmt not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(
            f"unknown format {', '.join(unknown) or '(none)'}; choose from {','.join(FORMATS)}"
        )
    return chosen


@click.command("report")
@click.option("--quarter", required=True, callback=_quarter, help="The quarter, e.g. 2026Q4.")
@click.option(
    "--format", "formats", default=",".join(FORMATS), show_default=True, callback=_formats,
    help="Comma-separated formats to write.",
)  # fmt: skip
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="Directory for the files (report-<quarter>.*).",
)  # fmt: skip
@click.option(
    "--previous", "previous_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Last quarter's published list (notice-format xlsx or csv); stored for that quarter.",
)  # fmt: skip
@click.option(
    "--layout", "layout_file", type=click.Path(dir_okay=False, path_type=Path),
    help="YAML overriding rules/reports.yaml (region order, phrasings).",
)  # fmt: skip
@click.option(
    "--record", is_flag=True,
    help="Store this quarter's lists as published, for next quarter's follow-up.",
)  # fmt: skip
@click.option(
    "--base-url", default="",
    help="The service's address (e.g. http://10.0.0.5:8080) to make evidence links absolute.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Also print the report as JSON.")
@click.pass_context
def report(
    ctx: click.Context,
    quarter: Quarter,
    formats: tuple[str, ...],
    out_dir: Path,
    previous_file: Path | None,
    layout_file: Path | None,
    record: bool,
    base_url: str,
    as_json: bool,
) -> None:
    """Write the quarter's lists: unqualified sites, last quarter's follow-up, figures,
    outages over 24 h."""
    settings = ctx.obj.settings
    try:
        layout = load_layout(layout_file)
        previous = read_previous_list(previous_file) if previous_file else None
    except (LayoutError, PreviousListError) as exc:
        raise click.ClickException(str(exc)) from exc

    async def go():  # type: ignore[no-untyped-def]
        async with open_store(settings.store.url) as store:
            source = ""
            if previous is not None and previous_file is not None:
                source = f"file {previous_file.name}"
                await save_named(store, quarter.previous(), previous, source)
            built = await make_report(
                store,
                quarter,
                settings,
                layout=layout,
                previous=previous,
                previous_source=source,
                link_base=base_url.rstrip("/"),
            )
            if record:
                named = [
                    NamedSite(r.code, r.name, r.region, r.problems, UNQUALIFIED, r.seq)
                    for r in built.unqualified
                ] + [
                    NamedSite(r.code, r.name, r.region, r.status_label, FOLLOW_UP, r.seq)
                    for r in built.follow_up_not_fixed
                ]
                await save_named(store, quarter, named, f"report {quarter}")
            return built

    try:
        built = run(go())
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    paths = write_report(built, out_dir, formats)
    f = built.figures
    click.echo(
        f"{quarter.label}: {f.checked} checked, {f.unqualified} unqualified, "
        f"{f.listed} listed, {f.follow_up_not_fixed} of {f.previous_named} named last quarter "
        f"not fixed (previous list: {built.previous_source})"
    )
    for note in built.notes:
        click.echo(f"note: {note}")
    for path in paths:
        click.echo(f"wrote {path}")
    if as_json:
        click.echo(json.dumps(report_json(built), ensure_ascii=False, indent=2))
