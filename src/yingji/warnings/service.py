"""Create, update, cancel and read warnings; the CAP mapping is in ``cap_map``."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import shapely
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from yingji import jobs
from yingji.auth.scope import Actor, system_actor
from yingji.clock import aware
from yingji.db import utcnow
from yingji.errors import NotFound, PermissionDenied, invalid
from yingji.regions import geo
from yingji.regions.models import Region, RegionLevel
from yingji.regions.paths import under
from yingji.regions.service import regions_covering
from yingji.warnings.models import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    EarlyWarning,
    Stage,
    WarningRegion,
    WarningStatus,
)

SENDER = "yingji@emergency.local"
"""CAP ``sender`` of warnings created in Yingji."""
SEVERITY_BY_LEVEL = {1: "Extreme", 2: "Severe", 3: "Moderate", 4: "Minor"}
URGENCY_BY_STAGE = {
    "outlook": "Future",
    "forecast": "Expected",
    "nowcast": "Immediate",
    "imminent": "Immediate",
}
NOT_FOUND = "预警不存在 / warning not found"
RESPOND_JOB = "warning.respond"
"""Job that calls the responsible persons of a new warning (``warnings.respond``)."""
WITHDRAW_JOB = "warning.withdraw"
"""Job that stops the calls of a cancelled warning (``warnings.callresponse``)."""


# --- area -----------------------------------------------------------------------------------


def _geojson_rings(area: dict[str, Any]) -> list[list[list[float]]]:
    """A GeoJSON area as CAP polygon rings (exterior rings: CAP has no holes)."""
    if not area.get("geojson"):
        return []
    geom = geo.polygonal(geo.parse_geometry(area["geojson"]))
    if geom.geom_type not in geo.POLYGONAL:
        raise invalid("area.geojson", "GeoJSON 须为面 / GeoJSON must be a (Multi)Polygon")
    return [
        [[float(x), float(y)] for x, y in part.exterior.coords] for part in shapely.get_parts(geom)
    ]


def _shape(area: dict[str, Any]) -> shapely.Geometry | None:
    """The union of the area's polygons and circles (None if it has neither)."""
    parts = []
    for i, ring in enumerate(area.get("polygons") or []):
        if len(ring) < 4 or list(ring[0]) != list(ring[-1]):
            raise invalid(f"area.polygons.{i}", "多边形须闭合且至少 4 点 / polygon must be closed")
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
        raise invalid("area.region_codes", f"区划代码不存在: {missing} / unknown region codes")
    regions = list(found.values())
    if shape is not None:
        county = regions_covering(session, system_actor(), shape, RegionLevel.county)
        have = {r.id for r in regions}
        extra = [c.region_id for c in county if c.region_id not in have]
        regions += list(session.scalars(select(Region).where(Region.id.in_(extra))))
    if not regions:
        raise invalid("area", "预警范围未覆盖任何区划 / the area covers no registered region")
    return regions


# --- writing --------------------------------------------------------------------------------


def _check_fields(data: dict[str, Any]) -> None:
    if data["category"] not in CATEGORY_LABELS:
        raise invalid("category", f"未知灾种 {data['category']} / unknown category")
    if data["level"] not in LEVEL_LABELS:
        raise invalid("level", "等级须为 1-4 (红橙黄蓝) / level must be 1..4")
    if data["stage"] not in Stage.__members__:
        raise invalid("stage", f"未知阶段 {data['stage']} / unknown stage")
    until = data.get("valid_until")
    if until is not None and until <= data["valid_from"]:
        raise invalid("valid_until", "失效时间须晚于生效时间 / valid_until must follow valid_from")


def store(session: Session, actor: Actor, data: dict[str, Any]) -> EarlyWarning:
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
        raise invalid("identifier", "该预警已登记 / a warning with this identifier exists")
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
    if warning.cap_status == "Actual":
        later(session, RESPOND_JOB, warning.id)
    return warning


def later(session: Session, kind: str, warning_id: int) -> None:
    """Queue the call-out (or its withdrawal) in this transaction: the API answers at once,
    and a crash between storing the warning and calling people loses nothing."""
    jobs.schedule(session, kind, utcnow(), "warning", warning_id, key=f"{kind}:{warning_id}")


def create(session: Session, actor: Actor, data: dict[str, Any]) -> EarlyWarning:
    """A warning from the API. ``replaces`` (a warning id) makes it a CAP Update of that one."""
    data = dict(data)
    replaces = data.pop("replaces", None)
    old = get(session, actor, replaces) if replaces is not None else None
    now = utcnow()
    data.setdefault("valid_from", now)
    data["valid_from"] = aware(data["valid_from"] or now)
    if data.get("valid_until") is not None:
        data["valid_until"] = aware(data["valid_until"])
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
    warning = store(session, actor, warning_fields)
    if old is not None:
        warning.replaces_id = old.id
        old.status = WarningStatus.updated
    session.flush()
    return warning


def _refs(olds: list[EarlyWarning | None]) -> list[list[str]]:
    return [[w.sender, w.identifier, aware(w.sent).isoformat()] for w in olds if w]


def _require_live(warning: EarlyWarning, field: str) -> None:
    if warning.status != WarningStatus.active:
        raise invalid(
            field, f"预警 {warning.code} 已{warning.status} / warning is no longer active"
        )


def cancel(session: Session, actor: Actor, warning_id: int) -> EarlyWarning:
    """Cancel (解除) a warning; only an active one can be cancelled."""
    actor.require_write()
    warning = get(session, actor, warning_id)
    _require_live(warning, "status")
    warning.status = WarningStatus.cancelled
    warning.cancelled_at = utcnow()
    session.flush()
    later(session, WITHDRAW_JOB, warning.id)
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
            under(WarningRegion.path, actor.region_path),
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
    if warning.status == WarningStatus.active and until is not None and aware(until) <= now:
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
                        under(WarningRegion.path, under_path),
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
