"""Region services: look-ups, listings and bulk upserts, each checked against the actor.

Out-of-scope regions are reported as missing, never as forbidden, so their existence does
not leak. Bulk upserts validate every row before writing any and then write with Core
``executemany``; the audit log gets one entry per created or changed row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.errors import NotFound, ValidationFailed
from yingji.paging import Page, paginate
from yingji.regions import geo, index, paths, writer
from yingji.regions.models import Region, RegionLevel

_T = Region.__table__
_DIGITS = re.compile(r"[0-9]+")
_BAD_CODE_CHAR = re.compile(r"[\s/]")  # "/" separates codes in paths
UPSERT_LEVELS = (RegionLevel.township, RegionLevel.village, RegionLevel.grid)


def _missing(what: str | int) -> NotFound:
    return NotFound(f"区划不存在 / region {what} not found")


def _check_level(level: int) -> int:
    if level not in {lv.value for lv in RegionLevel}:
        raise ValidationFailed(
            f"层级无效 / invalid level {level}",
            [{"row": None, "field": "level", "reason": "must be 1..6"}],
        )
    return int(level)


# --- reading -----------------------------------------------------------------------------


def get_region(session: Session, actor: Actor, region_id: int) -> Region:
    return actor.check_region(session, region_id)


def get_by_code(session: Session, actor: Actor, code: str) -> Region:
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None or not actor.covers(region.path):
        raise _missing(code)
    return region


def children(session: Session, actor: Actor, region_id: int) -> list[Region]:
    """Direct children of a region the actor can see, by code."""
    actor.check_region(session, region_id)
    return list(
        session.scalars(select(Region).where(Region.parent_id == region_id).order_by(Region.code))
    )


def ancestors(session: Session, region: Region) -> list[Region]:
    """The chain from the root down to (excluding) ``region``, read from its path. Callers
    have already checked ``region``; its ancestors' names are context (breadcrumbs), and
    their codes are in the path anyway."""
    codes = [c for c in region.path.strip("/").split("/") if c][:-1]
    if not codes:
        return []
    found = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    return [found[c] for c in codes if c in found]


def list_regions(
    session: Session,
    actor: Actor,
    *,
    under: str | None = None,
    parent_code: str | None = None,
    level: int | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> Page[Region]:
    """Regions in the actor's scope, optionally within the subtree of ``under`` (itself
    included), the children of ``parent_code``, one ``level``, or whose name contains / code
    starts with ``q``; ordered by code."""
    stmt = select(Region).where(actor.region_ids())
    if under:
        root = get_by_code(session, actor, under)
        stmt = stmt.where(paths.under(Region.path, root.path))
    if parent_code:
        parent = get_by_code(session, actor, parent_code)
        stmt = stmt.where(Region.parent_id == parent.id)
    if level is not None:
        stmt = stmt.where(Region.level == _check_level(level))
    if q and q.strip():
        q = q.strip()
        stmt = stmt.where(
            or_(
                Region.name.icontains(q, autoescape=True),
                Region.code.startswith(q, autoescape=True),
            )
        )
    return paginate(session, stmt.order_by(Region.code), offset, limit)


# --- spatial -----------------------------------------------------------------------------


def _scope_mask(ix: index.RegionIndex, actor: Actor) -> np.ndarray | None:
    """Which index positions the actor may see; ``None`` when all of them."""
    if actor.region_path == "/":
        return None
    return np.fromiter((actor.covers(p) for p in ix.paths), dtype=bool, count=len(ix.paths))


def _located(
    session: Session, actor: Actor, lons: Any, lats: Any, level: int
) -> tuple[index.RegionIndex, np.ndarray]:
    """The index and each point's position in it (``-1``: no region, or one outside the
    actor's scope); positions give id, code and name without another query."""
    ix = index.get_index(session, _check_level(level))
    pos = ix.positions(lons, lats)
    mask = _scope_mask(ix, actor)
    if mask is not None and len(mask):
        pos = np.where((pos >= 0) & mask[np.maximum(pos, 0)], pos, -1)
    return ix, pos


