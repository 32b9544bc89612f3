"""The one map's layers (一张图): each builder gives one layer of an incident's map as GeoJSON
features, read as the actor (a township sees its own subtree of each layer).

Layers that already have a map form elsewhere are read through it (risk points and hazards
through their own list endpoints, so the features carry the same properties as on the region
map); the rest are built here with one query per kind. Place-bound layers are cut to a box
around the incident (by default the incident point ± :data:`RADIUS_KM`, widened to the
perimeter's bounds plus a margin); the incident's own records (dispatch orders, quick
reports, isoseismals) are shown wherever they are. Shelters and sensors/alarms are not
layers yet: nothing registers them (see :data:`OMITTED`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.bbox import BBox
from yingji.errors import ValidationFailed
from yingji.hazards import api as hazards_api
from yingji.incidents import quick, types
from yingji.incidents.flow_models import Task, TaskStatus
from yingji.incidents.models import FIGURES, Incident
from yingji.paging import MAX_LIMIT
from yingji.quake.isoseismals import roman
from yingji.quake.labels import ZONE_COLOURS
from yingji.quake.models import QuakeAssessment
from yingji.regions import geo
from yingji.regions.api import FEATURE_COLUMNS, MAP_SIMPLIFY_DEG
from yingji.regions.models import Region, RegionLevel
from yingji.regions.service import regions_covering
from yingji.resources import registry
from yingji.resources.api import EQUIPMENT_FIELDS, ORDER_FIELDS, TEAM_FIELDS, WAREHOUSE_FIELDS
from yingji.resources.models import (
    STATUS_LABELS,
    TEAM_KIND_LABELS,
    DispatchOrder,
    Equipment,
    Material,
    OrderState,
    RescueTeam,
    StockBatch,
    Warehouse,
)
from yingji.risk import api as risk_api
from yingji.warnings import service as warnings_service
from yingji.warnings.models import CATEGORY_LABELS, LEVEL_LABELS, LEVEL_NAMES, EarlyWarning

RADIUS_KM = 30.0
"""Half the side of the default box around the incident point."""
PERIMETER_MARGIN_KM = 10.0
"""Margin around a drawn perimeter's bounds, when it reaches beyond the default box."""
KM_PER_DEG = 111.32
AREA_SIMPLIFY_DEG = 0.002
"""Warning areas are drawn finer than region boundaries: they are read against the point."""
WARNING_HEX = {1: "#c62828", 2: "#ef6c00", 3: "#f9a825", 4: "#1565c0"}
"""Warning level fills, as the warning pages colour their level chips."""
TOP_STOCK_LINES = 5

OMITTED = {
    "shelters": "尚无避难场所登记，暂不提供该图层 / no shelter register exists yet",
    "sensors": "尚无监测设备与报警登记，暂不提供该图层 / no sensor or alarm register exists yet",
}
"""Layers the issue names that have no data source in this installation yet."""


@dataclass
class View:
    """What a layer is built for: who looks, at which incident, through which box."""

    session: Session
    actor: Actor
    incident: Incident
    box: BBox
    now: dt.datetime

    @property
    def box_text(self) -> str:
        return ",".join(f"{v:.6f}" for v in self.box)

    @cached_property
    def area(self) -> shapely.Geometry:
        return shapely.box(*self.box)


@dataclass
class Found:
    """A layer's features (at most the limit asked for) and how many there are in all."""

    features: list[dict[str, Any]]
    total: int


Builder = Callable[[View, int], Found]


# --- geometry helpers -----------------------------------------------------------------------


def _feature(fid: Any, geometry: dict[str, Any] | None, properties: dict[str, Any]) -> dict:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": properties}


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def _geojson(geoms: Sequence[Any], tolerance: float) -> list[dict[str, Any] | None]:
    """Shapes as GeoJSON geometries, simplified (topology kept) and rounded to 1e-6°."""
    if not len(geoms):
        return []
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    if tolerance > 0:
        arr = shapely.simplify(arr, tolerance, preserve_topology=True)
    arr = shapely.transform(arr, lambda xy: np.round(xy, 6))
    return [None if text is None else json.loads(text) for text in shapely.to_geojson(arr)]


def _perimeter(incident: Incident) -> shapely.Geometry | None:
    if not incident.perimeter:
        return None
    try:
        return geo.parse_geometry(incident.perimeter)
    except ValidationFailed:
        return None  # a malformed stored shape: the point still places the incident


