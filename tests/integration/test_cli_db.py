"""`govcrawl db upgrade` and `db prune` end to end, against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from sqlalchemy import update
from test_recorder import _result

from crawler.aio import run
from crawler.cli import cli
from crawler.recorder import EvidencePage, Recorded, evidence_body, record
from crawler.store import open_store
from crawler.store.models import EvidenceRow


def test_prune_honours_retention_and_latest_results(store_url: str) -> None:
    old_page = EvidencePage(url="http://127.1.0.9/old", body=b"old blank column")
    kept_page = EvidencePage(url="http://127.1.0.9/", body=b"latest homepage")
    now = datetime.now(UTC)

    async def setup() -> None:
        async with open_store(store_url) as store:
            first = _result("5306250038", now)
            await record(store, [Recorded("j1", "inspection", first, [old_page])])
            cited = _result("5306250038", now, evidence={kept_page.url: kept_page.id})
            await record(store, [Recorded("j2", "inspection", cited, [kept_page])])
            async with store.session() as session, session.begin():
                await session.execute(
                    update(EvidenceRow).values(stored_at=now - timedelta(days=40))
                )

    async def stored() -> tuple[bool, bool]:
        async with open_store(store_url) as store:
            return (
                await evidence_body(store, old_page.id) is not None,
                await evidence_body(store, kept_page.id) is not None,
            )

    run(setup())
    runner = CliRunner()
    env = {"GOVCRAWL_STORE__URL": store_url}
    kept = runner.invoke(cli, ["db", "prune"], env=env)  # default retention 90 days
    assert kept.exit_code == 0, kept.output
    assert "dropped: 0" in kept.output
    assert run(stored()) == (True, True)

    env["GOVCRAWL_STORE__EVIDENCE_RETENTION"] = "30d"
    pruned = runner.invoke(cli, ["db", "prune"], env=env)
    assert pruned.exit_code == 0, pruned.output
    assert "dropped: 1" in pruned.output
    assert run(stored()) == (False, True)
