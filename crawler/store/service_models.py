"""The service's own table: the newest slot recorded per site and job kind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from crawler.store.models import Base


class ScheduleRow(Base):
    """Lets a restarted scheduler carry on where it stopped (no slot queued twice)."""

    __tablename__ = "service_schedule"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    slot_ms: Mapped[int] = mapped_column(BigInteger)  # start of the newest slot recorded
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
