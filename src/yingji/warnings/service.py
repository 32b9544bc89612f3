"""Create, ingest (CAP 1.2), update, cancel, list and export warnings.

CAP → warning mapping (ingest), each falling back to the next:
- category: parameter ``yingji:category``; else the ``event`` text containing a category's
  Chinese name (暴雨 → rainstorm); else ``other``.
- level: parameter ``yingji:level`` (red/orange/yellow/blue) or ``预警等级`` (红色/橙色...);
  else ``severity``: Extreme → red, Severe → orange, Moderate → yellow, Minor/Unknown → blue.
- stage: parameter ``yingji:stage``; else ``urgency``: Immediate → imminent, Expected →
  forecast, Future → outlook, otherwise forecast.
- key period: parameter ``yingji:key_period`` = true.
- regions: ``geocode`` entries named ``GB/T 2260``; polygons and circles also cover every
  county they overlap.
An Update marks the warnings it references ``updated`` and links to the first; a Cancel
marks them ``cancelled`` and stores nothing new. References must resolve.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import shapely
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor, system_actor
from yingji.db import utcnow
from yingji.errors import NotFound, PermissionDenied, ValidationFailed
from yingji.regions import geo
from yingji.regions.models import Region, RegionLevel
from yingji.regions.service import regions_covering
from yingji.warnings.cap import GEOCODE_REGION, CapAlert, CapArea, CapInfo, parse, to_xml
from yingji.warnings.models import (
    CATEGORY_LABELS,
    LEVEL_BY_NAME,
    LEVEL_LABELS,
    EarlyWarning,
    Stage,
    WarningRegion,
    WarningStatus,
)

SENDER = "yingji@emergency.local"
"""CAP ``sender`` of warnings created in Yingji."""
SEVERITY_BY_LEVEL = {1: "Extreme", 2: "Severe", 3: "Moderate", 4: "Minor"}
LEVEL_BY_SEVERITY = {"Extreme": 1, "Severe": 2, "Moderate": 3, "Minor": 4, "Unknown": 4}
URGENCY_BY_STAGE = {
    "outlook": "Future",
    "forecast": "Expected",
    "nowcast": "Immediate",
    "imminent": "Immediate",
}
STAGE_BY_URGENCY = {"Immediate": "imminent", "Expected": "forecast", "Future": "outlook"}
CAP_CATEGORY = {
    "geological": "Geo",
    "earthquake": "Geo",
    "forest_fire": "Fire",
    "hazardous_chemical": "CBRNE",
    "other": "Other",
}
"""CAP ``category`` on export; every category not listed is meteorological (Met)."""
LEVEL_PARAM = "预警等级"
NOT_FOUND = "预警不存在 / warning not found"


def _bad(field: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed(f"{zh} / {en}", [{"field": field, "reason": f"{zh} / {en}"}])


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# --- area -----------------------------------------------------------------------------------


def _geojson_rings(area: dict[str, Any]) -> list[list[list[float]]]:
    """A GeoJSON area as CAP polygon rings (exterior rings: CAP has no holes)."""
    if not area.get("geojson"):
        return []
    geom = geo.polygonal(geo.parse_geometry(area["geojson"]))
    if geom.geom_type not in geo.POLYGONAL:
        raise _bad("area.geojson", "GeoJSON 须为面", "GeoJSON must be a (Multi)Polygon")
    return [
        [[float(x), float(y)] for x, y in part.exterior.coords] for part in shapely.get_parts(geom)
    ]


def _shape(area: dict[str, Any]) -> shapely.Geometry | None:
    """The union of the area's polygons and circles (None if it has neither)."""
    parts = []
    for i, ring in enumerate(area.get("polygons") or []):
        if len(ring) < 4 or list(ring[0]) != list(ring[-1]):
            raise _bad(f"area.polygons.{i}", "多边形须闭合且至少 4 点", "polygon must be closed")
        for lon, lat in ring:
            geo.check_lonlat(lon, lat)
        parts.append(geo.polygonal(shapely.Polygon(ring)))
    for lon, lat, radius in area.get("circles") or []:
        parts.append(geo.circle(lon, lat, radius))
    return shapely.union_all(parts) if parts else None


