"""Risk points and their categories: create, update, list, bulk upsert, responsible persons.

One parser checks every way a risk point comes in (API body, spreadsheet row, GeoJSON
feature), and the region is always derived from the geometry: the township containing the
representative point, else the county. Bulk writes are set-based (one look-up per chunk,
executemany INSERT/UPDATE, one audit entry per written row) and validate every row before
writing any.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, undefer

from yingji.auth.scope import Actor
from yingji.bbox import BBox
from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yingji.files import service as files
from yingji.files.models import Attachment
from yingji.paging import Page, paginate
from yingji.people.responsibility import Responsible, responsible_for
from yingji.regions import geo, index
from yingji.regions.models import Region, RegionLevel
from yingji.regions.paths import under
from yingji.risk.models import (
    GROUP_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    TARGET_KIND,
    CategoryGroup,
    RiskCategory,
    RiskPoint,
    RiskStatus,
)
from yingji.upsert import (
    Counts,
    Errors,
    Plan,
    chunked,
    write_plan,
)

ENTITY = "risk_point"
REGION_LEVELS = (RegionLevel.township, RegionLevel.county)
"""Where a risk point is filed: the township containing it, else the county."""
FIELDS = (
    "name",
    "category_id",
    "level",
    "geometry",
    "lon",
    "lat",
    "region_id",
    "threatened_people",
    "threatened_property_wan",
    "status",
    "note",
)
"""Stored columns an import or update may change (``code`` is the key)."""
OPTIONAL = {
    "threatened_people": 0,
    "threatened_property_wan": 0.0,
    "status": RiskStatus.active.value,
    "note": None,
}
"""Columns a file may leave out: kept as stored on update, these defaults on create."""
_LIMITS = {"code": 64, "name": 200, "note": 2000}
_POINT_KINDS = {"Point", *geo.POLYGONAL}
_SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"


def _labels(labels: dict[str, str], suffix: str = "") -> dict[str, str]:
    """Value lookup accepting the English value, the Chinese label, and label + suffix."""
    out = {value: value for value in labels}
    for value, label in labels.items():
        out[label] = value
        if suffix:
            out[label + suffix] = value
    return out


_LEVELS = {**_labels(LEVEL_LABELS, "风险"), "red": "major", "orange": "large"}
_LEVELS |= {"yellow": "general", "blue": "low", "红": "major", "橙": "large"}
_LEVELS |= {"黄": "general", "蓝": "low"}
_STATUSES = {**_labels(STATUS_LABELS), "正常": "active", "监测": "monitoring", "销号": "removed"}


# --- categories ------------------------------------------------------------------------


def list_categories(
    session: Session, *, group: str | None = None, include_inactive: bool = False
) -> list[RiskCategory]:
    """The taxonomy; every signed-in user may read it (it holds no regional data)."""
    stmt = select(RiskCategory).order_by(RiskCategory.id)
    if group:
        stmt = stmt.where(RiskCategory.group == group)
    if not include_inactive:
        stmt = stmt.where(RiskCategory.active.is_(True))
    return list(session.scalars(stmt))


def upsert_category(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    group: str,
    active: bool = True,
) -> RiskCategory:
    """Create the category ``code`` or change it; deactivate rather than delete, so points
    filed under it keep their meaning. The taxonomy serves the whole installation, so
    only a system administrator changes it."""
    if not actor.is_admin:
        raise PermissionDenied(
            "仅系统管理员可修改风险点分类 / only system administrators change risk categories"
        )
    code, name_zh, name_en = code.strip(), name_zh.strip(), name_en.strip()
    for field_name, value in (("code", code), ("name_zh", name_zh), ("name_en", name_en)):
        if not value:
            raise _invalid(field_name, "必填 / required")
    if group not in CategoryGroup.__members__:
        raise _invalid(
            "group", f"未知分组 / unknown group {group!r}, one of {', '.join(GROUP_LABELS)}"
        )
    category = session.scalar(select(RiskCategory).where(RiskCategory.code == code))
    clash = session.scalar(
        select(RiskCategory.code).where(RiskCategory.name_zh == name_zh, RiskCategory.code != code)
    )
    if clash is not None:
        raise Conflict(f"中文名称已被类别 {clash} 使用 / name_zh {name_zh!r} is used by {clash}")
    if category is None:
        category = RiskCategory(code=code)
        session.add(category)
    category.name_zh, category.name_en, category.group, category.active = (
        name_zh,
        name_en,
        group,
        active,
    )
    session.flush()
    return category


@dataclass(frozen=True)
class _Cat:
    id: int
    code: str
    active: bool


def _category_lookup(session: Session) -> dict[str, _Cat]:
    """Categories by code and by Chinese name (the taxonomy is small: read it whole)."""
    out: dict[str, _Cat] = {}
    for cid, code, name_zh, active in session.execute(
        select(RiskCategory.id, RiskCategory.code, RiskCategory.name_zh, RiskCategory.active)
    ):
        out[code] = out[name_zh] = _Cat(cid, code, active)
    return out


# --- parsing and region derivation -----------------------------------------------------


def _invalid(field_name: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field_name}: {reason}", [{"field": field_name, "reason": reason}])


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(value: Any, kind: type) -> Any:
    """``value`` as int or float; blank is None; a bad value raises ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    if kind is int:
        if not number.is_integer():
            raise ValueError(value)
        return int(number)
    return number


