"""availability tables

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL wants 64 bits.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "probes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(200), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("cert_expires_at", TS, nullable=True),
        sa.Column("suppressed", sa.String(24), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probes")),
        sa.UniqueConstraint("job_id", name=op.f("uq_probes_job_id")),
    )
    op.create_index("ix_probes_code_at", "probes", ["code", "at"])
    op.create_index(op.f("ix_probes_at"), "probes", ["at"])

    op.create_table(
        "probe_hours",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("hour", TS, nullable=False),
        sa.Column("probes", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", "hour", name=op.f("pk_probe_hours")),
    )

    op.create_table(
        "outage_state",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("last_probe_at", TS, nullable=True),
        sa.Column("last_ok", sa.Boolean(), nullable=True),
        sa.Column("last_latency_ms", sa.Float(), nullable=True),
        sa.Column("first_failure_at", TS, nullable=True),
        sa.Column("first_failure_outcome", sa.String(24), nullable=False),
        sa.Column("first_failure_error", sa.String(500), nullable=False),
        sa.Column("window_id", BIG_ID, nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_outage_state")),
    )

    op.create_table(
        "outage_windows",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("last_failure_at", TS, nullable=False),
        sa.Column("cause", sa.String(24), nullable=False),
        sa.Column("causes", sa.JSON(), nullable=False),
        sa.Column("probe_count", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.Column("reported_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outage_windows")),
    )
    op.create_index(op.f("ix_outage_windows_code"), "outage_windows", ["code"])
    op.create_index(op.f("ix_outage_windows_started_at"), "outage_windows", ["started_at"])
    op.create_index(op.f("ix_outage_windows_ended_at"), "outage_windows", ["ended_at"])

    op.create_table(
        "alert_outbox",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("hook", sa.String(64), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_alert_outbox_key")),
    )
    op.create_index("ix_alert_outbox_pending", "alert_outbox", ["delivered_at", "hook"])

    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(16), nullable=True),
        sa.Column("region", sa.String(50), nullable=True),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_windows")),
    )
    op.create_index(op.f("ix_maintenance_windows_code"), "maintenance_windows", ["code"])
    op.create_index(op.f("ix_maintenance_windows_ends_at"), "maintenance_windows", ["ends_at"])


def downgrade() -> None:
    op.drop_table("maintenance_windows")
    op.drop_table("alert_outbox")
    op.drop_table("outage_windows")
    op.drop_table("outage_state")
    op.drop_table("probe_hours")
    op.drop_index(op.f("ix_probes_at"), table_name="probes")
    op.drop_index("ix_probes_code_at", table_name="probes")
    op.drop_table("probes")