def _covered(session: Session, area: dict[str, Any], shape: Any) -> list[Region]:
    """Regions named by code, plus counties the shapes overlap; none at all is an error."""
    codes = list(dict.fromkeys(area.get("region_codes") or []))
    found = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise _bad("area.region_codes", f"区划代码不存在: {missing}", "unknown region codes")
    regions = list(found.values())
    if shape is not None:
        county = regions_covering(session, system_actor(), shape, RegionLevel.county)
        have = {r.id for r in regions}
        extra = [c.region_id for c in county if c.region_id not in have]
        regions += list(session.scalars(select(Region).where(Region.id.in_(extra))))
    if not regions:
        raise _bad("area", "预警范围未覆盖任何区划", "the area covers no registered region")
    return regions


# --- writing --------------------------------------------------------------------------------


def _check_fields(data: dict[str, Any]) -> None:
    if data["category"] not in CATEGORY_LABELS:
        raise _bad("category", f"未知灾种 {data['category']}", "unknown category")
    if data["level"] not in LEVEL_LABELS:
        raise _bad("level", "等级须为 1-4 (红橙黄蓝)", "level must be 1..4")
    if data["stage"] not in Stage.__members__:
        raise _bad("stage", f"未知阶段 {data['stage']}", "unknown stage")
    until = data.get("valid_until")
    if until is not None and until <= data["valid_from"]:
        raise _bad("valid_until", "失效时间须晚于生效时间", "valid_until must follow valid_from")


def _store(session: Session, actor: Actor, data: dict[str, Any]) -> EarlyWarning:
    """Write a warning and its regions after checking fields and the actor's area."""
    actor.require_write()
    _check_fields(data)
    area = dict(data["area"])
    area["polygons"] = [list(map(list, r)) for r in area.get("polygons") or []]
    area["polygons"] += _geojson_rings(area)
    area["circles"] = [list(c) for c in area.get("circles") or []]
    shape = _shape(area)
    regions = _covered(session, area, shape)
    if not actor.is_admin:
        named = set(area.get("region_codes") or [])
        outside = [r.code for r in regions if r.code in named and not actor.covers(r.path)]
        if outside or not any(actor.covers(r.path) for r in regions):
            raise PermissionDenied(
                f"预警范围超出本账号辖区 {outside} / the area lies outside your regions"
            )
    exists = session.scalar(
        select(EarlyWarning.id).where(
            EarlyWarning.sender == data["sender"], EarlyWarning.identifier == data["identifier"]
        )
    )
    if exists is not None:
        raise _bad("identifier", "该预警已登记", "a warning with this identifier exists")
    warning = EarlyWarning(
        **{k: v for k, v in data.items() if k != "area"},
        code=f"YJW-{secrets.token_hex(6).upper()}",
        area={
            "polygons": area.get("polygons") or [],
            "circles": area.get("circles") or [],
            "region_codes": list(dict.fromkeys(area.get("region_codes") or [])),
        },
        geometry=geo.to_wkb(shape) if shape is not None else None,
        status=WarningStatus.active,
        created_by=actor.username,
    )
    session.add(warning)
    session.flush()
    session.add_all(
        WarningRegion(warning_id=warning.id, region_id=r.id, path=r.path) for r in regions
    )
    session.flush()
    return warning


