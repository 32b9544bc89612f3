"""The warning register (预警) and the regions each warning's area covers.

A warning keeps its CAP envelope (identifier, sender, sent, references) next to the fields
Yingji works with (category, level, stage), so every stored warning exports as CAP 1.2 and
an incoming Update or Cancel finds the warning it refers to by (sender, identifier).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, path_type, utcnow

CATEGORY_LABELS = {
    "rainstorm": "暴雨",
    "flood": "洪水",
    "geological": "地质灾害",
    "typhoon": "台风",
    "forest_fire": "森林火险",
    "earthquake": "地震",
    "snow": "暴雪",
    "gale": "大风",
    "heat": "高温",
    "cold_wave": "寒潮",
    "drought": "干旱",
    "hail": "冰雹",
    "thunderstorm": "雷电",
    "fog": "大雾",
    "hazardous_chemical": "危险化学品",
    "other": "其他",
}
"""Hazard categories with their Chinese names (also the CAP ``event`` text on export)."""

LEVEL_NAMES = {1: "red", 2: "orange", 3: "yellow", 4: "blue"}
LEVEL_LABELS = {1: "红色", 2: "橙色", 3: "黄色", 4: "蓝色"}
"""Warning levels: 1 is red, the most severe (glossary: level 4..1)."""
LEVEL_BY_NAME = {name: level for level, name in LEVEL_NAMES.items()}


class Stage(StrEnum):
    """分段: how close the hazard is; the response steps up stage by stage."""

    outlook = "outlook"  # 展望
    forecast = "forecast"  # 预报
    nowcast = "nowcast"  # 临近预报
    imminent = "imminent"  # 临灾预警


STAGE_LABELS = {"outlook": "展望", "forecast": "预报", "nowcast": "临近", "imminent": "临灾"}


class WarningStatus(StrEnum):
    active = "active"  # 生效
    updated = "updated"  # 已更新 (superseded by a later Update)
    cancelled = "cancelled"  # 已解除
    expired = "expired"  # 已过期 (derived from valid_until, never stored)


STATUS_LABELS = {"active": "生效", "updated": "已更新", "cancelled": "已解除", "expired": "已过期"}


class EarlyWarning(Base):
    """One warning. ``area`` holds the CAP shapes as given (``polygons`` rings of [lon, lat],
    ``circles`` [lon, lat, radius_km], ``region_codes``); ``geometry`` is their union as WKB.

    ``key_period`` (降标提级): during a key period the response starts one stage earlier and
    one level higher than the rules for this warning's stage and level would start it.
    """

    __tablename__ = "warning"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    level: Mapped[int]
    stage: Mapped[str] = mapped_column(String(16))
    key_period: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=WarningStatus.active)
    area_desc: Mapped[str] = mapped_column(String(500))
    area: Mapped[dict[str, Any]] = mapped_column(JSONType)
    geometry: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    authority: Mapped[str] = mapped_column(String(200))
    headline: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    instruction: Mapped[str | None] = mapped_column(Text)
    # CAP envelope
    identifier: Mapped[str] = mapped_column(String(200))
    sender: Mapped[str] = mapped_column(String(200))
    sent: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    msg_type: Mapped[str] = mapped_column(String(16), default="Alert")
    cap_status: Mapped[str] = mapped_column(String(16), default="Actual")
    cap_scope: Mapped[str] = mapped_column(String(16), default="Public")
    urgency: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    certainty: Mapped[str] = mapped_column(String(16))
    references: Mapped[list[list[str]]] = mapped_column(JSONType, default=list)
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("warning.id", ondelete="RESTRICT"), index=True
    )
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16), default="api")  # api / cap
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("sender", "identifier", name="uq_warning_sender_identifier"),
        Index("ix_warning_status_until", "status", "valid_until"),
    )


class WarningRegion(Base):
    """A region a warning covers (given by code, or a county its shapes overlap), with the
    region's path copied so scope is one prefix match without a join."""

    __tablename__ = "warning_region"

    warning_id: Mapped[int] = mapped_column(
        ForeignKey("warning.id", ondelete="CASCADE"), primary_key=True
    )
    region_id: Mapped[int] = mapped_column(
        ForeignKey("region.id", ondelete="RESTRICT"), primary_key=True
    )
    path: Mapped[str] = mapped_column(path_type(400))

    __table_args__ = (Index("ix_warning_region_path", "path"),)
