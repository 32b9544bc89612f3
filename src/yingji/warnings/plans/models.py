"""Response plans (一行业一措施、一乡镇一方案) and their versions.

A plan belongs to a region (a county bureau's plan covers its county); its rules are
stored per version and a version is never changed once written, so every instruction can
point at the exact rules that called it. Editing a plan writes the next version.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, path_type, utcnow


class PlanStatus(StrEnum):
    draft = "draft"  # 草稿 (dry runs only)
    active = "active"  # 启用
    retired = "retired"  # 停用


class ResponsePlan(Base):
    __tablename__ = "response_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(400))
    status: Mapped[str] = mapped_column(String(16), default=PlanStatus.draft)
    version: Mapped[int] = mapped_column(default=1)
    """The current version's number."""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PlanVersion(Base):
    """One immutable version of a plan's rules (see ``plans.schemas.Rule``)."""

    __tablename__ = "response_plan_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("response_plan.id", ondelete="CASCADE"))
    version: Mapped[int]
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    comment: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_plan_version"),)
