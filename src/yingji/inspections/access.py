"""Who may inspect what, and see which inspections.

A regulator works within their region subtree. A grid member works within their subtree or
at places they currently answer for through an assignment (a risk point's monitoring person
usually sits in a grid below the township the point belongs to). An enterprise user works
only at their own enterprise. Out-of-scope records read as missing so their existence does
not leak.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.enterprises.models import Enterprise
from yingji.errors import NotFound, PermissionDenied, ValidationFailed
from yingji.inspections.models import Inspection, InspectionKind
from yingji.people.models import Assignment, Organisation
from yingji.people.service import active_on
from yingji.regions.models import Region
from yingji.regions.paths import under
from yingji.risk.models import RiskPoint

SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"
KIND_ROLES: dict[str, frozenset[UserRole]] = {
    InspectionKind.regulatory: frozenset({UserRole.system_admin, UserRole.operator}),
    InspectionKind.patrol: frozenset(
        {UserRole.system_admin, UserRole.operator, UserRole.grid_member}
    ),
    InspectionKind.self_check: frozenset({UserRole.enterprise_user}),
}
"""Which roles may make which kind of inspection."""


def bad(field: str, reason: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(reason, [{"field": field, "reason": reason, **extra}])


def position(field: str, lon: Any, lat: Any) -> list[dict[str, Any]]:
    """Problems with a GPS fix: both or neither, numbers, in range."""
    if lon is None and lat is None:
        return []
    if lon is None or lat is None:
        return [{"field": field, "reason": "经度和纬度须同时给出 / give both lon and lat"}]
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return [{"field": field, "reason": "经纬度须为数字 / lon and lat must be numbers"}]
    problems = []
    if not (math.isfinite(x) and -180 <= x <= 180):
        problems.append(
            {"field": f"{field}.lon", "reason": f"经度 {lon} 超出 [-180, 180] / lon out of range"}
        )
    if not (math.isfinite(y) and -90 <= y <= 90):
        problems.append(
            {"field": f"{field}.lat", "reason": f"纬度 {lat} 超出 [-90, 90] / lat out of range"}
        )
    return problems


def scoped(actor: Actor, stmt: Select[Any] | None = None) -> Select[Any]:
    """Inspections the actor may see: their subtree (and their own), their enterprise."""
    stmt = select(Inspection) if stmt is None else stmt
    if actor.role == UserRole.enterprise_user:
        return stmt.where(Inspection.organisation_id == actor.organisation_id)
    if actor.region_path != "/":
        stmt = stmt.where(
            or_(
                under(Inspection.region_path, actor.region_path),
                Inspection.inspector_id == actor.user_id,
            )
        )
    return stmt


def get(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    inspection = session.scalar(scoped(actor).where(Inspection.id == inspection_id))
    if inspection is None:
        raise NotFound(f"检查 {inspection_id} {SCOPE}")
    return inspection


@dataclass
class Target:
    region: Region
    enterprise: Enterprise | None = None
    organisation: Organisation | None = None
    risk_point: RiskPoint | None = None


def assigned(session: Session, actor: Actor, kind: str, target_id: int) -> bool:
    """Whether the actor's person currently answers for the target (e.g. as its monitor)."""
    if actor.person_id is None:
        return False
    stmt = select(Assignment.id).where(
        Assignment.person_id == actor.person_id,
        Assignment.target_kind == kind,
        Assignment.target_id == target_id,
        active_on(clock.today()),
    )
    return session.scalar(stmt.limit(1)) is not None


def target(session: Session, actor: Actor, data: dict[str, Any]) -> Target:
    """The enterprise or risk point ``data`` names, if the actor may inspect it there."""
    enterprise_id, risk_point_id = data.get("enterprise_id"), data.get("risk_point_id")
    if (enterprise_id is None) == (risk_point_id is None):
        raise bad(
            "enterprise_id",
            "须给出企业或风险点之一 / give exactly one of enterprise_id and risk_point_id",
        )
    if enterprise_id is not None:
        enterprise = session.get(Enterprise, enterprise_id)
        organisation = enterprise and session.get(Organisation, enterprise.organisation_id)
        if enterprise is None or organisation is None:
            raise bad("enterprise_id", f"企业 {enterprise_id} {SCOPE}")
        place = Target(session.get_one(Region, organisation.region_id), enterprise, organisation)
        kind, target_id = "enterprise", enterprise.id
    else:
        point = session.get(RiskPoint, risk_point_id)
        if point is None:
            raise bad("risk_point_id", f"风险点 {risk_point_id} {SCOPE}")
        place = Target(session.get_one(Region, point.region_id), risk_point=point)
        kind, target_id = "risk_point", point.id
    if actor.role == UserRole.enterprise_user:
        if place.organisation is None or place.organisation.id != actor.organisation_id:
            raise PermissionDenied("企业账号只能检查本企业 / enterprise users inspect their own")
    elif not actor.covers(place.region.path) and not (
        actor.role == UserRole.grid_member and assigned(session, actor, kind, target_id)
    ):
        field = "enterprise_id" if kind == "enterprise" else "risk_point_id"
        raise NotFound(f"{field} {target_id} {SCOPE}")
    return place
