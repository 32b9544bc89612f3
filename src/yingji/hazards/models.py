"""The hazard register and its timeline.

A hazard carries copies of the facts statistics group by (region path, industry,
supervising department) so the dashboard can roll a province up with index range scans
instead of joins; the service keeps the copies in step on report and transfer.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, path_type, utcnow

TARGET_KIND = "hazard"


class HazardState(StrEnum):
    reported = "reported"  # 已上报
    confirmed = "confirmed"  # 已确认
    assigned = "assigned"  # 已交办
    rectifying = "rectifying"  # 整改中
    suspended = "suspended"  # 停产整改
    submitted = "submitted"  # 待验收
    verified = "verified"  # 已验收
    closed = "closed"  # 已销号
    dismissed = "dismissed"  # 不予认定


OPEN_STATES = frozenset(
    {
        HazardState.reported,
        HazardState.confirmed,
        HazardState.assigned,
        HazardState.rectifying,
        HazardState.suspended,
        HazardState.submitted,
        HazardState.verified,
    }
)
"""States in which a hazard still threatens someone (verified waits only for 销号)."""

STATE_LABELS = {
    "reported": "已上报",
    "confirmed": "已确认",
    "assigned": "已交办",
    "rectifying": "整改中",
    "suspended": "停产整改",
    "submitted": "待验收",
    "verified": "已验收",
    "closed": "已销号",
    "dismissed": "不予认定",
}


class HazardGrade(StrEnum):
    general = "general"  # 一般隐患
    major = "major"  # 重大隐患


GRADE_LABELS = {"general": "一般隐患", "major": "重大隐患"}
GRADE_HEX = {"general": "#fb8c00", "major": "#e53935", None: "#9e9e9e"}


class HazardSource(StrEnum):
    inspection = "inspection"  # 监管检查
    patrol = "patrol"  # 网格巡查
    self_check = "self_check"  # 企业自查
    whistle = "whistle"  # 群众举报
    manual = "manual"  # 直接登记


SOURCE_LABELS = {
    "inspection": "监管检查",
    "patrol": "网格巡查",
    "self_check": "企业自查",
    "whistle": "群众举报",
    "manual": "直接登记",
}


class Hazard(Base):
    __tablename__ = "hazard"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    """YH + date found + id, given on report."""
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=HazardState.reported.value)
    grade: Mapped[str | None] = mapped_column(String(16))
    criterion: Mapped[str | None] = mapped_column(String(300))
    """For a major hazard: the official criterion it meets (判定依据), e.g. a clause of 121号."""
    source: Mapped[str] = mapped_column(String(16), default=HazardSource.manual.value)

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(80))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    """The enterprise's organisation, so enterprise users are filtered like everywhere else."""
    risk_point_id: Mapped[int | None] = mapped_column(ForeignKey("risk_point.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    """Supervising department (三管三必须)."""
    industry_code: Mapped[str | None] = mapped_column(String(4))
    inspection_id: Mapped[int | None] = mapped_column(index=True)
    checklist_item_id: Mapped[int | None]
    """The checklist item the finding failed, for spotting a hazard re-found after closure."""
    lon: Mapped[float | None]
    lat: Mapped[float | None]

    found_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    """Rectification owner (整改责任人)."""
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    measures: Mapped[str | None] = mapped_column(Text)
    funds_wan: Mapped[float | None]
    """Rectification funds in 万元."""
    contingency_plan: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reported_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    """When a major hazard was reported to the upper level (双报告)."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_hazard_state_deadline", "state", "deadline"),)
    """Subtree indexes on ``region_path`` serve the statistics and live in ``yingji.stats``."""


class HazardEvent(Base):
    """One step of a hazard's timeline: who did what, when, from which state to which."""

    __tablename__ = "hazard_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazard.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The fields this step set, e.g. grade and criterion, or owner and deadline."""
