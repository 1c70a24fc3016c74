"""Real services for integration tests: a fresh SQLite file or PostgreSQL database per test.

Outside CI a missing PostgreSQL or Redis skips its tests with the reason; with CI=true
it fails them, so a green run always means both backends were exercised.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from crawler.store import Store, open_store

PG_HOST = os.environ.get("GOVCRAWL_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("GOVCRAWL_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("GOVCRAWL_TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("GOVCRAWL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"


def service_missing(what: str, exc: BaseException) -> None:
    message = f"{what} is not reachable ({exc.__class__.__name__}: {exc})"
    if IN_CI:
        pytest.fail(f"{message}; CI requires it")
    pytest.skip(message)


async def _pg_admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres", timeout=5
        )
    except (OSError, asyncpg.PostgresError) as exc:
        service_missing(f"PostgreSQL at {PG_HOST}:{PG_PORT}", exc)
        raise


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    admin = await _pg_admin()
    name = f"govcrawl_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'govcrawl.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    async with open_store(store_url) as opened:
        yield opened


@pytest.fixture(autouse=True)
def _monitor_online() -> None:
    """The monitor's connectivity is process state: each test starts with it online."""
    from crawler import availability

    availability.MONITOR = availability.MonitorStatus()
    availability._reference_cache.clear()
