"""Risk categories and risk points (风险点).

A risk point's region is derived from its geometry, never typed in, so a point cannot be
filed under a township it does not lie in. ``lon``/``lat`` is the representative point
(the point itself, or a point inside the polygon) used for region look-up and map markers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from enum import StrEnum
from importlib import resources

from sqlalchemy import Boolean, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, UTCDateTime, utcnow

TARGET_KIND = "risk_point"
"""The assignment target kind: persons answer for a risk point by role (点线面: admin,
technical, monitoring) through ``yingji.people`` assignments."""


class RiskLevel(StrEnum):
    """The four-colour risk grading (四色分级)."""

    major = "major"  # 重大风险, red
    large = "large"  # 较大风险, orange
    general = "general"  # 一般风险, yellow
    low = "low"  # 低风险, blue


LEVEL_LABELS = {"major": "重大", "large": "较大", "general": "一般", "low": "低"}
LEVEL_COLOURS = {"major": "red", "large": "orange", "general": "yellow", "low": "blue"}
LEVEL_HEX = {"major": "#e53935", "large": "#fb8c00", "general": "#fdd835", "low": "#1e88e5"}


class RiskStatus(StrEnum):
    active = "active"  # 在册
    monitoring = "monitoring"  # 监测中
    removed = "removed"  # 已销号 (kept for the record, no longer a risk)


STATUS_LABELS = {"active": "在册", "monitoring": "监测中", "removed": "已销号"}


class CategoryGroup(StrEnum):
    natural = "natural"  # 自然灾害
    production = "production"  # 安全生产
    urban = "urban"  # 城市与消防安全


GROUP_LABELS = {"natural": "自然灾害", "production": "安全生产", "urban": "城市与消防安全"}


class RiskCategory(Base):
    """One class of the taxonomy; seeded from ``data/categories.csv``, then edited in use."""

    __tablename__ = "risk_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str] = mapped_column(String(100))
    group: Mapped[str] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RiskPoint(Base):
    """A place that can hurt people: category, level, geometry, derived region, exposure."""

    __tablename__ = "risk_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(ForeignKey("risk_category.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    geometry: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    """WKB in WGS 84: a Point, Polygon or MultiPolygon."""
    lon: Mapped[float]
    lat: Mapped[float]
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    threatened_people: Mapped[int] = mapped_column(default=0)
    threatened_property_wan: Mapped[float] = mapped_column(default=0.0)
    """Threatened property in 万元 (10,000 yuan)."""
    status: Mapped[str] = mapped_column(String(16), default=RiskStatus.active.value)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_risk_point_level_status", "level", "status"),)


def default_categories() -> list[dict[str, str]]:
    """The packaged default taxonomy, as rows of the CSV (the migration seeds these)."""
    text = resources.files("yingji.risk").joinpath("data/categories.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))
