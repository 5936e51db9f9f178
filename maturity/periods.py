"""Reporting periods: ``2024``, ``2024-S1``, ``2024-T2``, ``2024-Q3``, ``2024-03``."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Frequency(StrEnum):
    YEAR = "year"
    SEMESTER = "semester"
    TERTIAL = "tertial"
    QUARTER = "quarter"
    MONTH = "month"


_PARTS = {Frequency.YEAR: 1, Frequency.SEMESTER: 2, Frequency.TERTIAL: 3, Frequency.QUARTER: 4, Frequency.MONTH: 12}
_LETTER = {"S": Frequency.SEMESTER, "T": Frequency.TERTIAL, "Q": Frequency.QUARTER}
_PATTERN = re.compile(r"^(\d{4})(?:-(?:([STQ])(\d)|(\d{2})))?$")
# What the API's description states a period is (``parse`` also takes spaces around it).
PERIOD_PATTERN = r"^[1-9][0-9]{3}(-([Ss][12]|[Tt][1-3]|[Qq][1-4]|0[1-9]|1[0-2]))?$"


@dataclass(frozen=True, slots=True, order=True)
class Period:
    year: int
    frequency: Frequency
    index: int = 1  # 1-based part of the year

    @classmethod
    def parse(cls, text: str) -> "Period":
        match = _PATTERN.match(text.strip().upper())
        if not match:
            raise ValueError(f"not a period: {text!r}")
        year = int(match.group(1))
        if match.group(2):
            frequency, index = _LETTER[match.group(2)], int(match.group(3))
        elif match.group(4):
            frequency, index = Frequency.MONTH, int(match.group(4))
        else:
            frequency, index = Frequency.YEAR, 1
        if not 1 <= index <= _PARTS[frequency]:
            raise ValueError(f"not a period: {text!r}")
        return cls(year, frequency, index)

    def __str__(self) -> str:
        match self.frequency:
            case Frequency.YEAR:
                return f"{self.year}"
            case Frequency.MONTH:
                return f"{self.year}-{self.index:02d}"
            case _:
                letter = {v: k for k, v in _LETTER.items()}[self.frequency]
                return f"{self.year}-{letter}{self.index}"

    @property
    def start(self) -> date:
        months = 12 // _PARTS[self.frequency]
        return date(self.year, 1 + (self.index - 1) * months, 1)

    @property
    def end(self) -> date:
        """The last day of the period."""
        months = 12 // _PARTS[self.frequency]
        first_month_after = 1 + self.index * months
        if first_month_after > 12:
            return date(self.year, 12, 31)
        return date(self.year, first_month_after, 1) - timedelta(days=1)

    def previous(self) -> "Period":
        if self.index > 1:
            return Period(self.year, self.frequency, self.index - 1)
        return Period(self.year - 1, self.frequency, _PARTS[self.frequency])

    def next(self) -> "Period":
        if self.index < _PARTS[self.frequency]:
            return Period(self.year, self.frequency, self.index + 1)
        return Period(self.year + 1, self.frequency, 1)


def within(period: Period, start: date, end: date) -> bool:
    """The period lies inside [start, end] (a strategy's dates)."""
    return start <= period.start and period.end <= end


def latest_first_key(period: Period) -> tuple[date, int]:
    """Sort key, reversed for latest first: the later end first, and of two ending on the same day
    the longer (a year before its second semester)."""
    return (period.end, -period.start.toordinal())


def default_period(with_data: Iterable[Period], start: date, end: date, today: date) -> Period | None:
    """The one default-period rule of the dashboard, overview, reports and API: among the periods
    with data, the latest that has ended (its last day before ``today``) and lies inside the
    strategy's dates [start, end]; None when there is none."""
    candidates = [p for p in with_data if p.end < today and within(p, start, end)]
    return max(candidates, key=latest_first_key, default=None)
