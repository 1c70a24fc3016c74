"""Availability tables: probes, per-site outage state, outage windows, the alert outbox and
maintenance windows. Created by migration 0004_availability.

Probes get their own narrow table (about 550,000 rows a day for 1,900 sites probed every
5 minutes), not the results table that holds whole inspection payloads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import Mapped, mapped_column

from crawler.store.models import Base


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on both backends.

    SQLite keeps no offset: a value written in +08:00 would come back as a naive local
    time and compare wrongly with UTC ones. Everything is stored as UTC instead.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: availability times must be aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL wants 64 bits here.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class ProbeRow(Base):
    """One homepage probe. suppressed: why it does not count toward outages
    ("monitor_offline", "maintenance", "closed") or NULL."""

    __tablename__ = "probes"
    __table_args__ = (Index("ix_probes_code_at", "code", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    outcome: Mapped[str] = mapped_column(String(24))
    status: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str] = mapped_column(String(500), default="")
    cert_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    suppressed: Mapped[str | None] = mapped_column(String(24), nullable=True)


class ProbeHourRow(Base):
    """Probes and failures per site and UTC hour, kept as probes are recorded, so the
    census share over a week sums 168 rows per site instead of ~2,000 probes."""

    __tablename__ = "probe_hours"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    probes: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)


class OutageStateRow(Base):
    """Where each site stands in the outage state machine (crawler/outages.py)."""

    __tablename__ = "outage_state"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    phase: Mapped[str] = mapped_column(String(16))  # up | suspect | down
    last_probe_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    last_latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_failure_outcome: Mapped[str] = mapped_column(String(24), default="")
    first_failure_error: Mapped[str] = mapped_column(String(500), default="")
    window_id: Mapped[int | None] = mapped_column(BigId, nullable=True)


class OutageWindowRow(Base):
    """One outage: from the first of two consecutive failures to the first success."""

    __tablename__ = "outage_windows"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # set when closed
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cause: Mapped[str] = mapped_column(String(24))  # the most frequent failure outcome
    causes: Mapped[dict] = mapped_column(JSON)  # outcome → failed probes
    probe_count: Mapped[int] = mapped_column(Integer)  # failed probes counted in the window
    last_error: Mapped[str] = mapped_column(String(500), default="")
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OutboxRow(Base):
    """One alert message for one hook; delivered in id order per (hook, site)."""

    __tablename__ = "alert_outbox"
    __table_args__ = (Index("ix_alert_outbox_pending", "delivered_at", "hook"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # enqueued once per key
    hook: Mapped[str] = mapped_column(String(64))  # crawler.alerts.hooks.hook_id
    code: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class MaintenanceRow(Base):
    """Planned maintenance of one site (code) or of a whole region: failures are not outages."""

    __tablename__ = "maintenance_windows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    region: Mapped[str | None] = mapped_column(String(50), nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
