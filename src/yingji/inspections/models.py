"""Checklist templates (versioned), inspection schedules, inspections and their results.

A template version is never changed once written: editing a template writes a new version
with new item rows, so a finished inspection's results keep pointing at the items (and
clauses) it was made with.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, UTCDateTime, path_type, utcnow


class InspectionKind(StrEnum):
    regulatory = "regulatory"  # 监管检查
    patrol = "patrol"  # 网格巡查
    self_check = "self_check"  # 企业自查


KIND_LABELS = {"regulatory": "监管检查", "patrol": "网格巡查", "self_check": "企业自查"}
KIND_SOURCE = {"regulatory": "inspection", "patrol": "patrol", "self_check": "self_check"}
"""The hazard source (``HazardSource``) of a hazard an inspection of each kind finds."""


class InspectionState(StrEnum):
    draft = "draft"  # 检查中
    submitted = "submitted"  # 已提交 (results frozen)


STATE_LABELS = {"draft": "检查中", "submitted": "已提交"}


class ItemResult(StrEnum):
    passed = "pass"  # 符合
    failed = "fail"  # 不符合
    not_applicable = "na"  # 不适用


RESULT_LABELS = {"pass": "符合", "fail": "不符合", "na": "不适用"}


class TargetKind(StrEnum):
    enterprise = "enterprise"
    risk_point = "risk_point"


class ChecklistTemplate(Base):
    """One version of a checklist; ``(code, version)`` is unique, the highest version is used
    for new inspections."""

    __tablename__ = "checklist_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int]
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    """The official document the items rest on."""
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("code", "version"),)


class ChecklistItem(Base):
    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_template.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    position: Mapped[int]
    section: Mapped[str | None] = mapped_column(String(100))
    text_zh: Mapped[str] = mapped_column(String(500))
    text_en: Mapped[str] = mapped_column(String(500), default="")
    clause: Mapped[str] = mapped_column(String(200))
    """The clause of the source, e.g. ``121号 第3项``; becomes the hazard's cited criterion."""
    major: Mapped[bool] = mapped_column(Boolean, default=True)
    """A failure alone meets the source's major-hazard criterion."""

    __table_args__ = (UniqueConstraint("template_id", "code"),)


class InspectionSchedule(Base):
    """ "Inspect every N days" for the places under a region that match a risk-point category
    and/or a risk grade (enterprise risk grade, or risk-point level)."""

    __tablename__ = "inspection_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    target_kind: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(80))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("risk_category.id"))
    grade: Mapped[str | None] = mapped_column(String(16))
    interval_days: Mapped[int]
    kind: Mapped[str | None] = mapped_column(String(16))
    """Only inspections of this kind count; None: any kind."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Inspection(Base):
    """One visit to one place against one template version."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    """JC + date + id, given on creation."""
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    unannounced: Mapped[bool] = mapped_column(Boolean, default=False)
    """四不两直: not announced, no greeting, no briefing, no escort; straight to the site."""
    state: Mapped[str] = mapped_column(String(16), default=InspectionState.draft.value)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    risk_point_id: Mapped[int | None] = mapped_column(ForeignKey("risk_point.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(path_type(80))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    """The enterprise's organisation, so enterprise users are filtered like everywhere else."""
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    inspector_name: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    """Where the inspector stood (GPS), when known."""
    note: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    hazard_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_inspection_region_path_started", "region_path", "started_at"),
        Index("ix_inspection_state_finished", "state", "finished_at"),
    )


class InspectionResult(Base):
    """The answer for one item; a row per item exists from creation with ``result`` None."""

    __tablename__ = "inspection_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id"))
    result: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazard.id"))
    """The hazard a failed item became when the inspection was finished."""
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("inspection_id", "item_id"),)