def locate_points(session: Session, actor: Actor, lons: Any, lats: Any, level: int) -> np.ndarray:
    """Id of the region of ``level``'s cut containing each point; ``-1`` where there is none
    or it lies outside the actor's scope. Vectorised: pass arrays of any length."""
    ix, pos = _located(session, actor, lons, lats, level)
    if not len(ix):
        return pos
    return np.where(pos >= 0, ix.ids[np.maximum(pos, 0)], -1)


def locate_codes(
    session: Session, actor: Actor, lons: Any, lats: Any, level: int
) -> list[str | None]:
    """Like :func:`locate_points`, as region codes (``None`` for no region)."""
    ix, pos = _located(session, actor, lons, lats, level)
    return [ix.codes[p] if p >= 0 else None for p in pos.tolist()]


@dataclass(frozen=True)
class Covered:
    region_id: int
    code: str
    name: str
    share: float
    """Share of the region's area inside the query geometry, 0..1."""


def regions_covering(
    session: Session, actor: Actor, geometry: BaseGeometry, level: int, min_share: float = 0.0
) -> list[Covered]:
    """Regions of ``level``'s cut that ``geometry`` overlaps, largest share first."""
    ix = index.get_index(session, _check_level(level))
    out = []
    for region_id, share in ix.covering(geometry):
        pos = ix.position_of(region_id)
        if pos is None or not actor.covers(ix.paths[pos]) or share < min_share:
            continue
        out.append(Covered(region_id, ix.codes[pos], ix.names[pos], share))
    out.sort(key=lambda c: (-c.share, c.code))
    return out


# --- writing -----------------------------------------------------------------------------


@dataclass
class UpsertResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)


@dataclass
class _Row:
    n: int
    code: str
    name: str
    level: int
    parent_code: str
    geometry: BaseGeometry | None
    point: tuple[float, float] | None
    population: int | None
    source: str | None


def upsert_regions(
    session: Session,
    actor: Actor,
    rows: Sequence[Mapping[str, Any]],
    *,
    source: str | None = None,
) -> UpsertResult:
    """Create or update townships (4), villages (5) and grids (6), identified by code.

    Row keys: ``code, name, level, parent_code`` and optional ``geometry`` (shapely polygon),
    ``point`` ((lon, lat), used as the centroid when given), ``population``, ``source``.
    Omitted optional values keep what an existing row has. Rows may name parents created
    earlier in the same batch. Every row is validated first; if any is bad,
    :class:`ValidationFailed` lists them all (``row`` is the 0-based position) and nothing
    is written.
    """
    actor.require_write()
    session.flush()  # pending ORM changes first, so Core statements see them
    errors: list[dict[str, Any]] = []
    parsed = [_parse_row(n, raw, source, errors) for n, raw in enumerate(rows)]
    good = [r for r in parsed if r is not None]

    codes = [r.code for r in good]
    seen: dict[str, int] = {}
    for r in good:
        if r.code in seen:
            errors.append(
                _err(r.n, "code", f"与第 {seen[r.code]} 行重复 / duplicate of row {seen[r.code]}")
            )
        else:
            seen[r.code] = r.n
    wanted = set(codes) | {r.parent_code for r in good}
    existing = writer.existing(session, wanted)
    has_county = _with_county_children(session, [r.parent_code for r in good], existing)
    paths: dict[str, str] = {}
    levels: dict[str, int] = {}

    for r in sorted(good, key=lambda r: (r.level, r.n)):
        old = existing.get(r.code)
        if old is not None and (old["level"] not in UPSERT_LEVELS or not actor.covers(old["path"])):
            errors.append(
                _err(r.n, "code", "编码已被占用 / code is already used by another region")
            )
            continue
        parent = existing.get(r.parent_code)
        if r.parent_code in paths:  # validated earlier in this batch: its new path counts
            parent_path, parent_level = paths[r.parent_code], levels[r.parent_code]
            parent_childless_prefecture = False
        elif parent is not None and actor.covers(parent["path"]):
            parent_path, parent_level = parent["path"], parent["level"]
            parent_childless_prefecture = parent_level == 2 and r.parent_code not in has_county
        else:
            errors.append(
                _err(
                    r.n,
                    "parent_code",
                    "上级区划不存在或不在权限范围内 / parent not found or outside your area",
                )
            )
            continue
        reason = _hierarchy_problem(r, parent_level, parent_childless_prefecture)
        if reason:
            errors.append(_err(r.n, *reason))
            continue
        paths[r.code] = f"{parent_path}{r.code}/"
        levels[r.code] = r.level

    if errors:
        errors.sort(key=lambda e: (e["row"], e["field"]))
        raise ValidationFailed(
            f"{len({e['row'] for e in errors})} 行数据有误 / {len(errors)} problem(s) in the rows",
            errors,
        )
    return _write(session, good, existing, paths)