def _geometry(
    row: dict[str, Any], number: int, errors: Errors
) -> BaseGeometry | tuple[float, float] | None:
    """The geometry column if given (WKT, GeoJSON, "lon,lat"), else the point lon/lat as a
    pair (turned into WKB for all rows at once by :func:`_point_wkb`)."""
    raw = row.get("geometry")
    if isinstance(raw, BaseGeometry) or (raw not in (None, "") and _text(raw)):
        try:
            geom = raw if isinstance(raw, BaseGeometry) else geo.parse_geometry(raw)
        except ValidationFailed as exc:
            errors.add(number, "geometry", exc.details[0]["reason"])
            return None
        if geom.is_empty or geom.geom_type not in _POINT_KINDS:
            errors.add(
                number,
                "geometry",
                f"须为点或面 / must be a Point, Polygon or MultiPolygon, got {geom.geom_type}",
            )
            return None
        x0, y0, x1, y1 = geom.bounds
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
            errors.add(number, "geometry", "经纬度超出范围 / coordinates out of range")
            return None
        if not geom.is_valid:
            errors.add(
                number, "geometry", f"几何无效 / invalid geometry: {shapely.is_valid_reason(geom)}"
            )
            return None
        return geom
    try:
        lon, lat = _number(row.get("lon"), float), _number(row.get("lat"), float)
    except ValueError:
        errors.add(number, "lon", "经纬度须为数字 / lon and lat must be numbers")
        return None
    if lon is None or lat is None:
        errors.add(number, "geometry", "须填写几何或经纬度 / give a geometry or lon and lat")
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors.add(number, "lon", f"经纬度超出范围 / coordinates out of range: {lon}, {lat}")
        return None
    return float(lon), float(lat)


def _representative(geom: BaseGeometry) -> tuple[float, float]:
    """The point itself, or a point guaranteed inside the polygon (not the centroid, which
    can fall outside a crescent-shaped landslide body)."""
    if geom.geom_type == "Point":
        return float(geom.x), float(geom.y)
    inside = geom.point_on_surface()
    return (
        round(float(inside.x), geo.COORD_DECIMALS),
        round(float(inside.y), geo.COORD_DECIMALS),
    )


