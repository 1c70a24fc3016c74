"""The store opens, migrates idempotently and round-trips the registry on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crawler.registry import import_sites, load_sites
from crawler.site import Site, SiteStatus
from crawler.store import Store, StoreError, open_store
from crawler.store.db import head_revision
from crawler.store.models import ImportLog


def _site(code: str, name: str = "昆明市人民政府外事侨务办公室", **kw: object) -> Site:
    return Site(code=code, name=name, region="昆明", url=f"http://{code}.example.gov.cn/", **kw)  # type: ignore[arg-type]


async def test_migrations_reach_head_and_are_idempotent(store: Store) -> None:
    assert await store.revision() == head_revision()
    await store.upgrade()
    assert await store.revision() == head_revision()


async def test_import_counts_added_changed_unchanged_missing(store: Store) -> None:
    first = [_site("5301000041"), _site("5301000043"), _site("5301000057")]
    summary = await import_sites(store, first, file_name="a.csv", file_sha256="0" * 64)
    assert (summary.added, summary.changed, summary.unchanged, summary.missing) == (3, 0, 0, 0)

    second = [
        _site("5301000041"),
        _site("5301000043", status=SiteStatus.PERMANENTLY_CLOSED),
        _site("5306250038", name="永善教育网"),
    ]
    summary = await import_sites(store, second, file_name="b.csv", file_sha256="1" * 64)
    assert (summary.added, summary.changed, summary.unchanged, summary.missing) == (1, 1, 1, 1)
    stored = {s.code: s for s in await load_sites(store)}
    assert set(stored) == {"5301000041", "5301000043", "5301000057", "5306250038"}
    assert stored["5301000043"].status is SiteStatus.PERMANENTLY_CLOSED

    summary = await import_sites(store, second, file_name="b.csv", file_sha256="1" * 64, prune=True)
    assert summary.pruned == 1
    assert {s.code for s in await load_sites(store)} == {"5301000041", "5301000043", "5306250038"}

    async with store.session() as session:
        assert await session.scalar(select(func.count()).select_from(ImportLog)) == 3


async def test_failed_import_leaves_store_as_before(store: Store) -> None:
    await import_sites(store, [_site("5301000041")], file_name="a.csv", file_sha256="0" * 64)
    before = await load_sites(store)
    clash = [_site("5301000057"), _site("5301000057")]  # violates the primary key mid-write
    with pytest.raises(Exception):  # noqa: B017 - the driver's own integrity error
        await import_sites(store, clash, file_name="bad.csv", file_sha256="2" * 64)
    assert await load_sites(store) == before
    async with store.session() as session:
        assert await session.scalar(select(func.count()).select_from(ImportLog)) == 1


async def test_unsupported_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="only sqlite and postgresql"):
        async with open_store("mysql://root@127.0.0.1/test"):
            pass
