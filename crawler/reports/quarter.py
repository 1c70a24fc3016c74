"""Quarters as the notices name them ("2026Q4", 2026年第四季度) and their time bounds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

_CN_DIGITS = "一二三四"
_PATTERN = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


class QuarterError(ValueError):
    """A quarter that cannot be read; the message shows the expected form."""


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _PATTERN.match(text)
        if not match:
            raise QuarterError(f"quarter {text!r}: expected YEARQn, e.g. 2026Q4")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        """As the notices write it: 2026年第四季度."""
        return f"{self.year}年第{_CN_DIGITS[self.number - 1]}季度"

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) in the province's local time (a quarter is a calendar quarter there)."""
        start = datetime(self.year, 3 * self.number - 2, 1, tzinfo=zone)
        end = (
            datetime(self.year + 1, 1, 1, tzinfo=zone)
            if self.number == 4
            else datetime(self.year, 3 * self.number + 1, 1, tzinfo=zone)
        )
        return start, end

    @classmethod
    def containing(cls, moment: datetime, zone: tzinfo) -> Quarter:
        local = moment.astimezone(zone)
        return cls(local.year, (local.month - 1) // 3 + 1)
