"""Read hazards in the actor's scope: one hazard, filtered pages, timelines, and the people
who usually answer for fixing one. Kept apart from the steps in :mod:`service` so pages,
reports and statistics read without pulling in the state machine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.bbox import BBox
from yingji.enterprises.models import Enterprise
from yingji.errors import NotFound
from yingji.hazards.models import OPEN_STATES, Hazard, HazardEvent
from yingji.paging import Page, paginate
from yingji.people.models import ROLE_LABELS, Person
from yingji.people.responsibility import responsible_for
from yingji.regions.paths import under
from yingji.risk.models import TARGET_KIND as RISK_POINT_KIND

SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"


def scoped(actor: Actor, stmt: Select[Any] | None = None) -> Select[Any]:
    """Hazards the actor may see: their region subtree by path, and their own enterprise."""
    stmt = actor.by_path(select(Hazard) if stmt is None else stmt, Hazard.region_path)
    if actor.role == UserRole.enterprise_user:
        stmt = stmt.where(Hazard.organisation_id == actor.organisation_id)
    return stmt


def get(session: Session, actor: Actor, hazard_id: int) -> Hazard:
    hazard = session.scalar(scoped(actor).where(Hazard.id == hazard_id))
    if hazard is None:
        raise NotFound(f"隐患 {hazard_id} {SCOPE}")
    return hazard


def get_by_code(session: Session, actor: Actor, code: str) -> Hazard:
    hazard = session.scalar(scoped(actor).where(Hazard.code == code))
    if hazard is None:
        raise NotFound(f"隐患 {code} {SCOPE}")
    return hazard


@dataclass
class HazardFilter:
    """What a hazard list can be narrowed by; every field is optional."""

    under_path: str | None = None
    state: list[str] | None = None
    grade: str | None = None
    source: str | None = None
    enterprise_id: int | None = None
    risk_point_id: int | None = None
    department_id: int | None = None
    overdue: bool = False
    open_only: bool = False
    q: str | None = None
    found_from: dt.datetime | None = None
    found_to: dt.datetime | None = None
    bbox: BBox | None = None

    def apply(self, stmt: Select[Any], today: dt.date) -> Select[Any]:
        if self.under_path:
            stmt = stmt.where(under(Hazard.region_path, self.under_path))
        if self.state:
            stmt = stmt.where(Hazard.state.in_(self.state))
        if self.open_only:
            stmt = stmt.where(Hazard.state.in_([s.value for s in OPEN_STATES]))
        if self.overdue:
            stmt = stmt.where(
                Hazard.state.in_([s.value for s in OPEN_STATES]), Hazard.deadline < today
            )
        for column, value in (
            (Hazard.grade, self.grade),
            (Hazard.source, self.source),
            (Hazard.enterprise_id, self.enterprise_id),
            (Hazard.risk_point_id, self.risk_point_id),
            (Hazard.department_id, self.department_id),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if self.q:
            pattern = f"%{self.q}%"
            stmt = stmt.where(or_(Hazard.title.ilike(pattern), Hazard.code.ilike(pattern)))
        if self.found_from:
            stmt = stmt.where(Hazard.found_at >= self.found_from)
        if self.found_to:
            stmt = stmt.where(Hazard.found_at < self.found_to)
        if self.bbox:
            stmt = stmt.where(self.bbox.where(Hazard.lon, Hazard.lat))
        return stmt


def list_hazards(
    session: Session, actor: Actor, filters: HazardFilter, offset: int = 0, limit: int = 50
) -> Page[Hazard]:
    stmt = filters.apply(scoped(actor), clock.today()).order_by(Hazard.found_at.desc(), Hazard.id)
    return paginate(session, stmt, offset, limit)


def timeline(session: Session, actor: Actor, hazard_id: int) -> list[HazardEvent]:
    get(session, actor, hazard_id)
    stmt = select(HazardEvent).where(HazardEvent.hazard_id == hazard_id).order_by(HazardEvent.id)
    return list(session.scalars(stmt))


def is_overdue(hazard: Hazard, today: dt.date | None = None) -> bool:
    return (
        hazard.state in OPEN_STATES
        and hazard.deadline is not None
        and hazard.deadline < (today or clock.today())
    )


def owner_candidates(session: Session, actor: Actor, hazard: Hazard) -> list[tuple[int, str]]:
    """People who usually answer for fixing this hazard, for the assign form: the
    enterprise's principal and safety manager, or the risk point's 点线面 persons."""
    found: dict[int, str] = {}
    if hazard.enterprise_id is not None:
        enterprise = session.get_one(Enterprise, hazard.enterprise_id)
        labels = {
            enterprise.principal_id: "主要负责人",
            enterprise.safety_manager_id: "安全管理负责人",
        }
        for person in session.scalars(
            select(Person).where(Person.id.in_([i for i in labels if i is not None]))
        ):
            found[person.id] = f"{person.name}（{labels[person.id]}）"
    if hazard.risk_point_id is not None:
        by_point = responsible_for(session, actor, RISK_POINT_KIND, [hazard.risk_point_id])
        for r in by_point.get(hazard.risk_point_id, []):
            found.setdefault(r.person_id, f"{r.name}（{ROLE_LABELS.get(r.role, r.role)}）")
    return sorted(found.items(), key=lambda item: item[1])