def create(session: Session, actor: Actor, data: dict[str, Any]) -> EarlyWarning:
    """A warning from the API. ``replaces`` (a warning id) makes it a CAP Update of that one."""
    data = dict(data)
    replaces = data.pop("replaces", None)
    old = get(session, actor, replaces) if replaces is not None else None
    now = utcnow()
    data.setdefault("valid_from", now)
    data["valid_from"] = _aware(data["valid_from"] or now)
    if data.get("valid_until") is not None:
        data["valid_until"] = _aware(data["valid_until"])
    warning_fields = {
        **data,
        "identifier": f"yingji-{secrets.token_hex(8)}",
        "sender": SENDER,
        "sent": now,
        "msg_type": "Update" if old else "Alert",
        "urgency": URGENCY_BY_STAGE.get(data.get("stage", ""), "Unknown"),
        "severity": SEVERITY_BY_LEVEL.get(data.get("level", 0), "Unknown"),
        "certainty": "Likely",
        "references": _refs([old]) if old else [],
        "source": "api",
    }
    if old is not None:
        _require_live(old, "replaces")
    warning = _store(session, actor, warning_fields)
    if old is not None:
        warning.replaces_id = old.id
        old.status = WarningStatus.updated
    session.flush()
    return warning


def _refs(olds: list[EarlyWarning | None]) -> list[list[str]]:
    return [[w.sender, w.identifier, _aware(w.sent).isoformat()] for w in olds if w]


def _require_live(warning: EarlyWarning, field: str) -> None:
    if warning.status != WarningStatus.active:
        raise _bad(field, f"预警 {warning.code} 已{warning.status}", "warning is no longer active")


def cancel(session: Session, actor: Actor, warning_id: int) -> EarlyWarning:
    """Cancel (解除) a warning; only an active one can be cancelled."""
    actor.require_write()
    warning = get(session, actor, warning_id)
    _require_live(warning, "status")
    warning.status = WarningStatus.cancelled
    warning.cancelled_at = utcnow()
    session.flush()
    return warning


# --- CAP ingest ------------------------------------------------------------------------------


def _param(info: CapInfo, *names: str) -> str | None:
    for name, value in info.parameters:
        if name in names:
            return value.strip()
    return None


def _level(info: CapInfo) -> int:
    given = _param(info, "yingji:level", LEVEL_PARAM)
    if given:
        for level, label in LEVEL_LABELS.items():
            if given in (label, label[0], f"{label}预警"):
                return level
        if given in LEVEL_BY_NAME:
            return LEVEL_BY_NAME[given]
        raise _bad("info.parameter", f"无法识别预警等级 {given}", "unknown level")
    return LEVEL_BY_SEVERITY.get(info.severity, 4)


def _category(info: CapInfo) -> str:
    given = _param(info, "yingji:category")
    if given:
        return given
    for key, label in CATEGORY_LABELS.items():
        if key != "other" and label in info.event:
            return key
    return "other"


def _cap_area(info: CapInfo) -> tuple[str, dict[str, Any]]:
    area: dict[str, Any] = {"polygons": [], "circles": [], "region_codes": []}
    for a in info.areas:
        area["polygons"] += [[list(p) for p in ring] for ring in a.polygons]
        area["circles"] += [list(c) for c in a.circles]
        area["region_codes"] += a.region_codes
    return "、".join(a.area_desc for a in info.areas), area


def _referenced(session: Session, alert: CapAlert) -> list[EarlyWarning]:
    out = []
    for sender, identifier, _sent in alert.references:
        warning = session.scalar(
            select(EarlyWarning).where(
                EarlyWarning.sender == sender, EarlyWarning.identifier == identifier
            )
        )
        if warning is None:
            raise _bad("references", f"引用的预警不存在: {identifier}", "reference not found")
        out.append(warning)
    return out


