"""Time windows for statistics: the chosen window, its year-on-year and period-on-period
counterparts, and quarters (``2026Q3``) for rankings."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from yingji.errors import invalid

_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


def year_earlier(day: dt.date) -> dt.date:
    """The same date a year before; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Window:
    """Local calendar days ``start`` ≤ day < ``end`` (``last`` is the inclusive end users
    see)."""

    start: dt.date
    end: dt.date

    @classmethod
    def inclusive(cls, first: dt.date, last: dt.date) -> Window:
        if last < first:
            raise invalid("to", "结束日期早于开始日期 / the end date is before the start date")
        return cls(first, last + dt.timedelta(days=1))

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def year_on_year(self) -> Window:
        """同比: the same dates one year earlier."""
        return Window(year_earlier(self.start), year_earlier(self.end))

    def period_on_period(self) -> Window:
        """环比: the window of equal length immediately before."""
        return Window(self.start - dt.timedelta(days=self.days), self.start)

    def as_dict(self) -> dict[str, str | int]:
        return {"from": self.start.isoformat(), "to": self.last.isoformat(), "days": self.days}


def default_window(today: dt.date) -> Window:
    """From the first of January to today: the year so far."""
    return Window.inclusive(today.replace(month=1, day=1), today)


def quarter(text: str) -> tuple[str, Window]:
    """``2026Q3`` → its canonical name and window (1 July to 30 September)."""
    match = _QUARTER.match((text or "").strip())
    if not match:
        raise invalid("quarter", "季度格式应为 2026Q3 / quarter must look like 2026Q3")
    year, q = int(match[1]), int(match[2])
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return f"{year}Q{q}", Window(start, end)


def previous_quarter(name: str) -> str:
    year, q = int(name[:4]), int(name[5])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def months_back(end: dt.date, count: int) -> list[dt.date]:
    """First days of the ``count`` months ending with the month of ``end`` (oldest first)."""
    year, month = end.year, end.month
    firsts = []
    for _ in range(count):
        firsts.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return firsts[::-1]