def _parse_row(
    n: int, raw: Mapping[str, Any], source: str | None, errors: list[dict[str, Any]]
) -> _Row | None:
    """One row checked on its own; problems go to ``errors`` and give ``None``."""
    before = len(errors)
    code = str(raw.get("code") or "").strip()
    name = str(raw.get("name") or "").strip()
    parent_code = str(raw.get("parent_code") or "").strip()
    if not code:
        errors.append(_err(n, "code", "必填 / required"))
    elif len(code) > 32:
        errors.append(_err(n, "code", "最长 32 字符 / at most 32 characters"))
    elif _BAD_CODE_CHAR.search(code):
        errors.append(_err(n, "code", "不能含空白或“/” / no spaces or '/'"))
    if not name:
        errors.append(_err(n, "name", "必填 / required"))
    elif len(name) > 100:
        errors.append(_err(n, "name", "最长 100 字符 / at most 100 characters"))
    if not parent_code:
        errors.append(_err(n, "parent_code", "必填 / required"))
    try:
        level = int(raw.get("level"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        level = 0
    if level not in UPSERT_LEVELS:
        errors.append(_err(n, "level", "须为 4（乡镇）、5（村）或 6（网格） / must be 4, 5 or 6"))

    geometry = raw.get("geometry")
    if geometry is not None:
        if isinstance(geometry, str | dict):
            try:
                geometry = geo.parse_geometry(geometry)
            except ValidationFailed as exc:
                errors.append(_err(n, "geometry", exc.details[0]["reason"]))
                geometry = None
        if geometry is not None:
            problem = _geometry_problem(geometry)
            if problem:
                errors.append(_err(n, "geometry", problem))
            else:
                geometry = geo.polygonal(geometry)
    point = raw.get("point")
    if point is not None:
        try:
            lon, lat = (float(v) for v in point)
            geo.check_lonlat(lon, lat)
            point = (lon, lat)
        except (TypeError, ValueError, ValidationFailed):
            errors.append(_err(n, "point", "须为 [经度, 纬度] / must be [lon, lat] in range"))
    population = raw.get("population")
    if population is not None and (
        isinstance(population, bool) or not isinstance(population, int) or population < 0
    ):
        errors.append(_err(n, "population", "须为非负整数 / must be a non-negative integer"))
    if len(errors) > before:
        return None
    return _Row(
        n=n,
        code=code,
        name=name,
        level=level,
        parent_code=parent_code,
        geometry=geometry,
        point=point,
        population=population,
        source=(raw.get("source") or source),
    )


def _geometry_problem(geom: Any) -> str | None:
    if not isinstance(geom, BaseGeometry):
        return "须为几何对象 / must be a geometry"
    if geom.is_empty or geom.geom_type not in geo.POLYGONAL:
        return "须为面（Polygon/MultiPolygon） / must be a Polygon or MultiPolygon"
    x0, y0, x1, y1 = geom.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        return "坐标须为 WGS84 经纬度 / coordinates must be WGS 84 lon/lat"
    return None


def _hierarchy_problem(
    r: _Row, parent_level: int, parent_childless_prefecture: bool
) -> tuple[str, str] | None:
    """Why ``r`` cannot sit under a parent of ``parent_level``, or ``None``.

    Townships sit under a county, or under a prefecture-level city without counties (东莞,
    中山, 儋州, 嘉峪关); their 9-digit code starts with the parent's 6-digit code. Villages
    sit under a township with a 12-digit code starting with its code. Grids (free-form
    codes) sit under a village or directly under a township.
    """
    if r.level == RegionLevel.township:
        if not (parent_level == 3 or parent_childless_prefecture):
            return "parent_code", "乡镇的上级须为县级区划 / a township's parent must be a county"
        if not (
            len(r.code) == 9 and _DIGITS.fullmatch(r.code) and r.code.startswith(r.parent_code)
        ):
            return (
                "code",
                "乡镇编码须为以县级编码开头的 9 位数字 / "
                "township code must be 9 digits starting with its county code",
            )
    elif r.level == RegionLevel.village:
        if parent_level != RegionLevel.township:
            return "parent_code", "村的上级须为乡镇 / a village's parent must be a township"
        if not (
            len(r.code) == 12 and _DIGITS.fullmatch(r.code) and r.code.startswith(r.parent_code)
        ):
            return (
                "code",
                "村编码须为以乡镇编码开头的 12 位数字 / "
                "village code must be 12 digits starting with its township code",
            )
    elif parent_level not in (RegionLevel.township, RegionLevel.village):
        return (
            "parent_code",
            "网格的上级须为村或乡镇 / a grid's parent must be a village or township",
        )
    return None


def _with_county_children(
    session: Session, parent_codes: Iterable[str], existing: Mapping[str, dict[str, Any]]
) -> set[str]:
    """Codes among the level-2 parents that have county children."""
    pref_ids = {
        existing[c]["id"]: c
        for c in set(parent_codes)
        if c in existing and existing[c]["level"] == 2
    }
    if not pref_ids:
        return set()
    rows = session.execute(
        select(_T.c.parent_id)
        .where(_T.c.parent_id.in_(sorted(pref_ids)), _T.c.level == RegionLevel.county)
        .distinct()
    )
    return {pref_ids[pid] for (pid,) in rows}


def _write(
    session: Session,
    rows: list[_Row],
    existing: dict[str, dict[str, Any]],
    paths: dict[str, str],
) -> UpsertResult:
    """Measure the new boundaries (one vectorised pass), fill omitted values from the stored
    rows, and hand the records to the shared writer."""
    geoms = np.array([r.geometry for r in rows], dtype=object)
    has_geom = ~shapely.is_missing(geoms)
    areas = np.full(len(rows), np.nan)
    lons, lats = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
    wkbs = np.full(len(rows), None, dtype=object)
    if has_geom.any():
        areas[has_geom], lons[has_geom], lats[has_geom] = geo.measure(geoms[has_geom])
        wkbs[has_geom] = shapely.to_wkb(geoms[has_geom], byte_order=1, output_dimension=2)
    records = []
    for i in sorted(range(len(rows)), key=lambda i: (rows[i].level, rows[i].n)):
        r = rows[i]
        old = existing.get(r.code) or {}
        values = {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "parent_code": r.parent_code,
            "path": paths[r.code],
            "source": r.source if r.source is not None else old.get("source"),
            "population": r.population if r.population is not None else old.get("population"),
        }
        if r.geometry is not None:
            values |= {
                "geometry": wkbs[i],
                "area_km2": float(areas[i]),
                "centroid_lon": float(lons[i]),
                "centroid_lat": float(lats[i]),
            }
        else:
            values |= {
                k: old.get(k) for k in ("geometry", "area_km2", "centroid_lon", "centroid_lat")
            }
        if r.point is not None:
            values["centroid_lon"], values["centroid_lat"] = r.point
        records.append(values)
    written = writer.write(session, records, existing)
    _expire(session, {written.ids[c] for c in written.updated})
    return UpsertResult(
        written.created,
        written.updated,
        written.unchanged,
        {r.code: written.ids[r.code] for r in rows},
    )


def _expire(session: Session, region_ids: set[int]) -> None:
    """Loaded Region objects updated behind the ORM's back must reload their columns."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Region) and obj.id in region_ids:
            session.expire(obj)


def _err(row: int, field_name: str, reason: str) -> dict[str, Any]:
    return {"row": row, "field": field_name, "reason": reason}
