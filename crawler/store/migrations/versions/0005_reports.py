"""reports tables

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_named_sites",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quarter", sa.String(8), nullable=False),
        sa.Column("list_name", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("region", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_named_sites")),
        sa.UniqueConstraint("quarter", "list_name", "code", name="uq_report_named"),
    )
    op.create_index(op.f("ix_report_named_sites_quarter"), "report_named_sites", ["quarter"])


def downgrade() -> None:
    op.drop_index(op.f("ix_report_named_sites_quarter"), table_name="report_named_sites")
    op.drop_table("report_named_sites")
