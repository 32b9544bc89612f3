"""Rescue forces and reserves: teams, their equipment, warehouses and the stock in them,
reserve standards, and dispatch orders.

Every record lives in a region (``region_id`` and its ``region_path``, so a subtree is one
index range) and at a point (lon/lat) from which travel times are measured. Stock is kept
per batch (warehouse × material × batch), because expiry dates differ by batch and an
allocation must never take a batch below zero.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yingji.db import Base, JSONType, UTCDateTime, path_type, utcnow


class TeamKind(StrEnum):
    national = "national"  # 国家综合性消防救援队伍（总队/支队）
    fire_station = "fire_station"  # 消防救援站
    forest_fire = "forest_fire"  # 森林消防
    professional = "professional"  # 专业救援队（矿山、危化、水上、山地…）
    industry = "industry"  # 行业救援队（电力、通信、交通…）
    county = "county"  # 区县综合应急救援队
    township = "township"  # 乡镇（街道）应急队
    village = "village"  # 村（社区）应急分队
    social = "social"  # 社会应急力量


TEAM_KIND_LABELS = {
    "national": "国家综合性消防救援队伍",
    "fire_station": "消防救援站",
    "forest_fire": "森林消防队伍",
    "professional": "专业救援队伍",
    "industry": "行业救援队伍",
    "county": "区县综合应急救援队伍",
    "township": "乡镇（街道）应急队伍",
    "village": "村（社区）应急分队",
    "social": "社会应急力量",
}


class ResourceStatus(StrEnum):
    available = "available"  # 待命
    deployed = "deployed"  # 执行任务
    resting = "resting"  # 休整
    maintenance = "maintenance"  # 维修（装备）


STATUS_LABELS = {
    "available": "待命",
    "deployed": "执行任务",
    "resting": "休整",
    "maintenance": "维修",
}


class RescueTeam(Base):
    __tablename__ = "rescue_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer, default=0)
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """Skill codes (e.g. ``swift_water``, ``hazmat``, ``mine``, ``mountain``, ``fire``)."""
    status: Mapped[str] = mapped_column(String(16), default=ResourceStatus.available)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(400), index=True)
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("size >= 0", name="team_size_nonneg"),)


class Equipment(Base):
    """A vehicle, aircraft or piece of equipment (装备): one row per unit or per identical lot
    (``quantity``), kept by a team or a warehouse."""

    __tablename__ = "equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    """e.g. ``fire_engine``, ``water_tender``, ``rescue_boat``, ``helicopter``, ``pump``."""
    capability: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    deployed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Units of the lot out on dispatch orders; ``quantity - deployed`` can be sent."""
    status: Mapped[str] = mapped_column(String(16), default=ResourceStatus.available)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("rescue_team.id"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(400), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("deployed >= 0 AND deployed <= quantity", name="equipment_deployed_range"),
    )

    @property
    def free_units(self) -> int:
        return self.quantity - self.deployed


class Warehouse(Base):
    """A reserve store (储备库) at any level, from the city depot to a village point."""

    __tablename__ = "warehouse"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    """The region level it serves: 2 city, 3 county, 4 township, 5 village."""
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(400), index=True)
    keeper_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Material(Base):
    """The material catalogue (物资目录): what is stocked, its unit and reference price."""

    __tablename__ = "material"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    unit_price: Mapped[float] = mapped_column(Float, default=0.0)
    """Reference price in yuan, for reserve values and gap reports."""
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)


class StockBatch(Base):
    """A quantity of one material in one warehouse from one batch."""

    __tablename__ = "stock_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(
        ForeignKey("warehouse.id", ondelete="CASCADE"), index=True
    )
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    batch: Mapped[str] = mapped_column(String(60), default="")
    quantity: Mapped[float] = mapped_column(Float)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("quantity >= 0", name="stock_nonneg"),)


class ReserveStandard(Base):
    """A reserve norm (储备标准): for regions of ``level`` (and, for counties, ``county_class``)
    keep either ``quantity`` of a material, ``per_capita`` of it per resident, or stock worth
    ``value_yuan`` in total (``material_id`` empty) for a hazard ``scope`` (e.g. flood)."""

    __tablename__ = "reserve_standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_path: Mapped[str] = mapped_column(path_type(400), index=True)
    """The subtree the norm is set for (the setting bureau's region)."""
    scope: Mapped[str] = mapped_column(String(40), default="general")
    level: Mapped[int] = mapped_column(Integer)
    county_class: Mapped[int | None] = mapped_column(Integer)
    material_id: Mapped[int | None] = mapped_column(ForeignKey("material.id"))
    quantity: Mapped[float | None] = mapped_column(Float)
    per_capita: Mapped[float | None] = mapped_column(Float)
    value_yuan: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)


class RegionClass(Base):
    """The reserve class of a county (一类/二类/三类县), which selects its standards."""

    __tablename__ = "region_reserve_class"

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), primary_key=True)
    county_class: Mapped[int] = mapped_column(Integer)


class OrderState(StrEnum):
    issued = "issued"  # 已下达
    acknowledged = "acknowledged"  # 已接收
    en_route = "en_route"  # 出发途中
    arrived = "arrived"  # 已到达
    released = "released"  # 已解除
    cancelled = "cancelled"  # 已撤销


class DispatchOrder(Base):
    """An order sending one team, units of one equipment lot, or materials from one warehouse
    to an incident location."""

    __tablename__ = "dispatch_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("rescue_team.id"), index=True)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse.id"), index=True)
    equipment_id: Mapped[int | None] = mapped_column(ForeignKey("equipment.id"), index=True)
    units: Mapped[int | None] = mapped_column(Integer)
    """Equipment units sent by the order (with ``equipment_id``)."""
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), index=True
    )
    """The incident the order serves, when it was sent from one (its timeline shows it)."""
    direct_id: Mapped[int | None] = mapped_column(ForeignKey("direct_message.id"))
    """The call to the team's contact (SMS, voice, inbox); answering it acknowledges."""
    state: Mapped[str] = mapped_column(String(16), default=OrderState.issued)
    eta_minutes: Mapped[float | None] = mapped_column(Float)
    region_path: Mapped[str] = mapped_column(path_type(400), index=True)
    """Path of the region of the incident location: who sees the order."""
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan"
    )


class OrderLine(Base):
    """Material taken from a stock batch by an order."""

    __tablename__ = "dispatch_order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("dispatch_order.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[int] = mapped_column(ForeignKey("stock_batch.id"))
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"))
    quantity: Mapped[float] = mapped_column(Float)

    order: Mapped[DispatchOrder] = relationship(back_populates="lines")
