"""The same figures as the summaries, counted straight from the hazard table for one
subtree (a county or below), through its region-path indexes.

Each query groups by (region path, industry division, department), so one pass serves the
totals, the breakdown by child region and both breakdowns by industry and department.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from yingji import clock
from yingji.hazards.models import Hazard, HazardState
from yingji.regions.paths import under
from yingji.stats.figures import Tally, accumulate
from yingji.stats.marks import local_day, mark_columns
from yingji.stats.models import OPEN_VALUES
from yingji.stats.periods import Window

Group = tuple[str, str, str]
"""(region path, division, department) as the marks define them."""
_h = Hazard.__table__.c


def utc_bounds(window: Window) -> tuple[dt.datetime, dt.datetime]:
    """The window's local midnights as UTC instants."""
    tz = clock.zone()
    start = dt.datetime.combine(window.start, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(window.end, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return start, end


def _state(dialect: str) -> ColumnElement[str]:
    """The state column for filtering. On SQLite ``state || ''``: without ANALYZE
    statistics SQLite would pick the (state, deadline) index and read every closed hazard
    in the country rather than the subtree's path range. PostgreSQL plans by statistics and
    needs the plain column to match the partial index of open hazards."""
    return _h.state + "" if dialect == "sqlite" else _h.state


def groups(
    session: Session, path: str, window: Window, today: dt.date | None, *, grouped: bool = True
) -> dict[Any, Tally]:
    """Every figure per (region path, division, department) under ``path`` (or, not
    ``grouped``, one total under the key ``()``); open-now figures only when ``today`` is
    given."""
    dialect = session.get_bind().dialect.name
    marks = mark_columns(dialect)
    key = (_h.region_path, marks["division"], marks["department"]) if grouped else ()
    k = len(key)
    in_tree = under(_h.region_path, path)
    state = _state(dialect)
    start, end = utc_bounds(window)
    closed = HazardState.closed.value
    is_major = case((_h.grade == "major", 1), else_=0)
    out: dict[Any, Tally] = {}
    found = (
        select(
            *key,
            func.count(),
            func.sum(case(((state == closed) & _h.closed_at.is_not(None), 1), else_=0)),
            func.sum(is_major),
        )
        .where(in_tree, _h.found_at >= start, _h.found_at < end)
        .where(state != HazardState.dismissed.value)
        .group_by(*key)
    )
    for row in session.execute(found):
        n, done, major = row[k:]
        accumulate(out, tuple(row[:k]), Tally(n, int(done or 0), int(major or 0)))
    rectified = (
        select(*key, func.count())
        .where(in_tree, _h.closed_at >= start, _h.closed_at < end, state == closed)
        .group_by(*key)
    )
    for row in session.execute(rectified):
        accumulate(out, tuple(row[:k]), Tally(rectified=row[k]))
    if today is not None:
        opened = (
            select(
                *key,
                func.count(),
                func.sum(case((_h.deadline < today, 1), else_=0)),
                func.sum(is_major),
            )
            .where(in_tree, state.in_(OPEN_VALUES))
            .group_by(*key)
        )
        for leaf, div, dept, n, late, major in session.execute(opened):
            accumulate(
                out, (leaf, div, dept), Tally(open=n, overdue=int(late or 0), major_open=major)
            )
    return out


def monthly(session: Session, path: str, window: Window) -> dict[dt.date, Tally]:
    """Found and rectified per calendar month (keyed by the 1st) under ``path``."""
    dialect = session.get_bind().dialect.name
    in_tree = under(_h.region_path, path)
    state = _state(dialect)
    start, end = utc_bounds(window)
    out: dict[dt.date, Tally] = {}
    found_day = local_day(_h.found_at, dialect)
    found = (
        select(found_day, func.count())
        .where(in_tree, _h.found_at >= start, _h.found_at < end)
        .where(state != HazardState.dismissed.value)
        .group_by(found_day)
    )
    closed_day = local_day(_h.closed_at, dialect)
    rectified = (
        select(closed_day, func.count())
        .where(in_tree, _h.closed_at >= start, _h.closed_at < end)
        .where(state == HazardState.closed.value)
        .group_by(closed_day)
    )
    for stmt, field in ((found, "found"), (rectified, "rectified")):
        for day, n in session.execute(stmt):
            day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
            month = day.replace(day=1)
            accumulate(out, month, Tally(**{field: n}))
    return out