def default_box(incident: Incident) -> BBox:
    """The incident point ± :data:`RADIUS_KM`, widened to the perimeter plus a margin."""
    dlat = RADIUS_KM / KM_PER_DEG
    dlon = RADIUS_KM / (KM_PER_DEG * max(math.cos(math.radians(incident.lat)), 0.05))
    west, south = incident.lon - dlon, incident.lat - dlat
    east, north = incident.lon + dlon, incident.lat + dlat
    shape = _perimeter(incident)
    if shape is not None and not shape.is_empty:
        x0, y0, x1, y1 = shape.bounds
        margin_lat = PERIMETER_MARGIN_KM / KM_PER_DEG
        margin_lon = margin_lat / max(math.cos(math.radians(incident.lat)), 0.05)
        west, south = min(west, x0 - margin_lon), min(south, y0 - margin_lat)
        east, north = max(east, x1 + margin_lon), max(north, y1 + margin_lat)
    return BBox(max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))


# --- the incident itself --------------------------------------------------------------------


def _tasks(session: Session, incident_id: int, now: dt.datetime) -> dict[str, int]:
    """Task counts by status, and how many open ones are past due: one grouped query."""
    live = Task.status.in_([TaskStatus.open, TaskStatus.in_progress])
    overdue = func.sum(case((and_(live, Task.due_at.is_not(None), Task.due_at < now), 1), else_=0))
    rows = session.execute(
        select(Task.status, func.count(), overdue)
        .where(Task.incident_id == incident_id)
        .group_by(Task.status)
    ).all()
    out = {s.value: 0 for s in TaskStatus}
    out["overdue"] = 0
    for status, count, late in rows:
        out[status] = int(count)
        out["overdue"] += int(late or 0)
    return out


def incident_layer(view: View, limit: int) -> Found:
    """The incident point with its facts, and its perimeter when one is drawn."""
    inc = view.incident
    shape = _perimeter(inc)
    total = 1 + (shape is not None)
    if limit <= 0:
        return Found([], total)
    kind = types.all_types().get(inc.type_code)
    props: dict[str, Any] = {
        "part": "point",
        "code": inc.code,
        "title": inc.title,
        "type_code": inc.type_code,
        "type_name_zh": kind.name_zh if kind else inc.type_code,
        "type_name_en": kind.name_en if kind else inc.type_code,
        "category": inc.category,
        "status": inc.status,
        "grade": inc.grade,
        "grade_basis": inc.grade_basis,
        "response_level": inc.response_level,
        "response_level_roman": roman(inc.response_level) if inc.response_level else None,
        "grade_roman": roman(inc.grade) if inc.grade else None,
        "place": inc.place,
        "occurred_at": inc.occurred_at.isoformat(),
        "received_at": inc.received_at.isoformat(),
        "figures": {name: getattr(inc, name) for name in FIGURES},
        "direct_loss_yuan": inc.direct_loss_yuan,
        "tasks": _tasks(view.session, inc.id, view.now),
    }
    features = [_feature(f"incident-{inc.id}", _point(inc.lon, inc.lat), props)]
    if shape is not None:
        outline = {"part": "perimeter", "code": inc.code, "title": inc.title}
        features.append(_feature(f"perimeter-{inc.id}", _geojson([shape], 0)[0], outline))
    return Found(features[:limit], total)


# --- layers read through their own list endpoints ------------------------------------------


def risk_points_layer(view: View, limit: int) -> Found:
    """Risk points in the box, as the region map's risk layer gives them."""
    page = risk_api.list_risk_points(
        view.session,
        view.actor,
        category=None,
        level=None,
        status=None,
        under=None,
        q=None,
        bbox=view.box_text,
        format="geojson",
        offset=0,
        limit=max(limit, 1),
    )
    features = page["features"][:limit]
    for f in features:
        if f["geometry"] is None:  # a point registered without a shape: its position
            f["geometry"] = _point(f["properties"]["lon"], f["properties"]["lat"])
    return Found(features, page["total"])


def hazards_layer(view: View, limit: int) -> Found:
    """Open hidden hazards (未整改隐患) in the box, as the region map's hazard layer."""
    page = hazards_api.list_hazards(
        view.session,
        view.actor,
        under=None,
        state=None,
        grade=None,
        source=None,
        enterprise_id=None,
        risk_point_id=None,
        department_id=None,
        overdue=False,
        open=True,
        q=None,
        found_from=None,
        found_to=None,
        bbox=view.box_text,
        format="geojson",
        offset=0,
        limit=max(limit, 1),
    )
    return Found(page["features"][:limit], page["total"])


