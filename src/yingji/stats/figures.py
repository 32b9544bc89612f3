"""Hazard figures and reading them from the summary tables (:mod:`yingji.stats.raw`
counts the same figures from the hazard table).

Definitions (used everywhere: API, page, export, rankings). Days are local calendar days in
the installation's time zone; a window is ``from`` ≤ day ≤ ``to``. Dismissed hazards
(不予认定) were never hazards and count nowhere.

- **found** (排查): hazards whose ``found_at`` falls in the window.
- **rectified** (整改/销号): hazards whose ``closed_at`` falls in the window (state closed).
- **rectification rate** (整改率): of the hazards found in the window, the share closed *now*
  (``found_rectified / found``); none when nothing was found. "By now" matches how the
  bureaus report a live rate; an older window has had longer to close, so compare rates of
  windows of the same age (the rankings compare regions within one quarter).
- **open** (未整改): in an open state now; **overdue** (逾期): open now with a deadline before
  today; **major open** (重大隐患未销号): grade major and open now. These three are as of now,
  whatever the window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session

from yingji.stats.models import DAY, DIM_ALL, MONTH, HazardStatFlow, HazardStatOpen
from yingji.stats.periods import Window

Key = tuple[str, str]
"""(node path, breakdown value)."""


@dataclass(slots=True)
class Tally:
    """The figures of one group; adding is written out field by field because dashboards
    add tens of thousands of them (a county's hazards per township, industry and
    department)."""

    found: int = 0
    found_rectified: int = 0
    found_major: int = 0
    rectified: int = 0
    open: int = 0
    overdue: int = 0
    major_open: int = 0

    @property
    def rate(self) -> float | None:
        return self.found_rectified / self.found if self.found else None

    def values(self) -> tuple[int, ...]:
        return (
            self.found,
            self.found_rectified,
            self.found_major,
            self.rectified,
            self.open,
            self.overdue,
            self.major_open,
        )

    def __iadd__(self, other: Tally) -> Tally:
        self.found += other.found
        self.found_rectified += other.found_rectified
        self.found_major += other.found_major
        self.rectified += other.rectified
        self.open += other.open
        self.overdue += other.overdue
        self.major_open += other.major_open
        return self

    def __add__(self, other: Tally) -> Tally:
        out = Tally(*self.values())
        out += other
        return out

    def __sub__(self, other: Tally) -> Tally:
        return Tally(*(a - b for a, b in zip(self.values(), other.values(), strict=True)))

    def is_empty(self) -> bool:
        return not any(self.values())

    def as_dict(self, *, now_figures: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = dict(zip(FIELDS, self.values(), strict=True))
        out["rate"] = None if self.rate is None else round(self.rate, 4)
        if not now_figures:
            for key in ("open", "overdue", "major_open"):
                out.pop(key)
        return out


def accumulate(out: dict[Any, Tally], key: Any, tally: Tally) -> None:
    """``out[key] += tally`` without ever changing ``tally`` itself."""
    acc = out.get(key)
    if acc is None:
        out[key] = Tally(*tally.values())
    else:
        acc += tally


FIELDS = tuple(f.name for f in fields(Tally))


def _flow_sums(f: Any) -> list[Any]:
    return [
        func.sum(f.found),
        func.sum(f.found_closed),
        func.sum(f.found_major),
        func.sum(f.closed),
    ]


def spans(window: Window) -> list[tuple[str, dt.date, dt.date]]:
    """The window as (grain, start, end) ranges: whole months on month rows, the ragged
    ends on day rows."""
    first_month = window.start if window.start.day == 1 else next_month(window.start)
    last_month = window.end.replace(day=1)
    if first_month >= last_month:
        return [(DAY, window.start, window.end)]
    out = [(DAY, window.start, first_month), (MONTH, first_month, last_month)]
    out.append((DAY, last_month, window.end))
    return [(g, a, b) for g, a, b in out if a < b]


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)


def flow(session: Session, nodes: Sequence[str], dim: str, window: Window) -> dict[Key, Tally]:
    """Found/rectified counts per (node, value) from the summary: one index range per span
    (an OR of ranges would make SQLite scan every day of the node)."""
    if not nodes:
        return {}
    f = HazardStatFlow.__table__.c
    parts = [
        select(f.node_path, f.dim_value, f.found, f.found_closed, f.found_major, f.closed).where(
            f.node_path.in_(nodes), f.dim == dim, f.grain == g, f.day >= a, f.day < b
        )
        for g, a, b in spans(window)
    ]
    u = union_all(*parts).subquery()
    stmt = select(u.c.node_path, u.c.dim_value, *_flow_sums(u.c)).group_by(
        u.c.node_path, u.c.dim_value
    )
    return {
        (node, value): Tally(int(a or 0), int(b or 0), int(c or 0), int(d or 0))
        for node, value, a, b, c, d in session.execute(stmt)
    }


def open_now(session: Session, nodes: Sequence[str], dim: str, today: dt.date) -> dict[Key, Tally]:
    """Open, overdue and major-open counts per (node, value) from the summary: all month
    rows, plus this month's day rows before today for the overdue ones."""
    if not nodes:
        return {}
    o = HazardStatOpen.__table__.c
    this_month = today.replace(day=1)
    late = case((o.deadline < this_month, o.open), else_=0)
    months = select(o.node_path, o.dim_value, o.open, late.label("overdue"), o.open_major).where(
        o.node_path.in_(nodes), o.dim == dim, o.grain == MONTH
    )
    days = select(o.node_path, o.dim_value, literal(0), o.open, literal(0)).where(
        o.node_path.in_(nodes),
        o.dim == dim,
        o.grain == DAY,
        o.deadline >= this_month,
        o.deadline < today,
    )
    u = union_all(months, days).subquery()
    stmt = select(
        u.c.node_path,
        u.c.dim_value,
        func.sum(u.c.open),
        func.sum(u.c.overdue),
        func.sum(u.c.open_major),
    ).group_by(u.c.node_path, u.c.dim_value)
    return {
        (node, value): Tally(open=int(a or 0), overdue=int(b or 0), major_open=int(c or 0))
        for node, value, a, b, c in session.execute(stmt)
    }


def merged(*parts: dict[Key, Tally]) -> dict[Key, Tally]:
    out: dict[Key, Tally] = {}
    for part in parts:
        for key, tally in part.items():
            accumulate(out, key, tally)
    return out


def monthly(session: Session, nodes: Sequence[str], window: Window) -> dict[dt.date, Tally]:
    """Found/rectified per month of a month-aligned window, summed over ``nodes``."""
    f = HazardStatFlow.__table__.c
    stmt = (
        select(f.day, *_flow_sums(f))
        .where(f.node_path.in_(nodes), f.dim == DIM_ALL, f.grain == MONTH)
        .where(f.day >= window.start, f.day < window.end)
        .group_by(f.day)
    )
    return {
        _as_date(day): Tally(int(a or 0), int(b or 0), int(c or 0), int(d or 0))
        for day, a, b, c, d in session.execute(stmt)
    }


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def total(tallies: Iterable[Tally]) -> Tally:
    out = Tally()
    for tally in tallies:
        out += tally
    return out
