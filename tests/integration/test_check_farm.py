"""`govcrawl check` against the local farm finds every designed condition (issue acceptance)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from crawler.check import check_sites
from crawler.config import Settings
from crawler.farm import SiteFarm
from crawler.farm.score import score
from crawler.recorder import latest_results
from crawler.rules import load_rules
from crawler.store import open_store

FARM_TODAY = datetime(2026, 3, 16).date()
CHECK_SITES = 200


@pytest.fixture
async def big_farm() -> AsyncIterator[SiteFarm]:
    async with SiteFarm(CHECK_SITES, port=0, today=FARM_TODAY, control=None) as site_farm:
        yield site_farm


def quick_settings(tmp_path: Path) -> Settings:
    s = Settings()
    return s.model_copy(
        update={
            "store": s.store.model_copy(update={"url": f"sqlite:///{tmp_path / 'g.db'}"}),
            "fetch": s.fetch.model_copy(
                update={
                    "timeout": timedelta(seconds=3),
                    "host_delay": timedelta(0),
                    "allow_private_addresses": True,  # the farm lives on loopback
                }
            ),
            "inspect": s.inspect.model_copy(update={"retry_delay": timedelta(0)}),
        }
    )


async def test_check_finds_designed_conditions(big_farm: SiteFarm, tmp_path: Path) -> None:
    settings = quick_settings(tmp_path)
    now = datetime.combine(FARM_TODAY, time(12), tzinfo=settings.tz)
    sites = [fs.site for fs in big_farm.sites]
    async with open_store(settings.store.url) as store:
        totals = await check_sites(sites, settings, load_rules(), store=store, now=now)
        stored = await latest_results(store)
    assert totals.sites == len(sites) == len(stored) == totals.recorded

    found = score(big_farm.truth, totals.results)
    report = "\n".join(found.mismatches)
    for kind, pr in found.by_kind.items():
        assert pr.precision >= 0.97 and pr.recall >= 0.97, f"{kind}: {pr}\n{report}"
    assert found.homepage_date_match >= 0.97, report
    assert found.blank_columns.precision >= 0.95 and found.blank_columns.recall >= 0.95
    assert found.stale_columns.precision >= 0.95 and found.stale_columns.recall >= 0.95
    # Every kind the farm builds in was actually exercised.
    for kind in (
        "site_unreachable",
        "homepage_stale",
        "columns_stale",
        "blank_columns",
        "closed_site_online",
        "missing_zhaocuo_entry",
        "severe_error",
        "broken_links",
    ):
        assert found.by_kind[kind].tp > 0, kind
    # Links: by URL, each reported on every page the farm put it on.
    assert found.broken_links.precision >= 0.98, report
    assert found.broken_links.recall >= 0.98, report
    assert found.broken_links.tp > 20
    assert not found.found_on_missing, found.found_on_missing[:5]
    # No reference site answers here: the names that do not resolve are not called broken.
    assert totals.uplink is False
    assert not [b.url for r in totals.results for b in r.broken_links if "gov.cn" in b.url]
