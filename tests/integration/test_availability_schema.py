"""Migration 0004 creates exactly the availability models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

import crawler.store.availability_models as models
from crawler.store import Store

TABLES = {
    "probes", "probe_hours", "outage_state", "outage_windows", "alert_outbox",
    "maintenance_windows",
}  # fmt: skip


def _diff(connection) -> list:  # type: ignore[no-untyped-def]
    mine = MetaData(naming_convention=models.Base.metadata.naming_convention)
    for name in TABLES:
        models.Base.metadata.tables[name].to_metadata(mine)
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [d for d in compare_metadata(context, mine) if _table(d) in TABLES]


def _table(diff) -> str | None:  # type: ignore[no-untyped-def]
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None:
            return table.name
        if name in TABLES:
            return name
    return None


async def test_migration_matches_models(store: Store) -> None:
    async with store.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