def _parse(
    number: int, row: dict[str, Any], categories: dict[str, _Cat], errors: Errors
) -> dict[str, Any] | None:
    """One row's stored values (without ``region_id``), or None after recording problems.
    Optional columns absent from ``row`` are absent from the result."""
    count = len(errors)
    values: dict[str, Any] = {}
    for field_name in ("code", "name"):
        text = _text(row.get(field_name))
        if not text:
            errors.add(number, field_name, "必填 / required")
        values[field_name] = text
    category = _text(row.get("category"))
    found = categories.get(category)
    if not category:
        errors.add(number, "category", "必填 / required")
    elif found is None:
        errors.add(number, "category", f"未知类别 / unknown category {category!r}")
    else:
        values["category_id"] = found.id
        values["_category_active"] = found.active
    level = _text(row.get("level"))
    values["level"] = _LEVELS.get(level, _LEVELS.get(level.lower()))
    if values["level"] is None:
        errors.add(
            number,
            "level",
            f"等级应为 重大/较大/一般/低 或 major/large/general/low / unknown level {level!r}",
        )
    geom = _geometry(row, number, errors)
    if isinstance(geom, tuple):
        values["lon"], values["lat"] = geom
    elif geom is not None:
        values["geometry"] = geo.to_wkb(geom)
        values["lon"], values["lat"] = _representative(geom)
    if "threatened_people" in row:
        try:
            people = _number(row["threatened_people"], int)
        except ValueError:
            people = -1
        if people is not None and people < 0:
            errors.add(number, "threatened_people", "须为非负整数 / must be a whole number ≥ 0")
        values["threatened_people"] = people or 0
    if "threatened_property_wan" in row:
        try:
            wan = _number(row["threatened_property_wan"], float)
        except ValueError:
            wan = -1.0
        if wan is not None and wan < 0:
            errors.add(number, "threatened_property_wan", "须为非负数 / must be a number ≥ 0")
        values["threatened_property_wan"] = float(wan or 0.0)
    if "status" in row:
        status = _text(row["status"]) or RiskStatus.active.value
        values["status"] = _STATUSES.get(status, _STATUSES.get(status.lower()))
        if values["status"] is None:
            errors.add(
                number,
                "status",
                f"状态应为 在册/监测中/已销号 或 active/monitoring/removed / unknown {status!r}",
            )
    if "note" in row:
        values["note"] = _text(row["note"]) or None
    for field_name, limit in _LIMITS.items():
        if len(values.get(field_name) or "") > limit:
            errors.add(number, field_name, f"超过 {limit} 个字符 / longer than {limit} characters")
    return values if len(errors) == count else None


def locate(session: Session, lons: Any, lats: Any) -> tuple[np.ndarray, list[str | None]]:
    """(region id, region path) of the deepest filing region containing each point:
    township, else county; ``-1``/None where no region contains it. Vectorised."""
    lons = np.asarray(lons, dtype=np.float64)
    lats = np.asarray(lats, dtype=np.float64)
    ids = np.full(len(lons), -1, dtype=np.int64)
    paths: list[str | None] = [None] * len(lons)
    for level in REGION_LEVELS:
        todo = np.flatnonzero(ids < 0)
        if not len(todo):
            break
        ix = index.get_index(session, level)
        pos = ix.positions(lons[todo], lats[todo])
        hit = pos >= 0
        if not hit.any() or not len(ix):
            continue
        ids[todo[hit]] = ix.ids[pos[hit]]
        for i, p in zip(todo[hit].tolist(), pos[hit].tolist(), strict=True):
            paths[i] = ix.paths[p]
    return ids, paths


def _point_wkb(rows: Sequence[dict[str, Any]]) -> None:
    """Geometry WKB for rows given as lon/lat, in one vectorised GEOS call (a Point object
    per row costs more than the rest of the row's checks)."""
    todo = [values for values in rows if "geometry" not in values]
    if not todo:
        return
    points = shapely.points([v["lon"] for v in todo], [v["lat"] for v in todo])
    blobs = shapely.to_wkb(points, byte_order=1, output_dimension=2)
    for values, blob in zip(todo, blobs.tolist(), strict=True):
        values["geometry"] = blob


def _place(
    session: Session,
    actor: Actor,
    parsed: Sequence[tuple[int, dict[str, Any]]],
    errors: Errors,
) -> list[tuple[int, dict[str, Any]]]:
    """Rows given their ``region_id``; rows outside every region or the actor's scope are
    reported and dropped."""
    if not parsed:
        return []
    _point_wkb([values for _, values in parsed])
    ids, paths = locate(session, [v["lon"] for _, v in parsed], [v["lat"] for _, v in parsed])
    out = []
    for (number, values), rid, path in zip(parsed, ids.tolist(), paths, strict=True):
        where = f"({values['lon']}, {values['lat']})"
        if rid < 0 or path is None:
            errors.add(
                number, "geometry", f"位置 {where} 不在任何区划内 / lies outside every region"
            )
        elif not actor.covers(path):
            errors.add(
                number,
                "geometry",
                f"位置 {where} 不在您的管辖范围内 / lies outside your region",
            )
        else:
            values["region_id"] = rid
            out.append((number, values))
    return out