def ingest(session: Session, actor: Actor, data: bytes) -> EarlyWarning:
    """Store a CAP 1.2 message (or apply its Cancel); a bad message stores nothing.

    Returns the new warning, or for a Cancel the first warning it cancelled.
    """
    actor.require_write()
    alert = parse(data)
    if alert.msg_type not in ("Alert", "Update", "Cancel"):
        raise _bad("msgType", f"不处理 {alert.msg_type} 消息", "only Alert, Update, Cancel")
    olds = _referenced(session, alert)
    if alert.msg_type == "Cancel":
        for old in olds:
            get(session, actor, old.id)  # scope
            old.status = WarningStatus.cancelled
            old.cancelled_at = utcnow()
        session.flush()
        return olds[0]
    if not alert.infos:
        raise _bad("info", "CAP 消息缺少 info", "the message has no info block")
    info = next((i for i in alert.infos if i.language.startswith("zh")), alert.infos[0])
    area_desc, area = _cap_area(info)
    stage = _param(info, "yingji:stage") or STAGE_BY_URGENCY.get(info.urgency, "forecast")
    fields = {
        "category": _category(info),
        "level": _level(info),
        "stage": stage,
        "key_period": (_param(info, "yingji:key_period") or "").lower() == "true",
        "area_desc": area_desc[:500] or "—",
        "area": area,
        "valid_from": info.onset or alert.sent,
        "valid_until": info.expires,
        "authority": info.sender_name or alert.sender,
        "headline": info.headline or info.event,
        "description": info.description,
        "instruction": info.instruction,
        "identifier": alert.identifier,
        "sender": alert.sender,
        "sent": alert.sent,
        "msg_type": alert.msg_type,
        "cap_status": alert.status,
        "cap_scope": alert.scope,
        "urgency": info.urgency,
        "severity": info.severity,
        "certainty": info.certainty,
        "references": [[s, i, t.isoformat()] for s, i, t in alert.references],
        "source": "cap",
    }
    try:
        warning = _store(session, actor, fields)
    except ValidationFailed as exc:
        raise ValidationFailed(f"CAP 消息被拒绝: {exc.message}", exc.details) from exc
    if olds:
        warning.replaces_id = olds[0].id
        for old in olds:
            old.status = WarningStatus.updated
    session.flush()
    return warning


# --- reading --------------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    """``/a/b/c/`` → ``["/a/", "/a/b/", "/a/b/c/"]``: the regions above and at a path."""
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def scoped(actor: Actor, stmt: Select) -> Select:
    """Warnings whose covered regions touch the actor's subtree: a region at or below it, or
    one above it (a warning for the whole city reaches every township in it)."""
    if actor.region_path == "/":
        return stmt
    touching = select(WarningRegion.warning_id).where(
        or_(
            WarningRegion.path.startswith(actor.region_path, autoescape=True),
            WarningRegion.path.in_(_ancestor_paths(actor.region_path)),
        )
    )
    return stmt.where(EarlyWarning.id.in_(touching))


def get(session: Session, actor: Actor, warning_id: int) -> EarlyWarning:
    warning = session.scalar(
        scoped(actor, select(EarlyWarning)).where(EarlyWarning.id == warning_id)
    )
    if warning is None:
        raise NotFound(NOT_FOUND)
    return warning


def effective_status(warning: EarlyWarning, now: dt.datetime | None = None) -> str:
    """``expired`` when an active warning's validity has passed (never stored)."""
    now = now or utcnow()
    until = warning.valid_until
    if warning.status == WarningStatus.active and until is not None and _aware(until) <= now:
        return WarningStatus.expired
    return warning.status


