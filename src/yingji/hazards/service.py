"""Report hazards and move them through the state machine (reading is in :mod:`queries`).

Every step writes a :class:`HazardEvent` (the timeline users read) in the same transaction
as the change, and the ORM flush hook writes the audit entry, so the record of who did what
cannot drift from the state. Steps that start or stop a clock (assign, submit, close...)
tell :mod:`yingji.hazards.reminders`, which keeps the deadline timers in step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.config import get_settings
from yingji.db import utcnow
from yingji.enterprises.models import Enterprise
from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, invalid
from yingji.files import service as files
from yingji.hazards import machine, reminders
from yingji.hazards.machine import Action
from yingji.hazards.models import (
    Hazard,
    HazardEvent,
    HazardGrade,
    HazardSource,
    HazardState,
)
from yingji.hazards.queries import SCOPE, get
from yingji.people import targets
from yingji.people.models import Organisation, Person
from yingji.regions import geo
from yingji.regions.models import Region
from yingji.risk import service as risk
from yingji.risk.models import RiskPoint

FIVE_IMPLEMENTS = ("measures", "funds_wan", "owner_person_id", "deadline", "contingency_plan")
"""五落实 for a major hazard: measures, funds, owner, deadline and contingency plan."""
_FIVE_LABELS = {
    "measures": "整改措施 measures",
    "funds_wan": "整改资金 funds",
    "owner_person_id": "责任人 owner",
    "deadline": "整改时限 deadline",
    "contingency_plan": "应急预案 contingency plan",
}


def default_deadline(grade: str, now: dt.datetime | None = None) -> dt.date:
    settings = get_settings()
    days = (
        settings.hazard_deadline_days_major
        if grade == HazardGrade.major
        else settings.hazard_deadline_days_general
    )
    return clock.today(now) + dt.timedelta(days=days)


# --- reporting -----------------------------------------------------------------------


@dataclass
class _Place:
    region: Region
    enterprise: Enterprise | None = None
    organisation: Organisation | None = None
    risk_point: RiskPoint | None = None


def _place(session: Session, actor: Actor, data: dict[str, Any]) -> _Place:
    """Where the hazard is: its enterprise, else its risk point, else its position, else the
    region given; each must lie in the actor's subtree."""
    place: _Place | None = None
    if data.get("enterprise_id") is not None:
        enterprise = session.get(Enterprise, data["enterprise_id"])
        organisation = enterprise and session.get(Organisation, enterprise.organisation_id)
        if enterprise is None or organisation is None:
            raise invalid("enterprise_id", f"企业 {data['enterprise_id']} {SCOPE}")
        place = _Place(session.get_one(Region, organisation.region_id), enterprise, organisation)
    if data.get("risk_point_id") is not None:
        point = session.get(RiskPoint, data["risk_point_id"])
        if point is None:
            raise invalid("risk_point_id", f"风险点 {data['risk_point_id']} {SCOPE}")
        if place is None:
            place = _Place(session.get_one(Region, point.region_id))
        place.risk_point = point
    if place is None and data.get("lon") is not None and data.get("lat") is not None:
        geo.check_lonlat(data["lon"], data["lat"])
        ids, _ = risk.locate(session, [data["lon"]], [data["lat"]])
        if ids[0] < 0:
            raise invalid("lon", "该位置不在任何已登记的乡镇或区县内 / position lies in no region")
        place = _Place(session.get_one(Region, int(ids[0])))
    if place is None and data.get("region_id") is not None:
        region = session.get(Region, data["region_id"])
        if region is None:
            raise invalid("region_id", f"区划 {data['region_id']} {SCOPE}")
        place = _Place(region)
    if place is None:
        raise invalid(
            "region_id",
            "须给出企业、风险点、位置或区划之一 / give an enterprise, risk point, position "
            "or region",
        )
    if not actor.covers(place.region.path):
        raise NotFound(f"区划 {place.region.code} {SCOPE}")
    if actor.role == UserRole.enterprise_user and (
        place.organisation is None or place.organisation.id != actor.organisation_id
    ):
        raise PermissionDenied("企业账号只能上报本企业的隐患 / enterprise users report their own")
    return place


def _require(actor: Actor, action: Action) -> None:
    if actor.role not in machine.WHO[action]:
        raise PermissionDenied(
            f"当前角色不能执行「{machine.ACTION_LABELS[action]}」"
            f" / role {actor.role} may not {action}"
        )


def _event(
    session: Session,
    actor: Actor,
    hazard: Hazard,
    action: Action,
    from_state: str | None,
    comment: str | None,
    data: dict[str, Any] | None,
    at: dt.datetime,
) -> HazardEvent:
    event = HazardEvent(
        hazard_id=hazard.id,
        action=action.value,
        from_state=from_state,
        to_state=hazard.state,
        at=at,
        actor_id=actor.user_id,
        actor_name=actor.username,
        comment=comment,
        data=data or None,
    )
    session.add(event)
    session.flush()
    reminders.after_step(session, hazard, event)
    return event