# --- bulk upsert (the importer) --------------------------------------------------------


def _existing(session: Session, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Stored risk points by code with their region's path, as plain tuples."""
    table = RiskPoint.__table__
    columns = [table.c.id, table.c.code, *(table.c[f] for f in FIELDS)]
    out: dict[str, dict[str, Any]] = {}
    for part in chunked(sorted(codes)):
        rows = session.execute(
            select(*columns, Region.__table__.c.path)
            .join(Region.__table__, Region.__table__.c.id == table.c.region_id)
            .where(table.c.code.in_(part))
        )
        for row in rows:
            item = dict(zip(("id", "code", *FIELDS), row, strict=False))
            item["geometry"] = bytes(item["geometry"])
            item["path"] = row[-1]
            out[item["code"]] = item
    return out


CHUNK_ROWS = 50_000
"""Rows checked together (region look-up, stored keys) and written together: a 1,000,000-row
file never holds more than one chunk as dicts, parsed geometry or audit entries."""
CREATE_COLUMNS = ("code", *FIELDS)
"""The order of the values in each of a plan's ``creates`` (see :func:`plan_upsert`)."""


def plan_upsert(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, Any]]]
) -> tuple[Plan, Errors]:
    """Check every row (row number, {column: value}); the plan lists the risk points to
    create and those whose values change, keyed by ``code``.

    Rows are checked a chunk at a time, and each new point is kept as a tuple of its values
    in :data:`CREATE_COLUMNS` order rather than a dict (a third of the memory: 1,000,000 new
    points fit); :func:`apply_upsert` turns them back into rows chunk by chunk.
    """
    errors = Errors()
    categories = _category_lookup(session)
    parsed: list[tuple[int, dict[str, Any]]] = []
    first_row: dict[str, int] = {}
    plan = Plan(ENTITY)
    for number, row in rows:
        plan.rows += 1
        values = _parse(number, row, categories, errors)
        code = _text(row.get("code"))
        if code:
            if code in first_row:
                errors.add(
                    number,
                    "code",
                    f"与第 {first_row[code]} 行编码重复 / same code as row {first_row[code]}",
                )
                continue
            first_row[code] = number
        if values is not None:
            parsed.append((number, values))
        if len(parsed) >= CHUNK_ROWS:
            _plan_chunk(session, actor, parsed, plan, errors)
            parsed = []
    _plan_chunk(session, actor, parsed, plan, errors)
    return plan, errors


def _plan_chunk(
    session: Session,
    actor: Actor,
    parsed: Sequence[tuple[int, dict[str, Any]]],
    plan: Plan,
    errors: Errors,
) -> None:
    """Place one chunk of parsed rows and add them to ``plan`` (codes are unique in the file,
    so each chunk's stored points are looked up on their own)."""
    placed = _place(session, actor, parsed, errors)
    existing = _existing(session, [v["code"] for _, v in placed])
    for number, values in placed:
        old = existing.get(values["code"])
        if old is not None and not actor.covers(old["path"]):
            errors.add(number, "code", f"风险点 {values['code']} {_SCOPE}")
            continue
        active = values.pop("_category_active")
        if not active and (old is None or old["category_id"] != values["category_id"]):
            errors.add(number, "category", "类别已停用 / the category is deactivated")
            continue
        for key, default in OPTIONAL.items():
            if key not in values:
                values[key] = default if old is None else old[key]
        if old is None:
            plan.creates.append(tuple(values[k] for k in CREATE_COLUMNS))  # type: ignore[arg-type]
            continue
        plan.compare(old["id"], {k: old[k] for k in FIELDS}, {k: values[k] for k in FIELDS})