def _filtered(
    stmt: Select,
    *,
    level: int | None = None,
    category: str | None = None,
    status: str | None = None,
    under_path: str | None = None,
    active_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Select:
    now = now or utcnow()
    live = or_(EarlyWarning.valid_until.is_(None), EarlyWarning.valid_until > now)
    if level is not None:
        stmt = stmt.where(EarlyWarning.level == level)
    if category is not None:
        stmt = stmt.where(EarlyWarning.category == category)
    if status == WarningStatus.expired:
        stmt = stmt.where(EarlyWarning.status == WarningStatus.active, ~live)
    elif status == WarningStatus.active:
        stmt = stmt.where(EarlyWarning.status == WarningStatus.active, live)
    elif status is not None:
        stmt = stmt.where(EarlyWarning.status == status)
    if under_path is not None:
        stmt = stmt.where(
            EarlyWarning.id.in_(
                select(WarningRegion.warning_id).where(
                    or_(
                        WarningRegion.path.startswith(under_path, autoescape=True),
                        WarningRegion.path.in_(_ancestor_paths(under_path)),
                    )
                )
            )
        )
    if active_at is not None:
        stmt = stmt.where(
            EarlyWarning.status == WarningStatus.active,
            EarlyWarning.valid_from <= active_at,
            or_(EarlyWarning.valid_until.is_(None), EarlyWarning.valid_until > active_at),
        )
    return stmt


def list_warnings(
    session: Session, actor: Actor, *, offset: int = 0, limit: int = 50, **filters: Any
) -> tuple[list[EarlyWarning], int]:
    """A page of the warnings the actor may see, newest first, and the total."""
    stmt = _filtered(scoped(actor, select(EarlyWarning)), **filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(EarlyWarning.sent.desc(), EarlyWarning.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total


def public_active(session: Session, now: dt.datetime | None = None) -> list[EarlyWarning]:
    """Active, actual, public warnings for the public feed (no sign-in)."""
    stmt = _filtered(select(EarlyWarning), status=WarningStatus.active, now=now).where(
        EarlyWarning.cap_status == "Actual", EarlyWarning.cap_scope == "Public"
    )
    return list(session.scalars(stmt.order_by(EarlyWarning.sent.desc()).limit(200)))


def public_get(session: Session, warning_id: int) -> EarlyWarning:
    """A warning anyone may read as CAP: actual and public scope."""
    warning = session.get(EarlyWarning, warning_id)
    if warning is None or warning.cap_status != "Actual" or warning.cap_scope != "Public":
        raise NotFound(NOT_FOUND)
    return warning


def region_codes(session: Session, warning_ids: list[int]) -> dict[int, list[str]]:
    """Covered region codes per warning, in one query for a whole page."""
    out: dict[int, list[str]] = {i: [] for i in warning_ids}
    rows = session.execute(
        select(WarningRegion.warning_id, Region.code)
        .join(Region, Region.id == WarningRegion.region_id)
        .where(WarningRegion.warning_id.in_(warning_ids))
        .order_by(Region.code)
    )
    for wid, code in rows:
        out[wid].append(code)
    return out


# --- CAP export -----------------------------------------------------------------------------


def to_cap(session: Session, warning: EarlyWarning) -> CapAlert:
    """The warning as a CAP alert; every covered region travels as a ``GB/T 2260`` geocode."""
    area = warning.area or {}
    codes = region_codes(session, [warning.id])[warning.id]
    params = [
        (LEVEL_PARAM, LEVEL_LABELS[warning.level]),
        ("yingji:category", warning.category),
        ("yingji:stage", warning.stage),
        ("yingji:key_period", "true" if warning.key_period else "false"),
    ]
    info = CapInfo(
        language="zh-CN",
        categories=[CAP_CATEGORY.get(warning.category, "Met")],
        event=CATEGORY_LABELS.get(warning.category, warning.category),
        urgency=warning.urgency,
        severity=warning.severity,
        certainty=warning.certainty,
        onset=_aware(warning.valid_from),
        expires=_aware(warning.valid_until) if warning.valid_until else None,
        sender_name=warning.authority,
        headline=warning.headline,
        description=warning.description,
        instruction=warning.instruction,
        parameters=params,
        areas=[
            CapArea(
                area_desc=warning.area_desc,
                polygons=[[(p[0], p[1]) for p in ring] for ring in area.get("polygons", [])],
                circles=[(c[0], c[1], c[2]) for c in area.get("circles", [])],
                geocodes=[(GEOCODE_REGION, code) for code in codes],
            )
        ],
    )
    return CapAlert(
        identifier=warning.identifier,
        sender=warning.sender,
        sent=_aware(warning.sent),
        status=warning.cap_status,
        msg_type=warning.msg_type,
        scope=warning.cap_scope,
        references=[(s, i, dt.datetime.fromisoformat(t)) for s, i, t in warning.references or []],
        infos=[info],
    )


def cap_xml(session: Session, warning: EarlyWarning) -> bytes:
    return to_xml(to_cap(session, warning))
