"""Tables of the quarterly reports: the lists a quarter published (imported or recorded)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crawler.store.models import Base


class NamedSiteRow(Base):
    """A site named in a quarter's published list, so the next quarter can follow it up.

    A quarter's rows are replaced as a whole (an import or a recorded report), never merged.
    """

    __tablename__ = "report_named_sites"
    __table_args__ = (UniqueConstraint("quarter", "list_name", "code", name="uq_report_named"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quarter: Mapped[str] = mapped_column(String(8), index=True)  # 2026Q3
    list_name: Mapped[str] = mapped_column(String(16))  # unqualified | follow_up
    seq: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    problems: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500))  # the imported file, or "report"
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
