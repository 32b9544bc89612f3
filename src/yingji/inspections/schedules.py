"""Inspection schedules ("every N days") and the places they say are due.

One query per active schedule (there are few) finds its places with the date of their last
finished inspection, keeping those not inspected within the interval; a place that several
schedules cover takes the strictest answer (the earliest due date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.enterprises.models import Enterprise, RiskGrade
from yingji.errors import NotFound, ValidationFailed
from yingji.inspections.models import (
    Inspection,
    InspectionKind,
    InspectionSchedule,
    InspectionState,
    TargetKind,
)
from yingji.people.models import Organisation
from yingji.regions.models import Region
from yingji.regions.paths import under
from yingji.risk.models import RiskCategory, RiskPoint, RiskStatus

_SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"


def scoped(actor: Actor) -> Select[Any]:
    """Schedules of the actor's subtree and of the regions above it (which apply here too)."""
    stmt = select(InspectionSchedule)
    if actor.region_path != "/":
        above = func.substr(actor.region_path, 1, func.length(InspectionSchedule.region_path))
        stmt = stmt.where(
            or_(
                under(InspectionSchedule.region_path, actor.region_path),
                InspectionSchedule.region_path == above,
            )
        )
    return stmt


def list_schedules(session: Session, actor: Actor) -> list[InspectionSchedule]:
    stmt = scoped(actor).order_by(InspectionSchedule.region_path, InspectionSchedule.id)
    return list(session.scalars(stmt))


