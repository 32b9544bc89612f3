"""Risk points (风险点), keyed by ``code``: CSV, XLSX or a GeoJSON FeatureCollection whose
properties carry the same columns.

Checking and writing live in :mod:`yingji.risk.service` (the API's bulk upsert uses them
too); this module maps the sheet's columns and streams the export. A point is written as
lon/lat with an empty geometry cell, a polygon as WKT, so an export re-imports unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.io.tabular import Column
from yingji.regions.models import Region
from yingji.risk import service
from yingji.risk.models import LEVEL_LABELS, STATUS_LABELS, RiskCategory, RiskPoint
from yingji.upsert import Counts, Errors, Plan

NAME = "risk_points"
LABEL = "风险点"
ENTITY = "risk_point"

COLUMNS: tuple[Column, ...] = (
    Column(
        "code", "编码", True, "FX-500101-0001", "风险点编码，唯一 / unique code", ("风险点编码",)
    ),
    Column("name", "名称", True, "某村滑坡", "风险点名称 / name", ("风险点名称",)),
    Column(
        "category",
        "类别",
        True,
        "landslide",
        "类别编码或中文名称，如 landslide 或 滑坡 / category code or Chinese name",
        ("风险类别", "类型"),
    ),
    Column(
        "level",
        "风险等级",
        True,
        "较大",
        "重大/较大/一般/低 或 major/large/general/low",
        ("等级",),
    ),
    Column("lon", "经度", False, "108.38", "经度（无几何时必填）/ longitude, if no geometry"),
    Column("lat", "纬度", False, "30.81", "纬度（无几何时必填）/ latitude, if no geometry"),
    Column(
        "geometry",
        "几何",
        False,
        "",
        "点或面，WKT 或 GeoJSON；填写后忽略经纬度 / Point or Polygon as WKT or GeoJSON; "
        "when given, lon/lat are derived from it",
        ("范围", "边界", "wkt"),
    ),
    Column(
        "threatened_people",
        "威胁人数",
        False,
        "120",
        "受威胁人数 / people threatened",
        ("威胁人口",),
    ),
    Column(
        "threatened_property_wan",
        "威胁财产（万元）",
        False,
        "800",
        "受威胁财产，万元 / property threatened, 10,000 yuan",
        ("威胁财产",),
    ),
    Column(
        "status",
        "状态",
        False,
        "在册",
        "在册/监测中/已销号 或 active/monitoring/removed（默认在册）/ default active",
    ),
    Column("note", "备注", False, "", "备注 / note", ("说明",)),
)


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row; the region of each point is derived from where it lies."""
    return service.plan_upsert(session, actor, rows)


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    return service.apply_upsert(session, plan)


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """Risk points in ``root_path`` (already checked against the actor), streamed."""
    stmt = (
        select(
            RiskPoint.code,
            RiskPoint.name,
            RiskCategory.code,
            RiskPoint.level,
            RiskPoint.lon,
            RiskPoint.lat,
            RiskPoint.geometry,
            RiskPoint.threatened_people,
            RiskPoint.threatened_property_wan,
            RiskPoint.status,
            RiskPoint.note,
        )
        .join(RiskCategory, RiskCategory.id == RiskPoint.category_id)
        .join(Region, Region.id == RiskPoint.region_id)
        .where(Region.path.startswith(root_path, autoescape=True))
        .order_by(RiskPoint.id)
    )
    if actor.role == UserRole.enterprise_user:
        stmt = stmt.where(False)
    result = session.execute(stmt.execution_options(yield_per=5000))
    for code, name, category, level, lon, lat, wkb, people, wan, status, note in result:
        geom = shapely.from_wkb(bytes(wkb))
        wkt = "" if geom.geom_type == "Point" else shapely.to_wkt(geom, rounding_precision=-1)
        yield (
            code,
            name,
            category,
            LEVEL_LABELS.get(level, level),
            lon,
            lat,
            wkt,
            people,
            wan,
            STATUS_LABELS.get(status, status),
            note,
        )
