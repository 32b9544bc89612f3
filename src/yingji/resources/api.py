"""HTTP API for rescue resources: registries, stock, reserve gaps, dispatch."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset
from yingji.errors import invalid
from yingji.resources import circles, dispatch, gaps, registry, roads, stock
from yingji.resources.models import (
    DispatchOrder,
    Equipment,
    Material,
    RescueTeam,
    Warehouse,
)

router = APIRouter(tags=["resources"])

TEAM_FIELDS = ("id", "code", "name", "kind", "size", "skills", "status", "lon", "lat")
EQUIPMENT_FIELDS = (
    "id",
    "code",
    "name",
    "type",
    "quantity",
    "deployed",
    "status",
    "team_id",
    "lon",
    "lat",
)
WAREHOUSE_FIELDS = ("id", "code", "name", "level", "lon", "lat")
MATERIAL_FIELDS = ("id", "code", "name", "unit", "category", "unit_price", "shelf_life_days")
ORDER_FIELDS = (
    "id",
    "code",
    "title",
    "lon",
    "lat",
    "team_id",
    "warehouse_id",
    "equipment_id",
    "units",
    "incident_id",
    "state",
    "eta_minutes",
    "history",
    "created_by",
    "created_at",
)


def _out(record: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(record, f) for f in fields}


def _page(rows: list[Any], total: int, fields: tuple[str, ...]) -> dict[str, Any]:
    return {"items": [_out(r, fields) for r in rows], "total": total}


@router.get("/resources/teams")
def list_teams(
    session: DbSession,
    actor: CurrentActor,
    kind: str | None = None,
    status: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    def where(stmt: Any) -> Any:
        if kind:
            stmt = stmt.where(RescueTeam.kind == kind)
        return stmt.where(RescueTeam.status == status) if status else stmt

    rows, total = registry.listing(
        session, actor, RescueTeam, where=where, limit=limit, offset=offset
    )
    return _page(rows, total, TEAM_FIELDS)


@router.post("/resources/teams", status_code=201)
def create_team(body: dict[str, Any], session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return _out(registry.create_team(session, actor, body), TEAM_FIELDS)


class StatusIn(BaseModel):
    status: str


@router.post("/resources/teams/{team_id}/status")
def team_status(
    team_id: int, body: StatusIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    return _out(registry.set_status(session, actor, RescueTeam, team_id, body.status), TEAM_FIELDS)


@router.get("/resources/equipment")
def list_equipment(
    session: DbSession, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    rows, total = registry.listing(session, actor, Equipment, limit=limit, offset=offset)
    return _page(rows, total, EQUIPMENT_FIELDS)


@router.post("/resources/equipment", status_code=201)
def create_equipment(
    body: dict[str, Any], session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    return _out(registry.create_equipment(session, actor, body), EQUIPMENT_FIELDS)


@router.get("/resources/warehouses")
def list_warehouses(
    session: DbSession, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    rows, total = registry.listing(session, actor, Warehouse, limit=limit, offset=offset)
    return _page(rows, total, WAREHOUSE_FIELDS)


@router.post("/resources/warehouses", status_code=201)
def create_warehouse(
    body: dict[str, Any], session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    return _out(registry.create_warehouse(session, actor, body), WAREHOUSE_FIELDS)


@router.get("/resources/materials")
def list_materials(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    rows = list(session.scalars(select(Material).order_by(Material.code)))
    return _page(rows, len(rows), MATERIAL_FIELDS)


@router.post("/resources/materials", status_code=201)
def create_material(
    body: dict[str, Any], session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    return _out(registry.create_material(session, actor, body), MATERIAL_FIELDS)


class ReceiveIn(BaseModel):
    material_code: str
    quantity: float
    batch: str = ""
    expires_on: dt.date | None = None


@router.post("/resources/warehouses/{warehouse_id}/receive", status_code=201)
def receive(
    warehouse_id: int, body: ReceiveIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    row = stock.receive(
        session,
        actor,
        warehouse_id,
        body.material_code,
        body.quantity,
        batch=body.batch,
        expires_on=body.expires_on,
    )
    return {
        "batch_id": row.id,
        "batch": row.batch,
        "quantity": row.quantity,
        "expires_on": row.expires_on,
    }


@router.get("/resources/stock")
def holdings(
    session: DbSession, actor: CurrentActor, warehouse_id: int | None = None
) -> list[dict[str, Any]]:
    return [
        dataclasses.asdict(line)
        for line in stock.holdings(session, actor, warehouse_id=warehouse_id)
    ]


@router.get("/resources/expiring")
def expiring(
    session: DbSession, actor: CurrentActor, within_days: int = stock.EXPIRY_WARNING_DAYS
) -> list[dict[str, Any]]:
    return [dataclasses.asdict(e) for e in stock.expiring(session, actor, within_days=within_days)]


class StandardIn(BaseModel):
    level: int
    scope: str = gaps.GENERAL
    county_class: int | None = None
    material_code: str | None = None
    quantity: float | None = None
    per_capita: float | None = None
    value_yuan: float | None = None
    source: str | None = None


@router.post("/resources/standards", status_code=201)
def add_standard(body: StandardIn, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    standard = gaps.add_standard(session, actor, **body.model_dump())
    return {"id": standard.id}


@router.get("/resources/gaps")
def gap_report(session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    return [dataclasses.asdict(g) for g in gaps.report(session, actor)]


class RankIn(BaseModel):
    lon: float
    lat: float
    needs: list[dict[str, Any]] = Field(
        description='e.g. [{"kind": "team", "what": "swift_water", "amount": 1}, '
        '{"kind": "material", "what": "TENT", "amount": 500}]'
    )
    mode: str = "road"


@router.post("/resources/dispatch/rank")
def rank(body: RankIn, session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    needs = dispatch.parse_needs(body.needs)
    return [
        dataclasses.asdict(r)
        for r in dispatch.rank(session, actor, body.lon, body.lat, needs, mode=body.mode)
    ]


class OrderIn(BaseModel):
    """Where an order goes and why: the same for teams, equipment and materials."""

    lon: float
    lat: float
    title: str = Field(max_length=200)
    mode: str = "road"
    incident_id: int | None = Field(None, description="the incident the order serves")

    def where(self) -> dict[str, Any]:
        return self.model_dump(include={"lon", "lat", "title", "mode", "incident_id"})


class TeamOrderIn(OrderIn):
    team_id: int


@router.post("/resources/dispatch/teams", status_code=201)
def send_team(body: TeamOrderIn, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    order = dispatch.send_team(session, actor, body.team_id, **body.where())
    return _out(order, ORDER_FIELDS)


class EquipmentOrderIn(OrderIn):
    equipment_id: int
    units: int = Field(ge=1)


@router.post("/resources/dispatch/equipment", status_code=201)
def send_equipment(
    body: EquipmentOrderIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    order = dispatch.send_equipment(session, actor, body.equipment_id, body.units, **body.where())
    return _out(order, ORDER_FIELDS)


class MaterialOrderIn(OrderIn):
    warehouse_id: int
    items: list[dict[str, Any]] = Field(description='[{"material_code": "TENT", "quantity": 50}]')


@router.post("/resources/dispatch/materials", status_code=201)
def send_materials(
    body: MaterialOrderIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    order = dispatch.send_materials(session, actor, body.warehouse_id, body.items, **body.where())
    out = _out(order, ORDER_FIELDS)
    out["lines"] = [
        {"batch_id": ln.batch_id, "material_id": ln.material_id, "quantity": ln.quantity}
        for ln in order.lines
    ]
    return out


@router.get("/resources/dispatch/orders")
def list_orders(
    session: DbSession, actor: CurrentActor, active: bool = False
) -> list[dict[str, Any]]:
    return [_out(o, ORDER_FIELDS) for o in dispatch.orders(session, actor, active_only=active)]


class StateIn(BaseModel):
    state: str


@router.post("/resources/dispatch/orders/{order_id}/state")
def advance(
    order_id: int, body: StateIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    order: DispatchOrder = dispatch.advance(session, actor, order_id, body.state)
    return _out(order, ORDER_FIELDS)


@router.get("/resources/roads")
def road_network(actor: CurrentActor) -> dict[str, Any]:
    """The imported road network travel times follow, or ``imported: false``."""
    info = roads.summary()
    return {"imported": info is not None, **(info or {})}


@router.post("/resources/roads", status_code=201)
async def import_roads(
    actor: CurrentActor, file: UploadFile = File(description=".geojson/.json or OSM .osm/.pbf")
) -> dict[str, Any]:
    roads.import_upload(actor, file.filename or "", await file.read())
    return {"imported": True, **(roads.summary() or {})}


@router.delete("/resources/roads")
def clear_roads(actor: CurrentActor) -> dict[str, Any]:
    return {"cleared": roads.clear(actor)}


@router.get("/resources/coverage")
def coverage_report(
    session: DbSession,
    actor: CurrentActor,
    mode: str = "road",
    thresholds: str = "5,10,30",
    kinds: str = "fire_station",
) -> dict[str, Any]:
    """Response circles of the actor's region: people and risk points within each threshold."""
    try:
        limits = [float(t) for t in thresholds.split(",") if t.strip()]
    except ValueError as exc:
        raise invalid("thresholds", "阈值为逗号分隔的分钟数 / comma-separated minutes") from exc
    chosen = [k.strip() for k in kinds.split(",") if k.strip()]
    return circles.report(session, actor, mode=mode, thresholds=limits, kinds=chosen)


@router.get("/resources/coverage/sites")
def suggest_sites(
    session: DbSession,
    actor: CurrentActor,
    threshold: float = 10.0,
    p: int = 3,
    mode: str = "road",
    kinds: str = "fire_station",
) -> dict[str, Any]:
    """Where new stations would add the most people within ``threshold`` minutes (MCLP)."""
    chosen = [k.strip() for k in kinds.split(",") if k.strip()]
    return circles.suggest_sites(
        session, actor, threshold_minutes=threshold, p=p, mode=mode, kinds=chosen
    )
