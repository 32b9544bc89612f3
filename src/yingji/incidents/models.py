"""Incidents (突发事件), what happened to them (the timeline), their upward reports
(首报、逐级上报、续报) and the duty desk's log (值班日志).

An incident lives in a region (``region_id`` and ``region_path``, so a subtree is one index
range) at a point. Its figures (dead, missing, injured...) are the current best totals; each
report freezes the figures it carried, so the reports are the casualty time series.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, path_type, utcnow


class IncidentStatus(StrEnum):
    open = "open"  # 已接报
    responding = "responding"  # 响应中（已启动响应）
    closed = "closed"  # 已结束


class IncidentSource(StrEnum):
    duty_call = "duty_call"  # 值班接报
    quick_report = "quick_report"  # 灾情速报
    alarm = "alarm"  # 监测报警
    quake = "quake"  # 地震速报评估
    other = "other"


FIGURES = ("dead", "missing", "injured", "seriously_injured", "trapped", "affected")
"""The casualty and impact counts every incident and report carries."""


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    type_code: Mapped[str] = mapped_column(String(40), index=True)
    """A row of ``data/incident_types.csv`` (e.g. ``flood``, ``mine``, ``road_traffic``)."""
    category: Mapped[str] = mapped_column(String(20))
    """natural / accident / public_health / social_safety (the four classes of the law)."""
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    place: Mapped[str | None] = mapped_column(String(300))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(400), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    """When the duty desk learnt of it: the reporting clock starts here."""
    source: Mapped[str] = mapped_column(String(20), default=IncidentSource.duty_call)
    source_ref: Mapped[str | None] = mapped_column(String(80), unique=True)
    """What it came from (``quake:12``, ``alarm:5``): one incident per source event."""
    status: Mapped[str] = mapped_column(String(16), default=IncidentStatus.open, index=True)
    dead: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    injured: Mapped[int] = mapped_column(Integer, default=0)
    seriously_injured: Mapped[int] = mapped_column(Integer, default=0)
    trapped: Mapped[int] = mapped_column(Integer, default=0)
    affected: Mapped[int] = mapped_column(Integer, default=0)
    direct_loss_yuan: Mapped[float] = mapped_column(Float, default=0.0)
    figures_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    """When casualty figures last changed after intake: a follow-up report (续报) is owed."""
    damage: Mapped[str | None] = mapped_column(Text)
    grade: Mapped[int | None] = mapped_column(Integer)
    """Computed grade 1 (especially major / level I) … 4 (general / level IV)."""
    grade_basis: Mapped[str | None] = mapped_column(String(200))
    """What decided the grade (e.g. ``dead=12 ≥ 10``)."""
    response_level: Mapped[int | None] = mapped_column(Integer)
    """The response level declared (1 = level I … 4 = level IV); None before a declaration."""
    perimeter: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The affected area as a GeoJSON geometry, when drawn."""
    summary: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(
            "dead >= 0 AND missing >= 0 AND injured >= 0", name="incident_casualties_nonneg"
        ),
        CheckConstraint(
            "seriously_injured >= 0 AND trapped >= 0 AND affected >= 0",
            name="incident_people_nonneg",
        ),
        CheckConstraint("direct_loss_yuan >= 0", name="incident_loss_nonneg"),
        CheckConstraint("grade IS NULL OR grade BETWEEN 1 AND 4", name="incident_grade_range"),
        CheckConstraint(
            "response_level IS NULL OR response_level BETWEEN 1 AND 4",
            name="incident_level_range",
        ),
    )


class IncidentEvent(Base):
    """One line of an incident's timeline: a report, a grade change, a task, a dispatch, a
    warning, a quick report... with the facts it carried in ``data``."""

    __tablename__ = "incident_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (Index("ix_incident_event_incident_at", "incident_id", "at"),)


class ReportKind(StrEnum):
    first = "first"  # 首报（报县级）
    upward = "upward"  # 逐级上报
    follow_up = "follow_up"  # 续报
    final = "final"  # 终报


class IncidentReport(Base):
    """A report of the incident to a level (county 3, city 2, province 1, State Council 0),
    with the figures it gave."""

    __tablename__ = "incident_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    to_level: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    figures: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """``FIGURES`` and ``direct_loss_yuan`` as reported."""
    text: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(100))


class DutyLogKind(StrEnum):
    call = "call"  # 来电接报
    handover = "handover"  # 交接班
    note = "note"  # 值班记录


class DutyLog(Base):
    """The duty desk's log: calls taken, handovers, notes; scoped like incidents."""

    __tablename__ = "duty_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(path_type(400), index=True)
    caller: Mapped[str | None] = mapped_column(String(100))
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("duty_shift.id", ondelete="SET NULL"))
    by: Mapped[str] = mapped_column(String(100))