# --- forces and reserves --------------------------------------------------------------------


def _registry(view: View, model: Any, limit: int) -> tuple[list[Any], int]:
    """Records of ``model`` in scope and in the box (the registry's own scoped listing)."""
    return registry.listing(
        view.session,
        view.actor,
        model,
        where=lambda stmt: stmt.where(view.box.where(model.lon, model.lat)),
        limit=limit,
    )


def _fields(record: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(record, f) for f in fields if f not in ("lon", "lat")}


def teams_layer(view: View, limit: int) -> Found:
    rows, total = _registry(view, RescueTeam, limit)
    features = [
        _feature(
            t.id,
            _point(t.lon, t.lat),
            {
                **_fields(t, TEAM_FIELDS),
                "kind_label": TEAM_KIND_LABELS.get(t.kind, t.kind),
                "status_label": STATUS_LABELS.get(t.status, t.status),
                "contact_phone": t.contact_phone,
            },
        )
        for t in rows
    ]
    return Found(features, total)


def equipment_layer(view: View, limit: int) -> Found:
    rows, total = _registry(view, Equipment, limit)
    team_ids = sorted({e.team_id for e in rows if e.team_id is not None})
    teams = dict(
        view.session.execute(
            select(RescueTeam.id, RescueTeam.name).where(RescueTeam.id.in_(team_ids))
        ).all()
    )
    features = [
        _feature(
            e.id,
            _point(e.lon, e.lat),
            {
                **_fields(e, EQUIPMENT_FIELDS),
                "free_units": e.free_units,
                "status_label": STATUS_LABELS.get(e.status, e.status),
                "team_name": teams.get(e.team_id),
            },
        )
        for e in rows
    ]
    return Found(features, total)


