"""Helpers the one-map tests import by name (a module, not ``conftest``): an incident made
straight through the model near 万州, the records around it, and independent counts of
what the demo holds in a box, so the layers are checked against plain SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.bbox import BBox
from yingji.db import utcnow
from yingji.hazards.models import OPEN_STATES, Hazard
from yingji.incidents.flow_models import Task, TaskStatus
from yingji.incidents.models import Incident
from yingji.incidents.quick_models import QuickReport, QuickReportStatus
from yingji.quake import service as quake
from yingji.quake.source import Event
from yingji.regions import geo
from yingji.regions.models import Region
from yingji.regions.paths import under
from yingji.resources.models import (
    DispatchOrder,
    Equipment,
    Material,
    OrderState,
    RescueTeam,
    StockBatch,
    Warehouse,
)
from yingji.risk.models import RiskPoint
from yingji.risk.service import locate
from yingji.warnings.models import EarlyWarning, WarningStatus

WANZHOU = (108.41, 30.81)
"""A point in 万州区 (in the demo's 溪口镇, twp2_operator's township)."""
ZHONGHE = (108.50, 30.62)
"""A point in 中和街道 (twp_operator's township), inside the default box around WANZHOU."""
YUZHONG = (106.55, 29.56)
"""A point in 渝中区, far from 万州."""
XIKOU_PATH = "/500000/500101/500101002/"
ZHONGHE_PATH = "/500000/500101/500101001/"


def actor(session: Session, username: str) -> Actor:
    return actor_for(session, session.scalar(select(User).where(User.username == username)))


def place(session: Session, lon: float, lat: float) -> tuple[int, str]:
    ids, paths = locate(session, [lon], [lat])
    assert ids[0] >= 0 and paths[0], (lon, lat)
    return int(ids[0]), str(paths[0])


def make_incident(session: Session, code: str, lon: float, lat: float, **extra: Any) -> Incident:
    """An incident written straight through the model (no grading, no reports)."""
    region_id, path = place(session, lon, lat)
    now = extra.pop("now", utcnow())
    incident = Incident(
        code=code,
        title=extra.pop("title", f"一张图测试事件 {code}"),
        type_code=extra.pop("type_code", "flood"),
        category=extra.pop("category", "natural"),
        lon=lon,
        lat=lat,
        region_id=region_id,
        region_path=path,
        occurred_at=now,
        received_at=now,
        created_by="test",
        **extra,
    )
    session.add(incident)
    session.flush()
    return incident


def square(lon: float, lat: float, half: float) -> dict[str, Any]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Scene:
    """The records the tests look for, by id."""

    incident: int
    other: int
    quake_incident: int
    team_xikou: int
    team_zhonghe: int
    team_far: int
    warehouse: int
    order: int
    order_cancelled: int
    order_other: int
    report_xikou: int
    report_zhonghe: int


def _team(session: Session, code: str, lon: float, lat: float, status: str = "available") -> int:
    region_id, path = place(session, lon, lat)
    team = RescueTeam(
        code=code,
        name=f"一张图测试队 {code}",
        kind="professional",
        size=12,
        skills=["swift_water"],
        status=status,
        lon=lon,
        lat=lat,
        region_id=region_id,
        region_path=path,
    )
    session.add(team)
    session.flush()
    return team.id


def _order(session: Session, code: str, incident: Incident | None, team_id: int, state: str) -> int:
    assert incident is not None
    order = DispatchOrder(
        code=code,
        title=f"调度 {code}",
        lon=incident.lon,
        lat=incident.lat,
        team_id=team_id,
        incident_id=incident.id,
        state=state,
        eta_minutes=18.5,
        region_path=incident.region_path,
        history=[],
        created_by="test",
    )
    session.add(order)
    session.flush()
    return order.id


def build_scene(session: Session) -> Scene:
    """Incident A near 万州 with a perimeter, tasks, dispatch orders and quick reports;
    incident B in 中和街道; teams in each township and one far away; a stocked warehouse."""
    now = utcnow()
    lon, lat = WANZHOU
    inc = make_incident(session, "OM-A", lon, lat, perimeter=square(lon, lat, 0.02))
    other = make_incident(session, "OM-B", *ZHONGHE)
    team_xikou = _team(session, "OM-T1", lon + 0.01, lat + 0.01)
    team_zhonghe = _team(session, "OM-T2", ZHONGHE[0], ZHONGHE[1] + 0.01, status="deployed")
    team_far = _team(session, "OM-T3", *YUZHONG)
    region_id, path = place(session, lon + 0.01, lat + 0.01)
    session.add(
        Equipment(
            code="OM-E1",
            name="一张图测试冲锋舟",
            type="rescue_boat",
            quantity=3,
            deployed=1,
            team_id=team_xikou,
            lon=lon + 0.01,
            lat=lat + 0.01,
            region_id=region_id,
            region_path=path,
        )
    )
    store = Warehouse(
        code="OM-W1",
        name="一张图测试储备点",
        level=4,
        lon=lon - 0.01,
        lat=lat,
        region_id=region_id,
        region_path=path,
    )
    tent = Material(code="OM-TENT", name="测试帐篷", unit="顶", category="shelter", unit_price=1000)
    water = Material(code="OM-WATER", name="测试饮用水", unit="箱", category="food", unit_price=30)
    session.add_all([store, tent, water])
    session.flush()
    soon = now.date() + dt.timedelta(days=20)
    session.add_all(
        [
            StockBatch(warehouse_id=store.id, material_id=tent.id, batch="a", quantity=10),
            StockBatch(warehouse_id=store.id, material_id=tent.id, batch="b", quantity=5),
            StockBatch(
                warehouse_id=store.id,
                material_id=water.id,
                batch="w",
                quantity=40,
                expires_on=soon,
            ),
            StockBatch(warehouse_id=store.id, material_id=water.id, batch="empty", quantity=0),
        ]
    )
    session.add_all(
        [
            Task(
                incident_id=inc.id,
                title="转移群众",
                status=TaskStatus.open,
                due_at=now - dt.timedelta(hours=1),
                created_by="test",
            ),
            Task(
                incident_id=inc.id,
                title="设置警戒",
                status=TaskStatus.done,
                due_at=now - dt.timedelta(hours=2),
                done_at=now,
                created_by="test",
            ),
            Task(
                incident_id=inc.id,
                title="道路抢通",
                status=TaskStatus.in_progress,
                due_at=now + dt.timedelta(hours=2),
                created_by="test",
            ),
        ]
    )
    order = _order(session, "OM-D1", inc, team_xikou, OrderState.en_route)
    cancelled = _order(session, "OM-D2", inc, team_zhonghe, OrderState.cancelled)
    order_other = _order(session, "OM-D3", other, team_zhonghe, OrderState.issued)
    village = session.scalar(
        select(Region).where(Region.path.startswith(XIKOU_PATH), Region.level == 5)
    )
    zhonghe_village = session.scalar(
        select(Region).where(Region.path.startswith(ZHONGHE_PATH), Region.level == 5)
    )
    assert village is not None and zhonghe_village is not None
    positioned = QuickReport(
        incident_id=inc.id,
        region_id=village.id,
        region_path=village.path,
        lon=lon + 0.005,
        lat=lat - 0.005,
        at=now,
        reporter="grid_user",
        dead=1,
        injured=3,
        trapped=2,
        houses_collapsed=4,
        status=QuickReportStatus.verified,
    )
    unpositioned = QuickReport(
        incident_id=inc.id,
        region_id=zhonghe_village.id,
        region_path=zhonghe_village.path,
        at=now - dt.timedelta(minutes=5),
        reporter="grid_user",
        injured=1,
    )
    session.add_all([positioned, unpositioned])
    session.flush()
    drill = Event(lat=30.81, lon=108.41, magnitude=6.0, name="万州演练")
    city = actor_for(session, session.scalar(select(User).where(User.username == "cq_operator")))
    assessment, _ = quake.run(session, city, drill)  # the quake reaction opens the incident
    quake_incident = session.scalar(
        select(Incident.id).where(Incident.source_ref == f"quake:{assessment.id}")
    )
    assert quake_incident is not None
    return Scene(
        incident=inc.id,
        other=other.id,
        quake_incident=quake_incident,
        team_xikou=team_xikou,
        team_zhonghe=team_zhonghe,
        team_far=team_far,
        warehouse=store.id,
        order=order,
        order_cancelled=cancelled,
        order_other=order_other,
        report_xikou=positioned.id,
        report_zhonghe=unpositioned.id,
    )


# --- independent expectations ----------------------------------------------------------------


def in_box(session: Session, model: Any, box: BBox, path: str) -> set[int]:
    """Ids of ``model`` rows at a point in ``box`` whose region lies under ``path``."""
    stmt = select(model.id).where(
        model.lon.between(box.west, box.east), model.lat.between(box.south, box.north)
    )
    if path != "/":
        stmt = stmt.where(under(model.region_path, path))
    return set(session.scalars(stmt))


def expected_points(session: Session, box: BBox, path: str) -> dict[str, set[int]]:
    """Ids per point layer, found with plain SQL (no layer code)."""
    found = {
        "teams": in_box(session, RescueTeam, box, path),
        "equipment": in_box(session, Equipment, box, path),
        "warehouses": in_box(session, Warehouse, box, path),
    }
    points = select(RiskPoint.id, Region.path).join(Region, Region.id == RiskPoint.region_id)
    points = points.where(
        RiskPoint.lon.between(box.west, box.east), RiskPoint.lat.between(box.south, box.north)
    )
    found["risk_points"] = {rid for rid, rpath in session.execute(points) if rpath.startswith(path)}
    hazards = select(Hazard.id, Hazard.region_path).where(
        Hazard.state.in_([s.value for s in OPEN_STATES]),
        Hazard.lon.between(box.west, box.east),
        Hazard.lat.between(box.south, box.north),
    )
    found["hazards"] = {hid for hid, hpath in session.execute(hazards) if hpath.startswith(path)}
    return found


def expected_regions(session: Session, box: BBox, path: str, level: int) -> dict[str, int | None]:
    """Code → population of the regions of ``level`` under ``path`` whose boundary meets
    the box, tested one by one with shapely (the layer goes through the region index)."""
    area = shapely.box(*box)
    stmt = select(Region.code, Region.population, Region.path, Region.geometry).where(
        Region.level == level, Region.geometry.is_not(None)
    )
    return {
        code: population
        for code, population, rpath, blob in session.execute(stmt)
        if rpath.startswith(path) and geo.from_wkb(bytes(blob)).intersects(area)
    }


def active_warnings(session: Session, now: dt.datetime) -> set[int]:
    """Warnings stored active and not yet expired."""
    stmt = select(EarlyWarning.id, EarlyWarning.valid_until).where(
        EarlyWarning.status == WarningStatus.active
    )
    out = set()
    for wid, until in session.execute(stmt):
        if until is None or (until if until.tzinfo else until.replace(tzinfo=dt.UTC)) > now:
            out.add(wid)
    return out


def count_rows(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)
