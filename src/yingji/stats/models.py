"""Summary tables behind the hazard dashboard, and the per-hazard marks that keep them exact.

A dashboard over ten million hazards cannot count rows on every request, so counts are kept
per region *node* (the hazard's region and every ancestor, so a province is one key, not a
prefix scan) and per local day. ``hazard_stat_flow`` holds what happened on a day (found,
closed), ``hazard_stat_open`` what is still open, by deadline, so "overdue as of today" is a
sum over deadlines before today and never goes stale as days pass.

Each counted hazard has one :class:`HazardStatMark`: exactly what it currently contributes.
A refresh subtracts a changed hazard's mark and adds its new one, so refreshing twice, or
over an overlapping window, changes nothing (see :mod:`yingji.stats.refresh`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, UTCDateTime, path_type
from yingji.hazards.models import OPEN_STATES, Hazard

DIM_ALL, DIM_INDUSTRY, DIM_DEPARTMENT = "all", "ind", "dept"
DAY, MONTH = "d", "m"
"""Grains: a row per day, and the same counts per month (``day`` = the 1st), so a long
window reads a row per month and only its ragged ends per day."""
NO_DEADLINE = dt.date(9999, 12, 31)
"""Deadline bucket of open hazards that have none yet (reported, confirmed): never overdue."""

OPEN_VALUES = sorted(s.value for s in OPEN_STATES)

# Indexes on the hazard table that statistics need, declared here so metadata sees them.
# The three covering ones serve counties and townships, counted from the hazard table.
_h = Hazard.__table__.c
Index("ix_hazard_updated_at", _h.updated_at)
"""The refresh finds changed hazards by ``updated_at``."""
_FIGURES = (_h.grade, _h.industry_code, _h.department_id)
Index("ix_hazard_stat_found", _h.region_path, _h.found_at, _h.state, _h.closed_at, *_FIGURES)
"""Found in a window under a path, answered from the index alone (no visits to the rows of
a county's hazards scattered over a big table)."""
Index("ix_hazard_stat_closed", _h.region_path, _h.closed_at, _h.state, *_FIGURES)
"""Closed in a window under a path, likewise."""
Index(
    "ix_hazard_stat_open",
    _h.region_path,
    _h.deadline,
    _h.state,
    *_FIGURES,
    postgresql_where=_h.state.in_(OPEN_VALUES),
    sqlite_where=_h.state.in_(OPEN_VALUES),
)
"""The open hazards of a subtree (a few per cent of all) without the closed ones."""


class HazardStatFlow(Base):
    """Hazards found and closed on one local day (or month) in one node, for one breakdown
    value.

    ``dim`` is ``all`` (value ``''``), ``ind`` (GB/T 4754 division) or ``dept`` (supervising
    department id); the last two are kept only for nodes down to county level. The key's
    order (node, dim, grain, day, value) makes a window one contiguous index range."""

    __tablename__ = "hazard_stat_flow"
    __table_args__ = ({"sqlite_with_rowid": False},)
    """On SQLite the rows are stored in key order, so a window is contiguous pages."""

    node_path: Mapped[str] = mapped_column(path_type(80), primary_key=True)
    dim: Mapped[str] = mapped_column(String(4), primary_key=True)
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    dim_value: Mapped[str] = mapped_column(String(16), primary_key=True)
    found: Mapped[int] = mapped_column(Integer, default=0)
    found_closed: Mapped[int] = mapped_column(Integer, default=0)
    """Of those found that day, how many are closed now."""
    found_major: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    """Closed (销号) that day."""


class HazardStatOpen(Base):
    """Hazards open now in one node, by deadline day and by deadline month
    (``NO_DEADLINE`` when none is set). "Overdue today" reads the month rows before this
    month and the day rows of this month before today."""

    __tablename__ = "hazard_stat_open"
    __table_args__ = ({"sqlite_with_rowid": False},)

    node_path: Mapped[str] = mapped_column(path_type(80), primary_key=True)
    dim: Mapped[str] = mapped_column(String(4), primary_key=True)
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    deadline: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    dim_value: Mapped[str] = mapped_column(String(16), primary_key=True)
    open: Mapped[int] = mapped_column(Integer, default=0)
    open_major: Mapped[int] = mapped_column(Integer, default=0)


class HazardStatMark(Base):
    """What one hazard contributes to the summaries now (dismissed hazards have none)."""

    __tablename__ = "hazard_stat_mark"

    hazard_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    region_path: Mapped[str] = mapped_column(path_type(80))
    division: Mapped[str] = mapped_column(String(2))
    department: Mapped[str] = mapped_column(String(16))
    major: Mapped[int] = mapped_column(SmallInteger)
    found_day: Mapped[dt.date] = mapped_column(Date)
    closed_day: Mapped[dt.date | None] = mapped_column(Date)
    open_deadline: Mapped[dt.date | None] = mapped_column(Date)


class HazardStatDelta(Base):
    """Scratch rows of one refresh: the new marks (+1) and the old ones (-1) of changed
    hazards. Emptied before the refresh's transaction ends."""

    __tablename__ = "hazard_stat_delta"

    hazard_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sign: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    counted: Mapped[int] = mapped_column(SmallInteger)
    region_path: Mapped[str] = mapped_column(path_type(80))
    division: Mapped[str] = mapped_column(String(2))
    department: Mapped[str] = mapped_column(String(16))
    major: Mapped[int] = mapped_column(SmallInteger)
    found_day: Mapped[dt.date] = mapped_column(Date)
    closed_day: Mapped[dt.date | None] = mapped_column(Date)
    open_deadline: Mapped[dt.date | None] = mapped_column(Date)


class HazardStatNode(Base):
    """The nodes a hazard in region ``leaf_path`` counts for: each ancestor region and the
    region itself (the country is the sum of its provinces); ``detail`` marks nodes that
    also keep industry and department rows."""

    __tablename__ = "hazard_stat_node"

    leaf_path: Mapped[str] = mapped_column(path_type(80), primary_key=True)
    node_path: Mapped[str] = mapped_column(path_type(80), primary_key=True)
    detail: Mapped[int] = mapped_column(SmallInteger)


class HazardStatState(Base):
    """One row: how far the summaries have been brought up to date. Refreshes lock it, so
    two never run at once."""

    __tablename__ = "hazard_stat_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    watermark: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    """Start time of the last refresh; the next one re-reads hazards changed since then
    (minus an overlap)."""
    refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rebuilt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
