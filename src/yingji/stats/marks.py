"""A hazard's *mark*: what it contributes to the statistics, as SQL over the hazard row.

One definition serves the summary refresh (:mod:`yingji.stats.refresh`) and the direct
counts (:mod:`yingji.stats.raw`), so the two cannot disagree about what counts where.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, and_, case, cast, func, literal
from sqlalchemy.sql import ColumnElement

from yingji.config import get_settings
from yingji.db import utcnow
from yingji.hazards.models import Hazard, HazardState
from yingji.stats.models import NO_DEADLINE, OPEN_VALUES

MARK_COLUMNS = (
    "region_path",
    "division",
    "department",
    "major",
    "found_day",
    "closed_day",
    "open_deadline",
)


def local_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The local calendar day of a UTC timestamp column, in the installation's time zone.

    SQLite has no time-zone data, so it adds the zone's current UTC offset; right for China
    (no daylight saving since 1991), approximate for zones that change offset."""
    tz = get_settings().timezone
    if dialect == "postgresql":
        return cast(func.timezone(tz, column), Date)
    offset = ZoneInfo(tz).utcoffset(utcnow().replace(tzinfo=None)) or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    return func.date(column, f"{minutes:+d} minutes")


def mark_columns(dialect: str) -> dict[str, ColumnElement[Any]]:
    """SQL for a hazard's mark. ``counted`` is 0 for dismissed hazards (not hazards at all)."""
    h = Hazard.__table__.c
    return {
        "counted": case((h.state == HazardState.dismissed.value, 0), else_=1),
        "region_path": h.region_path,
        "division": func.coalesce(func.substr(h.industry_code, 1, 2), ""),
        "department": func.coalesce(cast(h.department_id, String), ""),
        "major": case((h.grade == "major", 1), else_=0),
        "found_day": local_day(h.found_at, dialect),
        "closed_day": case(
            (
                and_(h.state == HazardState.closed.value, h.closed_at.is_not(None)),
                local_day(h.closed_at, dialect),
            ),
            else_=None,
        ),
        "open_deadline": case(
            (
                h.state.in_(OPEN_VALUES),
                func.coalesce(h.deadline, literal(NO_DEADLINE, Date)),
            ),
            else_=None,
        ),
    }


def month_start(column: Any, dialect: str) -> ColumnElement[Any]:
    """The first day of the month of a date column (the key of month rows)."""
    if dialect == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")
