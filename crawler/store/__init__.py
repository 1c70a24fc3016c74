"""Storage: SQLAlchemy models, the engine for SQLite or PostgreSQL, Alembic migrations."""

from crawler.store.db import Store, StoreError, async_url, open_store

__all__ = ["Store", "StoreError", "async_url", "open_store"]