def apply_upsert(session: Session, plan: Plan) -> Counts:
    """Write a plan from :func:`plan_upsert`: executemany INSERT and UPDATE and one audit
    entry per row, a chunk at a time so only one chunk's rows and entries are in memory."""
    table = RiskPoint.__table__
    for part in chunked(plan.creates, CHUNK_ROWS):
        rows = [dict(zip(CREATE_COLUMNS, values, strict=True)) for values in part]
        write_plan(session, table, ENTITY, Plan(ENTITY, creates=rows), ("code",))
    for part in chunked(plan.updates, CHUNK_ROWS):
        write_plan(session, table, ENTITY, Plan(ENTITY, updates=list(part)), ("code",))
    return Counts(len(plan.creates), len(plan.updates), plan.unchanged)


def upsert_risk_points(session: Session, actor: Actor, rows: Sequence[dict[str, Any]]) -> Counts:
    """Create or update many risk points by ``code``, all or nothing: every row is checked
    first, and any problem raises :class:`ValidationFailed` listing all of them."""
    actor.require_write()
    session.info.setdefault("actor", actor)
    session.flush()
    plan, errors = plan_upsert(session, actor, enumerate(rows, start=1))
    if errors:
        raise ValidationFailed(
            f"共 {len(errors)} 处错误，未写入 / {len(errors)} problems, nothing written",
            sorted(errors, key=lambda e: e["row"] or 0),
        )
    counts = apply_upsert(session, plan)
    session.expire_all()
    return counts


# --- single records --------------------------------------------------------------------