def stock_summary(session: Session, warehouse_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per warehouse: materials held, their value, the next expiry and the largest lines by
    value, from one grouped query over the warehouses asked for."""
    out: dict[int, dict[str, Any]] = {
        i: {"materials": 0, "value_yuan": 0.0, "next_expiry": None, "top": []}
        for i in warehouse_ids
    }
    if not warehouse_ids:
        return out
    value = func.sum(StockBatch.quantity) * Material.unit_price
    rows = session.execute(
        select(
            StockBatch.warehouse_id,
            Material.name,
            Material.unit,
            func.sum(StockBatch.quantity),
            value,
            func.min(StockBatch.expires_on),
        )
        .join(Material, Material.id == StockBatch.material_id)
        .where(StockBatch.warehouse_id.in_(warehouse_ids), StockBatch.quantity > 0)
        .group_by(
            StockBatch.warehouse_id, Material.id, Material.name, Material.unit, Material.unit_price
        )
    ).all()
    lines: dict[int, list[dict[str, Any]]] = {i: [] for i in warehouse_ids}
    for wid, name, unit, quantity, worth, expiry in rows:
        summary = out[wid]
        summary["materials"] += 1
        summary["value_yuan"] += float(worth or 0)
        if expiry is not None and (
            summary["next_expiry"] is None or expiry < summary["next_expiry"]
        ):
            summary["next_expiry"] = expiry
        lines[wid].append(
            {"material": name, "unit": unit, "quantity": float(quantity), "value_yuan": worth}
        )
    for wid, summary in out.items():
        ranked = sorted(lines[wid], key=lambda line: -(line["value_yuan"] or 0))
        summary["top"] = [{k: v for k, v in line.items() if k != "value_yuan"} for line in ranked][
            :TOP_STOCK_LINES
        ]
        summary["value_yuan"] = round(summary["value_yuan"], 2)
        if summary["next_expiry"] is not None:
            summary["next_expiry"] = summary["next_expiry"].isoformat()
    return out


def warehouses_layer(view: View, limit: int) -> Found:
    rows, total = _registry(view, Warehouse, limit)
    stock = stock_summary(view.session, [w.id for w in rows])
    features = [
        _feature(w.id, _point(w.lon, w.lat), {**_fields(w, WAREHOUSE_FIELDS), "stock": stock[w.id]})
        for w in rows
    ]
    return Found(features, total)


# --- areas: warnings, population, isoseismals -----------------------------------------------


def warning_areas_layer(view: View, limit: int) -> Found:
    """Active warnings the actor sees whose area (shapes, and regions named whole) meets
    the box, red first; two queries for the shapes of all of them."""
    found, _total = warnings_service.list_warnings(
        view.session, view.actor, status="active", now=view.now, limit=MAX_LIMIT
    )
    if not found:
        return Found([], 0)
    session = view.session
    ids = [w.id for w in found]
    blobs = dict(
        session.execute(
            select(EarlyWarning.id, EarlyWarning.geometry).where(EarlyWarning.id.in_(ids))
        ).all()
    )
    named = sorted({c for w in found for c in (w.area or {}).get("region_codes") or []})
    regions = dict(
        session.execute(
            select(Region.code, Region.geometry).where(
                Region.code.in_(named), Region.geometry.is_not(None)
            )
        ).all()
    )
    shapes: list[tuple[EarlyWarning, Any]] = []
    for w in found:
        parts = [blobs.get(w.id)] + [
            regions.get(c) for c in (w.area or {}).get("region_codes") or []
        ]
        geoms = [geo.from_wkb(bytes(b)) for b in parts if b is not None]
        if not geoms:
            continue
        shape = shapely.union_all(geoms)
        if shape.intersects(view.area):
            shapes.append((w, shape))
    shapes.sort(key=lambda item: (item[0].level, -item[0].sent.timestamp(), item[0].id))
    kept = shapes[:limit]
    drawn = _geojson([s for _w, s in kept], AREA_SIMPLIFY_DEG)
    features = [
        _feature(
            w.id,
            geometry,
            {
                "code": w.code,
                "category": w.category,
                "category_label": CATEGORY_LABELS.get(w.category, w.category),
                "level": w.level,
                "level_name": LEVEL_NAMES.get(w.level),
                "level_label": LEVEL_LABELS.get(w.level),
                "colour_hex": WARNING_HEX.get(w.level, "#9e9e9e"),
                "stage": w.stage,
                "headline": w.headline,
                "area_desc": w.area_desc,
                "authority": w.authority,
                "valid_until": w.valid_until.isoformat() if w.valid_until else None,
            },
        )
        for (w, _s), geometry in zip(kept, drawn, strict=True)
    ]
    return Found(features, len(shapes))


def _population_level(session: Session, actor: Actor) -> int:
    """Counties, or the actor's own level when they sit below a county (a township sees
    its township's people, not the county's)."""
    if actor.region_path == "/":
        return RegionLevel.county
    own = session.scalar(select(Region.level).where(Region.path == actor.region_path))
    return max(int(RegionLevel.county), int(own or RegionLevel.county))


def population_layer(view: View, limit: int) -> Found:
    """Census population of the counties (or the actor's smaller regions) the box meets,
    found through the region index, not by testing every region."""
    level = _population_level(view.session, view.actor)
    covered = regions_covering(view.session, view.actor, view.area, level)
    if limit <= 0:
        return Found([], len(covered))
    ids = sorted(c.region_id for c in covered)[:limit]
    rows = view.session.execute(
        select(*FEATURE_COLUMNS).where(Region.id.in_(ids)).order_by(Region.code)
    ).all()
    shapes = [geo.from_wkb(bytes(r.geometry)) if r.geometry is not None else None for r in rows]
    drawn = _geojson(shapes, MAP_SIMPLIFY_DEG)
    features = []
    for row, geometry in zip(rows, drawn, strict=True):
        if geometry is None:
            continue
        density = None
        if row.population is not None and row.area_km2:
            density = round(row.population / row.area_km2, 1)
        props = {
            "code": row.code,
            "name": row.name,
            "level": row.level,
            "population": row.population,
            "area_km2": row.area_km2,
            "density": density,
        }
        features.append(_feature(row.id, geometry, props))
    return Found(features, len(covered))


def _assessment(view: View) -> QuakeAssessment | None:
    """The earthquake assessment the incident was raised from (``source_ref`` ``quake:<id>``).

    Seen through the incident: whoever may see the incident sees the shaking that caused it,
    even a township the assessment's county-level scope would not show it to."""
    ref = view.incident.source_ref or ""
    if not ref.startswith("quake:"):
        return None
    try:
        assessment_id = int(ref.split(":", 1)[1])
    except ValueError:
        return None
    return view.session.get(QuakeAssessment, assessment_id)


def isoseismals_layer(view: View, limit: int) -> Found:
    record = _assessment(view)
    if record is None:
        return Found([], 0)
    zones = (record.result.get("isoseismals_geojson") or {}).get("features") or []
    features = []
    for i, zone in enumerate(zones[: max(limit, 0)]):
        props = dict(zone.get("properties") or {})
        intensity = int(props.get("intensity", 0))
        props.update(
            assessment_id=record.id,
            roman=roman(intensity) if intensity else None,
            colour_hex=ZONE_COLOURS.get(intensity, "#eef1f5"),
        )
        features.append(_feature(f"zone-{record.id}-{i}", zone.get("geometry"), props))
    return Found(features, len(zones))


# --- the incident's own records: dispatch orders, quick reports ------------------------------


def _sources(session: Session, model: Any, ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    stmt = select(model.id, model.name, model.lon, model.lat).where(model.id.in_(wanted))
    return {row.id: row for row in session.execute(stmt)}


def dispatch_layer(view: View, limit: int) -> Found:
    """The incident's dispatch orders the actor sees (cancelled ones left out), each a line
    from where the force or stock left to where it goes."""
    stmt = view.actor.by_path(select(DispatchOrder), DispatchOrder.region_path).where(
        DispatchOrder.incident_id == view.incident.id,
        DispatchOrder.state != OrderState.cancelled,
    )
    total = view.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if limit <= 0:
        return Found([], total)
    orders = list(
        view.session.scalars(stmt.order_by(DispatchOrder.created_at, DispatchOrder.id).limit(limit))
    )
    teams = _sources(view.session, RescueTeam, (o.team_id for o in orders))
    kit = _sources(view.session, Equipment, (o.equipment_id for o in orders))
    stores = _sources(view.session, Warehouse, (o.warehouse_id for o in orders))
    features = []
    for o in orders:
        source = kit.get(o.equipment_id) or teams.get(o.team_id) or stores.get(o.warehouse_id)
        target = [round(o.lon, 6), round(o.lat, 6)]
        geometry = _point(o.lon, o.lat)
        if source is not None:
            start = [round(source.lon, 6), round(source.lat, 6)]
            geometry = {"type": "LineString", "coordinates": [start, target]}
        props = {
            **{f: getattr(o, f) for f in ORDER_FIELDS if f not in ("lon", "lat", "history")},
            "team": teams[o.team_id].name if o.team_id in teams else None,
            "equipment": kit[o.equipment_id].name if o.equipment_id in kit else None,
            "warehouse": stores[o.warehouse_id].name if o.warehouse_id in stores else None,
            "target": target,
        }
        features.append(_feature(o.id, geometry, props))
    return Found(features, total)


def quick_reports_layer(view: View, limit: int) -> Found:
    """The incident's quick reports from the actor's subtree, as the quick-report API gives
    them, at their position (else the reported place's centre), newest first."""
    page = quick.listing(
        view.session, view.actor, incident_id=view.incident.id, limit=max(limit, 1)
    )
    if limit <= 0:
        return Found([], page.total)
    reports = page.items[:limit]
    centres = {
        rid: (lon, lat)
        for rid, lon, lat in view.session.execute(
            select(Region.id, Region.centroid_lon, Region.centroid_lat).where(
                Region.id.in_(sorted({r.region_id for r in reports}))
            )
        )
    }
    features = []
    for report, props in zip(
        reports, quick.as_dicts(view.session, view.actor, reports), strict=True
    ):
        lon, lat = report.lon, report.lat
        if lon is None or lat is None:
            lon, lat = centres.get(report.region_id, (None, None))
        if lon is None or lat is None:
            continue
        props = {**props, "positioned": report.lon is not None}
        features.append(_feature(report.id, _point(lon, lat), props))
    return Found(features, page.total)


LAYERS: dict[str, tuple[str, bool, Builder]] = {
    "population": ("area", True, population_layer),
    "warning_areas": ("area", True, warning_areas_layer),
    "isoseismals": ("area", False, isoseismals_layer),
    "dispatch": ("line", False, dispatch_layer),
    "risk_points": ("point", True, risk_points_layer),
    "hazards": ("point", True, hazards_layer),
    "warehouses": ("point", True, warehouses_layer),
    "equipment": ("point", True, equipment_layer),
    "teams": ("point", True, teams_layer),
    "quick_reports": ("point", False, quick_reports_layer),
    "incident": ("point", False, incident_layer),
}
"""Layer key: (geometry kind, cut to the box?, builder), bottom of the map first: the
dispatch lines lie under every point, so a line never takes a team's click."""
