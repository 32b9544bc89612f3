"""HTTP API for risk points (lists, GeoJSON map layers, detail, edits, responsible persons)
and the category taxonomy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import shapely
from fastapi import APIRouter, File, Form, Query, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset, under_region_id
from yingji.bbox import parse as parse_bbox
from yingji.config import get_settings
from yingji.files import service as files
from yingji.regions.models import Region
from yingji.risk import service
from yingji.risk.models import LEVEL_COLOURS, LEVEL_HEX, LEVEL_LABELS, RiskCategory, RiskPoint
from yingji.risk.schemas import (
    CategoryIn,
    CategoryOut,
    PersonByRole,
    ResponsibleOut,
    RiskPointIn,
    RiskPointOut,
    RiskPointPatch,
)

router = APIRouter(tags=["risk"])


def _outs(
    session: Session, points: Sequence[RiskPoint], *, geometry: bool = False
) -> list[RiskPointOut]:
    """Output rows with category and region names, two look-ups for the whole page."""
    categories = {c.id: c for c in session.scalars(select(RiskCategory))}
    region_ids = sorted({p.region_id for p in points})
    regions = {
        rid: (code, name)
        for rid, code, name in session.execute(
            select(Region.id, Region.code, Region.name).where(Region.id.in_(region_ids))
        )
    }
    out = []
    for p in points:
        category = categories[p.category_id]
        code, name = regions.get(p.region_id, ("", ""))
        out.append(
            RiskPointOut(
                id=p.id,
                code=p.code,
                name=p.name,
                category=category.code,
                category_name=category.name_zh,
                level=p.level,
                level_label=LEVEL_LABELS.get(p.level, p.level),
                colour=LEVEL_COLOURS.get(p.level, "grey"),
                lon=p.lon,
                lat=p.lat,
                region_id=p.region_id,
                region_code=code,
                region_name=name,
                threatened_people=p.threatened_people,
                threatened_property_wan=p.threatened_property_wan,
                status=p.status,
                note=p.note,
                geometry=_geojson(p.geometry) if geometry else None,
            )
        )
    return out


def _geojson(wkb: bytes) -> dict[str, Any]:
    return json.loads(shapely.to_geojson(shapely.from_wkb(bytes(wkb))))


@router.get("/risk-points")
def list_risk_points(
    session: DbSession,
    actor: CurrentActor,
    category: str | None = None,
    level: str | None = None,
    status: str | None = None,
    under: str | None = Query(None, description="区划编码 / region code"),
    q: str | None = None,
    bbox: str | None = Query(None, description="west,south,east,north (WGS 84)"),
    format: Literal["json", "geojson"] = "json",
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    """A page of risk points; ``format=geojson`` gives a FeatureCollection for a map layer,
    each feature coloured by level in its properties (``colour``, ``colour_hex``); ``bbox``
    keeps what is in the map's view."""
    geojson = format == "geojson"
    page = service.list_risk_points(
        session,
        actor,
        category=category,
        level=level,
        status=status,
        under_region_id=under_region_id(session, under),
        q=q,
        bbox=parse_bbox(bbox),
        offset=offset,
        limit=limit,
        with_geometry=geojson,
    )
    items = _outs(session, page.items, geometry=geojson)
    if not geojson:
        return {"items": items, "total": page.total, "offset": page.offset, "limit": page.limit}
    features = []
    for item in items:
        properties = item.model_dump(exclude={"geometry"})
        properties["colour_hex"] = LEVEL_HEX.get(item.level, "#9e9e9e")
        features.append(
            {"type": "Feature", "id": item.id, "geometry": item.geometry, "properties": properties}
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }


@router.post("/risk-points", status_code=201)
def create_risk_point(body: RiskPointIn, session: DbSession, actor: CurrentActor) -> RiskPointOut:
    point = service.create_risk_point(session, actor, **body.model_dump())
    return _outs(session, [point], geometry=True)[0]


@router.get("/risk-points/{risk_point_id}")
def get_risk_point(risk_point_id: int, session: DbSession, actor: CurrentActor) -> RiskPointOut:
    point = service.get_risk_point(session, actor, risk_point_id)
    return _outs(session, [point], geometry=True)[0]


@router.patch("/risk-points/{risk_point_id}")
def update_risk_point(
    risk_point_id: int, body: RiskPointPatch, session: DbSession, actor: CurrentActor
) -> RiskPointOut:
    changes = body.model_dump(exclude_unset=True)
    point = service.update_risk_point(session, actor, risk_point_id, **changes)
    return _outs(session, [point], geometry=True)[0]


@router.get("/risk-points/{risk_point_id}/responsible")
def risk_point_responsible(
    risk_point_id: int,
    session: DbSession,
    actor: CurrentActor,
    role: Annotated[list[str] | None, Query()] = None,
) -> ResponsibleOut:
    """Who answers for the point, by role (admin, technical, monitoring: 点线面)."""
    service.get_risk_point(session, actor, risk_point_id)
    found = service.responsible(session, actor, [risk_point_id], role).get(risk_point_id, {})
    return ResponsibleOut(
        risk_point_id=risk_point_id,
        roles={
            r: [PersonByRole.model_validate(p) for p in persons] for r, persons in found.items()
        },
    )


@router.post("/risk-points/{risk_point_id}/attachments", status_code=201)
async def add_attachment(
    risk_point_id: int,
    session: DbSession,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description="JPEG/PNG/WebP 照片或 PDF / photo or PDF")],
    lon: Annotated[float | None, Form()] = None,
    lat: Annotated[float | None, Form()] = None,
) -> dict[str, Any]:
    """Attach one photo or PDF document to the point (writers whose region holds it)."""
    # one byte past the limit is enough to refuse an oversized file without holding it all
    data = await file.read(get_settings().max_upload_mb * 1024 * 1024 + 1)
    attachment = service.add_attachment(
        session, actor, risk_point_id, file.filename or "file", data, lon=lon, lat=lat
    )
    return files.as_dict(attachment)


@router.get("/risk-points/{risk_point_id}/attachments")
def list_attachments(
    risk_point_id: int, session: DbSession, actor: CurrentActor
) -> list[dict[str, Any]]:
    """The point's photos and documents, each with its download URL."""
    return [files.as_dict(a) for a in service.attachments(session, actor, risk_point_id)]


@router.get("/risk-categories")
def list_categories(
    session: DbSession,
    actor: CurrentActor,
    group: str | None = None,
    include_inactive: bool = False,
) -> list[CategoryOut]:
    found = service.list_categories(session, group=group, include_inactive=include_inactive)
    return [CategoryOut.model_validate(c) for c in found]


@router.put("/risk-categories/{code}")
def upsert_category(
    code: str, body: CategoryIn, session: DbSession, actor: CurrentActor
) -> CategoryOut:
    """Create or change a category (writers only); deactivate instead of deleting."""
    category = service.upsert_category(session, actor, code=code, **body.model_dump())
    return CategoryOut.model_validate(category)