def _single(session: Session, actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    """Parse and place one API row; problems raise ValidationFailed (no row numbers)."""
    errors = Errors()
    values = _parse(0, row, _category_lookup(session), errors)
    placed = _place(session, actor, [(0, values)], errors) if values is not None else []
    if errors or not placed:
        details = [{"field": e["field"], "reason": e["reason"]} for e in errors]
        raise ValidationFailed("; ".join(f"{e['field']}: {e['reason']}" for e in errors), details)
    return placed[0][1]


def create_risk_point(session: Session, actor: Actor, **fields: Any) -> RiskPoint:
    """A new risk point; its region comes from the geometry (or lon/lat)."""
    actor.require_write()
    values = _single(session, actor, {**OPTIONAL, **fields})
    if session.scalar(select(RiskPoint.id).where(RiskPoint.code == values["code"])):
        raise Conflict(f"编码已存在 / risk point code {values['code']!r} already exists")
    if not values.pop("_category_active"):
        raise _invalid("category", "类别已停用 / the category is deactivated")
    point = RiskPoint(**values)
    session.add(point)
    session.flush()
    return point


def update_risk_point(
    session: Session, actor: Actor, risk_point_id: int, **changes: Any
) -> RiskPoint:
    """Change the given fields; a new geometry (or lon/lat) re-derives the region."""
    point = get_risk_point(session, actor, risk_point_id)
    actor.check_region(session, point.region_id, write=True)
    category = session.get(RiskCategory, point.category_id)
    row: dict[str, Any] = {
        "code": point.code,
        "name": point.name,
        "category": category.code if category else "",
        "level": point.level,
        "geometry": geo.from_wkb(point.geometry),
        "threatened_people": point.threatened_people,
        "threatened_property_wan": point.threatened_property_wan,
        "status": point.status,
        "note": point.note,
    }
    if "geometry" not in changes and ("lon" in changes or "lat" in changes):
        row["geometry"] = None
        row["lon"], row["lat"] = changes.get("lon", point.lon), changes.get("lat", point.lat)
    row.update({k: v for k, v in changes.items() if k not in ("code", "lon", "lat")})
    values = _single(session, actor, row)
    active = values.pop("_category_active")
    if not active and values["category_id"] != point.category_id:
        raise _invalid("category", "类别已停用 / the category is deactivated")
    for key in FIELDS:
        if getattr(point, key) != values[key]:
            setattr(point, key, values[key])
    session.flush()
    return point


def get_risk_point(session: Session, actor: Actor, risk_point_id: int) -> RiskPoint:
    stmt = actor.scoped(select(RiskPoint).where(RiskPoint.id == risk_point_id), RiskPoint.region_id)
    point = session.scalar(stmt)
    if point is None:
        raise NotFound(f"风险点不存在 / risk point {risk_point_id} not found")
    return point


def list_risk_points(
    session: Session,
    actor: Actor,
    *,
    category: str | None = None,
    level: str | None = None,
    status: str | None = None,
    under_region_id: int | None = None,
    q: str | None = None,
    bbox: BBox | None = None,
    offset: int = 0,
    limit: int = 50,
    with_geometry: bool = False,
) -> Page[RiskPoint]:
    """Risk points in scope, filtered; ``category`` is a code or Chinese name, ``level`` and
    ``status`` English or Chinese; ``bbox`` keeps points whose representative point is in
    view. ``with_geometry`` loads the geometry with the page (map layers) instead of one
    query per point."""
    stmt: Select[Any] = actor.scoped(select(RiskPoint), RiskPoint.region_id)
    if with_geometry:
        stmt = stmt.options(undefer(RiskPoint.geometry))
    if under_region_id is not None:
        root = actor.check_region(session, under_region_id)
        sub = select(Region.id).where(under(Region.path, root.path))
        stmt = stmt.where(RiskPoint.region_id.in_(sub))
    if category:
        found = _category_lookup(session).get(category)
        stmt = stmt.where(RiskPoint.category_id == (found.id if found else -1))
    if level:
        stmt = stmt.where(RiskPoint.level == _LEVELS.get(level, level))
    if status:
        stmt = stmt.where(RiskPoint.status == _STATUSES.get(status, status))
    if q:
        stmt = stmt.where(or_(RiskPoint.name.contains(q), RiskPoint.code.contains(q)))
    if bbox is not None:
        stmt = stmt.where(bbox.where(RiskPoint.lon, RiskPoint.lat))
    return paginate(session, stmt.order_by(RiskPoint.id), offset, limit)


# --- responsibility --------------------------------------------------------------------


def responsible(
    session: Session,
    actor: Actor,
    risk_point_ids: Iterable[int],
    roles: Sequence[str] | None = None,
) -> dict[int, dict[str, list[Responsible]]]:
    """{risk point id: {role: [persons]}} for the points the actor may see (点线面: the
    administrative, technical and monitoring persons answering for each point)."""
    wanted = sorted(set(risk_point_ids))
    visible: list[int] = []
    for part in chunked(wanted):
        stmt = actor.scoped(
            select(RiskPoint.id).where(RiskPoint.id.in_(list(part))), RiskPoint.region_id
        )
        visible.extend(session.scalars(stmt))
    found = responsible_for(session, actor, TARGET_KIND, visible, roles)
    out: dict[int, dict[str, list[Responsible]]] = {}
    for point_id in visible:
        by_role: dict[str, list[Responsible]] = {}
        for person in found.get(point_id, []):
            by_role.setdefault(person.role, []).append(person)
        out[point_id] = by_role
    return out


# --- attachments -----------------------------------------------------------------------


def add_attachment(
    session: Session,
    actor: Actor,
    risk_point_id: int,
    filename: str,
    data: bytes,
    *,
    lon: float | None = None,
    lat: float | None = None,
) -> Attachment:
    """A photo (JPEG/PNG/WebP) or PDF document of the point (survey report, emergency card),
    by a writer whose region holds the point."""
    point = get_risk_point(session, actor, risk_point_id)
    actor.check_region(session, point.region_id, write=True)
    return files.store(session, actor, TARGET_KIND, point.id, filename, data, lon=lon, lat=lat)


def attachments(session: Session, actor: Actor, risk_point_id: int) -> list[Attachment]:
    """The point's files, oldest first, for anyone who may see the point."""
    point = get_risk_point(session, actor, risk_point_id)
    return files.list_for(session, TARGET_KIND, [point.id])


def _check_visible(session: Session, actor: Actor, risk_point_id: int) -> None:
    get_risk_point(session, actor, risk_point_id)


files.register_owner(TARGET_KIND, _check_visible)
