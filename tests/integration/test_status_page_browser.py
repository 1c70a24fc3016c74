"""The status page in headless Chromium (Debian `chromium`) over farm data: the overview
lists the designed problems, a site's detail page opens from it, screenshots are written."""

from __future__ import annotations

import asyncio
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import IN_CI
from obs_stack import live_stack

from crawler.farm import SiteFarm

PHONE = "412,915"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    message = "chromium is not installed (apt-get install -y chromium)"
    if IN_CI:
        pytest.fail(f"{message}; CI requires it")
    pytest.skip(message)


async def run_chromium(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        chromium(),
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={os.environ.get('TMPDIR', '/tmp')}/govcrawl-chromium-{os.getpid()}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


class Sections(HTMLParser):
    """The rendered DOM's site links per overview section."""

    def __init__(self) -> None:
        super().__init__()
        self.section: str | None = None
        self.links: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id")
        if tag == "a" and "site-link" in (a.get("class") or "") and self.section:
            self.links.setdefault(self.section, []).append(a["href"] or "")


async def test_overview_and_site_detail_in_chromium(farm: SiteFarm, tmp_path: Path) -> None:
    async with live_stack(farm, tmp_path) as stack:
        dom = await run_chromium("--dump-dom", f"{stack.url}/")
        assert "值班总览" in dom
        parsed = Sections()
        parsed.feed(dom)
        codes = {condition: fs.code for condition, fs in stack.sites.items()}
        assert f"/sites/{codes['unreachable_refuse']}" in parsed.links["down"]
        assert f"/sites/{codes['homepage_stale']}" in parsed.links["homepage_stale"]
        assert f"/sites/{codes['blank_columns']}" in parsed.links["blank_columns"]
        assert f"/sites/{codes['columns_stale']}" in parsed.links["columns_stale"]
        assert f"/sites/{codes['broken_links']}" in parsed.links["broken_links"]
        assert f"/sites/{codes['healthy']}" not in parsed.links.get("unqualified", [])

        overview_png = tmp_path / "status-overview.png"
        await run_chromium(
            f"--screenshot={overview_png}", f"--window-size={PHONE}", f"{stack.url}/"
        )
        # Follow the link the overview rendered for the stale homepage.
        href = next(h for h in parsed.links["homepage_stale"] if codes["homepage_stale"] in h)
        detail = await run_chromium("--dump-dom", f"{stack.url}{href}")
        site = stack.sites["homepage_stale"].site
        assert site.name in detail and site.code in detail
        assert "首页长期不更新" in detail and "不合格" in detail
        assert 'id="problems"' in detail and 'id="outages"' in detail
        detail_png = tmp_path / "status-site.png"
        await run_chromium(
            f"--screenshot={detail_png}", f"--window-size={PHONE}", f"{stack.url}{href}"
        )

        # The down site's page shows its open outage.
        down = await run_chromium("--dump-dom", f"{stack.url}/sites/{codes['unreachable_refuse']}")
        assert "无法访问" in down and "尚未恢复" in down

    for png in (overview_png, detail_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    keep = os.environ.get("GOVCRAWL_KEEP_SCREENSHOTS")
    if keep:  # e.g. docs/: refresh the screenshots kept in the repository
        for png in (overview_png, detail_png):
            shutil.copy(png, Path(keep) / png.name)
