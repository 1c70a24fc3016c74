"""Migration 0005 creates exactly the reports model, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

import crawler.store.reports_models as models
from crawler.store import Store

TABLE = "report_named_sites"


def _diff(connection) -> list:  # type: ignore[no-untyped-def]
    mine = MetaData(naming_convention=models.Base.metadata.naming_convention)
    models.Base.metadata.tables[TABLE].to_metadata(mine)
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [d for d in compare_metadata(context, mine) if TABLE in repr(d)]


async def test_migration_matches_the_model(store: Store) -> None:
    async with store.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