def report(
    session: Session, actor: Actor, data: dict[str, Any], *, now: dt.datetime | None = None
) -> Hazard:
    """File a new hazard in state ``reported``; returns it with its code."""
    _require(actor, Action.report)
    title = (data.get("title") or "").strip()
    if not title:
        raise invalid("title", "隐患名称必填 / title is required")
    if len(title) > 200:
        raise invalid("title", "隐患名称超过 200 字 / title is longer than 200 characters")
    source = data.get("source") or (
        HazardSource.self_check if actor.role == UserRole.enterprise_user else HazardSource.manual
    )
    if source not in HazardSource.__members__:
        raise invalid("source", f"来源 {source} 无效 / unknown source")
    place = _place(session, actor, data)
    at = now or utcnow()
    enterprise = place.enterprise
    hazard = Hazard(
        title=title,
        description=(data.get("description") or "").strip() or None,
        state=HazardState.reported.value,
        source=str(source),
        region_id=place.region.id,
        region_path=place.region.path,
        enterprise_id=enterprise.id if enterprise else None,
        organisation_id=place.organisation.id if place.organisation else None,
        risk_point_id=place.risk_point.id if place.risk_point else None,
        department_id=enterprise.supervising_department_id if enterprise else None,
        industry_code=enterprise.industry_code if enterprise else None,
        inspection_id=data.get("inspection_id"),
        checklist_item_id=data.get("checklist_item_id"),
        lon=data.get("lon") if data.get("lon") is not None else _lon(place),
        lat=data.get("lat") if data.get("lat") is not None else _lat(place),
        found_at=at,
        found_by_id=actor.user_id,
    )
    session.add(hazard)
    session.flush()
    hazard.code = f"YH{clock.today(at):%Y%m%d}{hazard.id:07d}"
    _event(session, actor, hazard, Action.report, None, data.get("comment"), None, at)
    return hazard


def _lon(place: _Place) -> float | None:
    if place.enterprise and place.enterprise.lon is not None:
        return place.enterprise.lon
    return place.risk_point.lon if place.risk_point else None


def _lat(place: _Place) -> float | None:
    if place.enterprise and place.enterprise.lat is not None:
        return place.enterprise.lat
    return place.risk_point.lat if place.risk_point else None


# --- moving through the machine ------------------------------------------------------


def _illegal(hazard: Hazard, action: Action, actor: Actor) -> Conflict:
    allowed = machine.allowed(hazard.state, actor.role)
    names = "、".join(f"{machine.ACTION_LABELS[a]}({a})" for a in allowed) or "无 / none"
    return Conflict(
        f"隐患处于「{hazard.state}」状态，不能执行「{machine.ACTION_LABELS[action]}」；"
        f"可执行：{names} / cannot {action} a hazard in state {hazard.state}",
        {"state": hazard.state, "action": action.value, "allowed": [a.value for a in allowed]},
    )


def _confirm(session: Session, hazard: Hazard, data: dict[str, Any]) -> dict[str, Any]:
    grade = data.get("grade")
    if grade not in HazardGrade.__members__:
        raise invalid("grade", "等级须为 general 或 major / grade must be general or major")
    criterion = (data.get("criterion") or "").strip() or None
    if grade == HazardGrade.major and not criterion:
        raise invalid(
            "criterion",
            "重大隐患须写明所依据的判定标准条款 / a major hazard must cite the criterion it meets",
        )
    hazard.grade, hazard.criterion = grade, criterion
    return {"grade": grade, "criterion": criterion}


def _person(session: Session, actor: Actor, person_id: Any) -> Person:
    person = session.get(Person, person_id) if isinstance(person_id, int) else None
    if person is None:
        raise invalid("owner_person_id", f"人员 {person_id} 不存在 / person not found")
    return person


def _assign(
    session: Session, actor: Actor, hazard: Hazard, data: dict[str, Any], at: dt.datetime
) -> dict[str, Any]:
    values = {name: data.get(name) for name in FIVE_IMPLEMENTS}
    for name in ("measures", "contingency_plan"):
        values[name] = (values[name] or "").strip() or None
    if hazard.grade == HazardGrade.major:
        missing = [name for name in FIVE_IMPLEMENTS if values[name] in (None, "")]
        if missing:
            raise ValidationFailed(
                "重大隐患须五落实，缺少："
                + "、".join(_FIVE_LABELS[name] for name in missing)
                + " / a major hazard needs all five in place",
                [{"field": name, "reason": "重大隐患必填 / required"} for name in missing],
            )
    elif values["owner_person_id"] is None:
        raise invalid("owner_person_id", "须指定整改责任人 / a rectification owner is required")
    _person(session, actor, values["owner_person_id"])
    deadline = values["deadline"]
    if deadline is None:
        deadline = default_deadline(hazard.grade or HazardGrade.general, at)
    if isinstance(deadline, str):
        try:
            deadline = dt.date.fromisoformat(deadline)
        except ValueError as exc:
            raise invalid("deadline", "日期格式应为 YYYY-MM-DD / use YYYY-MM-DD") from exc
    if deadline < clock.today(at):
        raise invalid("deadline", "整改时限不能早于今天 / the deadline is in the past")
    funds = values["funds_wan"]
    if funds is not None and (not isinstance(funds, int | float) or funds < 0):
        raise invalid("funds_wan", "资金须为非负数（万元）/ funds must be a number ≥ 0")
    hazard.owner_person_id = values["owner_person_id"]
    hazard.deadline = deadline
    hazard.measures = values["measures"]
    hazard.funds_wan = funds
    hazard.contingency_plan = values["contingency_plan"]
    return {**values, "deadline": deadline.isoformat()}


