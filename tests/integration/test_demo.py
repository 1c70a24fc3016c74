"""The README's first Quick start command, `govcrawl demo`, end to end on a small farm."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.console import Console

from crawler import availability
from crawler.config import Settings
from crawler.demo import run_demo


async def test_demo_shows_check_outage_alerts_metrics_and_report(tmp_path: Path) -> None:
    availability.MONITOR = availability.MonitorStatus()  # fresh monitor state in this process
    console = Console(record=True, width=200)
    base = Settings()
    quick = base.model_copy(
        update={"fetch": base.fetch.model_copy(update={"timeout": timedelta(seconds=3)})}
    )
    await run_demo(quick, sites=40, out_dir=tmp_path, keep_serving=False, console=console)
    text = console.export_text()
    assert "found vs built into the farm" in text
    assert "outage_report_due, outage_recovered" in text, text[-3000:]
    assert "govcrawl_probes_total" in text
    assert (tmp_path / "results.jsonl").stat().st_size > 0
    assert sorted(p.suffix for p in (tmp_path / "report").iterdir()).count(".xlsx") == 1
    assert (tmp_path / "govcrawl.db").exists()
