"""HTTP API for regions: browse the hierarchy, fetch boundaries as GeoJSON, locate points
and find the regions an area covers. Every route goes through the scope-checked services."""

from __future__ import annotations

import json
from typing import Annotated, Any

import numpy as np
import shapely
from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import aliased

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset
from yingji.errors import ValidationFailed
from yingji.regions import geo, service
from yingji.regions.models import Region
from yingji.regions.schemas import (
    CoveredOut,
    CoveringIn,
    LocateIn,
    RegionDetail,
    RegionIn,
    RegionOut,
    RegionPage,
    RegionRef,
)

FEATURE_COLUMNS = (
    Region.id,
    Region.code,
    Region.name,
    Region.level,
    Region.population,
    Region.area_km2,
    Region.centroid_lon,
    Region.centroid_lat,
    Region.geometry,
)
"""What a GeoJSON feature of a region is made from."""

router = APIRouter(prefix="/regions", tags=["regions"])
Level = Annotated[int | None, Query(ge=1, le=6)]
MAP_SIMPLIFY_DEG = 0.005
"""Default simplification for map layers: ~500 m, invisible at province zoom, ~10× smaller."""
MAX_FEATURES = 20_000
GEOJSON = "application/geo+json"


@router.get("", response_model=RegionPage)
def list_regions(
    session: DbSession,
    actor: CurrentActor,
    parent_code: str | None = None,
    level: Level = None,
    q: str | None = None,
    under: str | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    page = service.list_regions(
        session,
        actor,
        under=under,
        parent_code=parent_code,
        level=level,
        q=q,
        offset=offset,
        limit=limit,
    )
    return page.as_dict(RegionOut.model_validate)


@router.get("/geojson", response_class=Response, responses={200: {"content": {GEOJSON: {}}}})
def regions_geojson(
    session: DbSession,
    actor: CurrentActor,
    parent_code: str | None = None,
    level: Level = None,
    simplify: Annotated[float, Query(ge=0, le=1)] = MAP_SIMPLIFY_DEG,
    limit: Annotated[int, Query(ge=1, le=MAX_FEATURES)] = 5000,
) -> Response:
    """FeatureCollection of the children of ``parent_code`` (default: of the actor's own
    region; the provinces for a national actor), or of every in-scope region of ``level``;
    simplified for the map unless ``simplify=0``.
    ``"truncated": true`` says more regions matched than ``limit``."""
    stmt = select(*FEATURE_COLUMNS).where(actor.region_ids())
    if parent_code is not None:
        parent = service.get_by_code(session, actor, parent_code)
        stmt = stmt.where(Region.parent_id == parent.id)
    elif level is None and actor.region_path == "/":
        stmt = stmt.where(Region.parent_id.is_(None))
    elif level is None:
        own = aliased(Region)
        stmt = stmt.where(Region.parent_id.in_(select(own.id).where(own.path == actor.region_path)))
    if level is not None:
        stmt = stmt.where(Region.level == level)
    rows = session.execute(stmt.order_by(Region.code).limit(limit + 1)).all()
    truncated = len(rows) > limit
    rows = rows[:limit]
    geoms = _display(geo.many_from_wkb([_blob(r.geometry) for r in rows]), simplify)
    texts = shapely.to_geojson(geoms)
    features = [
        _feature(r._asdict(), text if text is not None else "null")
        for r, text in zip(rows, texts, strict=True)
    ]
    body = (
        '{"type":"FeatureCollection","truncated":'
        + ("true" if truncated else "false")
        + ',"features":['
        + ",".join(features)
        + "]}"
    )
    return Response(body, media_type=GEOJSON)


@router.post("/locate", response_model=list[str | None])
def locate(body: LocateIn, session: DbSession, actor: CurrentActor) -> list[str | None]:
    """The code of the region of ``level`` containing each point, ``null`` where none (or
    outside your area); a point on a shared border goes to the region with the smaller id."""
    if not body.points:
        return []
    pts = np.asarray(body.points, dtype=np.float64)
    return service.locate_codes(session, actor, pts[:, 0], pts[:, 1], body.level)


@router.post("/covering", response_model=list[CoveredOut])
def covering(body: CoveringIn, session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """Regions of ``level`` the area overlaps, with the share of each region's area inside
    it (equal-area), largest first."""
    circle = body.geometry.get("circle")
    if circle is not None:
        try:
            geom = geo.circle(
                float(circle["lon"]), float(circle["lat"]), float(circle["radius_km"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationFailed(
                "圆须包含 lon、lat、radius_km / circle needs lon, lat and radius_km",
                [{"row": None, "field": "geometry.circle", "reason": str(exc)}],
            ) from exc
    else:
        geom = geo.parse_geometry(body.geometry)
    found = service.regions_covering(session, actor, geom, body.level, body.min_share)
    return [{"code": c.code, "name": c.name, "share": round(c.share, 6)} for c in found]


@router.post("", response_model=RegionOut)
def upsert_region(
    body: RegionIn, session: DbSession, actor: CurrentActor, response: Response
) -> Region:
    """Create or update one township, village or grid (writers only, inside their area)."""
    result = service.upsert_regions(session, actor, [body.model_dump()], source="api")
    if result.created:
        response.status_code = 201
    return service.get_by_code(session, actor, body.code)


@router.get("/{code}", response_model=RegionDetail)
def get_region(code: str, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    region = service.get_by_code(session, actor, code)
    out = RegionOut.model_validate(region).model_dump()
    out["ancestors"] = [RegionRef.model_validate(a) for a in service.ancestors(session, region)]
    return out


@router.get("/{code}/children", response_model=list[RegionOut])
def region_children(code: str, session: DbSession, actor: CurrentActor) -> list[Region]:
    region = service.get_by_code(session, actor, code)
    return service.children(session, actor, region.id)


@router.get(
    "/{code}/geometry", response_class=Response, responses={200: {"content": {GEOJSON: {}}}}
)
def region_geometry(
    code: str,
    session: DbSession,
    actor: CurrentActor,
    simplify: Annotated[float | None, Query(ge=0, le=1)] = None,
) -> Response:
    """The region as a GeoJSON Feature (full detail unless ``simplify`` degrees is given)."""
    region = service.get_by_code(session, actor, code)
    row = session.execute(select(*FEATURE_COLUMNS).where(Region.id == region.id)).one()
    geoms = _display(geo.many_from_wkb([_blob(row.geometry)]), simplify or 0.0)
    text = shapely.to_geojson(geoms)[0]
    return Response(_feature(row._asdict(), text or "null"), media_type=GEOJSON)


def _blob(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def _display(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplified (topology-preserving, per polygon) and rounded to 1e-6° (~0.1 m)."""
    if tolerance > 0:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    return shapely.transform(geoms, lambda xy: np.round(xy, 6))


def _feature(row: dict[str, Any], geometry_json: str) -> str:
    props = {k: row[k] for k in row if k not in ("geometry", "id")}
    return (
        '{"type":"Feature","id":'
        + json.dumps(row["id"])
        + ',"properties":'
        + json.dumps(props, ensure_ascii=False)
        + ',"geometry":'
        + geometry_json
        + "}"
    )