def _check_verifier(actor: Actor, hazard: Hazard) -> None:
    if actor.user_id is not None and actor.user_id == hazard.submitted_by_id:
        raise PermissionDenied("验收人不能是提交整改的人 / the verifier cannot be the rectifier")
    if actor.person_id is not None and actor.person_id == hazard.owner_person_id:
        raise PermissionDenied("验收人不能是整改责任人 / the verifier cannot be the owner")


def _transfer(session: Session, actor: Actor, hazard: Hazard, data: dict[str, Any]) -> dict:
    changes: dict[str, Any] = {}
    if data.get("region_id") is not None:
        region = session.get(Region, data["region_id"])
        if region is None:
            raise invalid("region_id", f"区划 {data['region_id']} 不存在 / region not found")
        changes["region"] = {"from": hazard.region_id, "to": region.id}
        hazard.region_id, hazard.region_path = region.id, region.path
    if data.get("department_id") is not None:
        department = session.get(Organisation, data["department_id"])
        if department is None:
            raise invalid("department_id", "部门不存在 / department not found")
        changes["department"] = {"from": hazard.department_id, "to": department.id}
        hazard.department_id = department.id
    if not changes:
        raise invalid("region_id", "须给出移交的区划或部门 / give a region or a department")
    return changes


def act(
    session: Session,
    actor: Actor,
    hazard_id: int,
    action: str,
    data: dict[str, Any] | None = None,
    *,
    now: dt.datetime | None = None,
) -> Hazard:
    """Take one step; refuses an illegal one and names the steps allowed instead."""
    data = data or {}
    try:
        step = Action(action)
    except ValueError as exc:
        raise invalid("action", f"未知操作 {action} / unknown action") from exc
    if step == Action.report:
        raise invalid("action", "上报请用新建隐患 / use report to file a new hazard")
    hazard = get(session, actor, hazard_id)
    _require(actor, step)
    to_state = machine.target(step, hazard.state)
    if to_state is None:
        raise _illegal(hazard, step, actor)
    comment = (data.get("comment") or "").strip() or None
    if step in machine.COMMENT_REQUIRED and not comment:
        raise invalid("comment", "此操作须填写理由 / this step needs a reason in comment")
    at = now or utcnow()
    changed: dict[str, Any] = {}
    if step == Action.confirm:
        changed = _confirm(session, hazard, data)
        hazard.confirmed_at = at
    elif step == Action.assign:
        changed = _assign(session, actor, hazard, data, at)
    elif step == Action.submit:
        hazard.submitted_at, hazard.submitted_by_id = at, actor.user_id
    elif step in (Action.verify, Action.send_back):
        _check_verifier(actor, hazard)
        if step == Action.verify:
            hazard.verified_at, hazard.verified_by_id = at, actor.user_id
    elif step == Action.close:
        hazard.closed_at = at
    elif step == Action.reopen:
        hazard.closed_at = hazard.verified_at = hazard.verified_by_id = None
    elif step == Action.transfer:
        changed = _transfer(session, actor, hazard, data)
    from_state = hazard.state
    hazard.state = to_state.value
    _event(session, actor, hazard, step, from_state, comment, changed, at)
    return hazard


# --- photos --------------------------------------------------------------------------


def add_photo(
    session: Session,
    actor: Actor,
    hazard_id: int,
    filename: str,
    data: bytes,
    *,
    lon: float | None = None,
    lat: float | None = None,
) -> Any:
    """A photo of the hazard or of its rectification, by anyone who may report or rectify."""
    hazard = get(session, actor, hazard_id)
    _require(actor, Action.progress)
    return files.store(
        session, actor, TARGET, hazard.id, filename, data, images_only=True, lon=lon, lat=lat
    )


TARGET = "hazard"


def _check_visible(session: Session, actor: Actor, hazard_id: int) -> None:
    get(session, actor, hazard_id)


def _regions_of(session: Session, ids: list[int]) -> dict[int, int]:
    stmt = select(Hazard.id, Hazard.region_id).where(Hazard.id.in_(ids))
    return dict(session.execute(stmt).all())


files.register_owner(TARGET, _check_visible)
targets.register(TARGET, _regions_of)