def _clean(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    problems = []
    name = (data.get("name") or "").strip()
    if not name or len(name) > 200:
        problems.append({"field": "name", "reason": "名称必填，不超过 200 字 / name required"})
    target_kind = data.get("target_kind")
    if target_kind not in TargetKind.__members__:
        problems.append(
            {"field": "target_kind", "reason": "应为 enterprise 或 risk_point / bad target kind"}
        )
    interval = data.get("interval_days")
    if not isinstance(interval, int) or isinstance(interval, bool) or not 1 <= interval <= 3660:
        problems.append(
            {"field": "interval_days", "reason": "间隔须为 1 到 3660 天 / 1 to 3660 days"}
        )
    grade = data.get("grade")
    if grade is not None and grade not in RiskGrade.__members__:
        problems.append(
            {"field": "grade", "reason": "等级应为 major/large/general/low / bad grade"}
        )
    category_id = data.get("category_id")
    if category_id is not None:
        if target_kind != TargetKind.risk_point:
            problems.append(
                {"field": "category_id", "reason": "仅风险点可按类别 / only risk points"}
            )
        elif session.get(RiskCategory, category_id) is None:
            problems.append({"field": "category_id", "reason": "风险类别不存在 / not found"})
    kind = data.get("kind")
    if kind is not None and kind not in InspectionKind.__members__:
        problems.append({"field": "kind", "reason": "检查类型无效 / unknown kind"})
    if problems:
        raise ValidationFailed(problems[0]["reason"], problems)
    return {
        "name": name,
        "target_kind": target_kind,
        "interval_days": interval,
        "grade": grade,
        "category_id": category_id,
        "kind": kind,
        "active": bool(data.get("active", True)),
    }


def create_schedule(session: Session, actor: Actor, data: dict[str, Any]) -> InspectionSchedule:
    """A schedule for the places under ``region_id`` (default: the actor's own region)."""
    actor.require_write()
    region = actor.check_region(session, data.get("region_id") or actor.region_id or 0)
    schedule = InspectionSchedule(
        **_clean(session, data), region_id=region.id, region_path=region.path
    )
    session.add(schedule)
    session.flush()
    return schedule


def update_schedule(
    session: Session, actor: Actor, schedule_id: int, data: dict[str, Any]
) -> InspectionSchedule:
    actor.require_write()
    schedule = session.get(InspectionSchedule, schedule_id)
    if schedule is None or not actor.covers(schedule.region_path):
        raise NotFound(f"检查计划 {schedule_id} {_SCOPE}")
    current = {
        "name": schedule.name,
        "target_kind": schedule.target_kind,
        "interval_days": schedule.interval_days,
        "grade": schedule.grade,
        "category_id": schedule.category_id,
        "kind": schedule.kind,
        "active": schedule.active,
    }
    for key, value in _clean(session, {**current, **data}).items():
        setattr(schedule, key, value)
    session.flush()
    return schedule


# --- what is due -----------------------------------------------------------------------


@dataclass
class DuePlace:
    """A place its schedule says should have been (or soon be) inspected."""

    target_kind: str
    target_id: int
    name: str
    region_code: str
    region_name: str
    grade: str | None
    schedule_id: int
    schedule_name: str
    interval_days: int
    last_inspected_at: dt.datetime | None
    due_on: dt.date | None
    """None when the place was never inspected: due since always."""
    overdue: bool


def _last_inspections(schedule: InspectionSchedule, column: Any) -> Any:
    stmt = (
        select(column.label("target_id"), func.max(Inspection.finished_at).label("last"))
        .where(Inspection.state == InspectionState.submitted, column.is_not(None))
        .group_by(column)
    )
    if schedule.kind:
        stmt = stmt.where(Inspection.kind == schedule.kind)
    return stmt.subquery()


def _places(schedule: InspectionSchedule) -> tuple[Select[Any], Any]:
    """The schedule's places as (id, name, grade, region code, region name, last finished
    inspection), and that last column."""
    if schedule.target_kind == TargetKind.enterprise:
        last = _last_inspections(schedule, Inspection.enterprise_id)
        stmt = (
            select(
                Enterprise.id,
                Organisation.name,
                Enterprise.risk_grade,
                Region.code,
                Region.name,
                last.c.last,
            )
            .join(Organisation, Organisation.id == Enterprise.organisation_id)
            .join(Region, Region.id == Organisation.region_id)
            .outerjoin(last, last.c.target_id == Enterprise.id)
        )
        if schedule.grade:
            stmt = stmt.where(Enterprise.risk_grade == schedule.grade)
        return stmt, last.c.last
    last = _last_inspections(schedule, Inspection.risk_point_id)
    stmt = (
        select(RiskPoint.id, RiskPoint.name, RiskPoint.level, Region.code, Region.name, last.c.last)
        .join(Region, Region.id == RiskPoint.region_id)
        .outerjoin(last, last.c.target_id == RiskPoint.id)
        .where(RiskPoint.status != RiskStatus.removed)
    )
    if schedule.grade:
        stmt = stmt.where(RiskPoint.level == schedule.grade)
    if schedule.category_id:
        stmt = stmt.where(RiskPoint.category_id == schedule.category_id)
    return stmt, last.c.last


def not_inspected(
    session: Session,
    actor: Actor,
    *,
    under_path: str | None = None,
    within_days: int = 0,
    now: dt.datetime | None = None,
) -> list[DuePlace]:
    """Places in scope whose last finished inspection is older than their schedule's
    interval (less ``within_days`` of look-ahead), or that were never inspected."""
    now = now or utcnow()
    found: dict[tuple[str, int], DuePlace] = {}
    active = [s for s in list_schedules(session, actor) if s.active]
    for schedule in active:
        cutoff = now - dt.timedelta(days=schedule.interval_days - within_days)
        stmt, last_at = _places(schedule)
        stmt = stmt.where(
            under(Region.path, schedule.region_path),
            or_(last_at.is_(None), last_at < cutoff),
        )
        if actor.region_path != "/":
            stmt = stmt.where(under(Region.path, actor.region_path))
        if under_path:
            stmt = stmt.where(under(Region.path, under_path))
        if actor.role == UserRole.enterprise_user:
            if schedule.target_kind != TargetKind.enterprise:
                continue
            stmt = stmt.where(Organisation.id == actor.organisation_id)
        for target_id, name, grade, code, region_name, last in session.execute(stmt):
            due_on = (last + dt.timedelta(days=schedule.interval_days)).date() if last else None
            place = DuePlace(
                target_kind=schedule.target_kind,
                target_id=target_id,
                name=name,
                region_code=code,
                region_name=region_name,
                grade=grade,
                schedule_id=schedule.id,
                schedule_name=schedule.name,
                interval_days=schedule.interval_days,
                last_inspected_at=last,
                due_on=due_on,
                overdue=last is None or last + dt.timedelta(days=schedule.interval_days) < now,
            )
            key = (place.target_kind, place.target_id)
            if key not in found or _earlier(place, found[key]):
                found[key] = place
    return sorted(
        found.values(),
        key=lambda p: (p.due_on is not None, p.due_on or dt.date.min, p.target_kind, p.name),
    )


def _earlier(a: DuePlace, b: DuePlace) -> bool:
    if a.due_on is None or b.due_on is None:
        return a.due_on is None and b.due_on is not None
    return a.due_on < b.due_on
