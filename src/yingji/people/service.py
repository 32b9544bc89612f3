"""Organisations, committees, persons and assignments: create, update, list, in scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.errors import Conflict, NotFound, ValidationFailed
from yingji.paging import Page, paginate
from yingji.people import targets
from yingji.people.models import (
    Assignment,
    CommitteeMember,
    Organisation,
    OrganisationKind,
    Person,
    Role,
)
from yingji.people.phones import PhoneError, normalise
from yingji.regions.models import Region


def _invalid(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}", [{"field": field, "reason": reason}])


def _under(
    stmt: Select[Any], session: Session, actor: Actor, region_col: Any, under_region_id: int | None
) -> Select[Any]:
    if under_region_id is None:
        return stmt
    root = actor.check_region(session, under_region_id)
    sub = select(Region.id).where(Region.path.startswith(root.path, autoescape=True))
    return stmt.where(region_col.in_(sub))


# --- organisations ---------------------------------------------------------------------


def get_organisation(session: Session, actor: Actor, organisation_id: int) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(f"单位不存在 / organisation {organisation_id} not found")
    region = session.get(Region, org.region_id)
    visible = region is not None and actor.covers(region.path)
    if actor.organisation_id is not None and actor.role == "enterprise_user":
        visible = visible and org.id == actor.organisation_id
    if not visible:
        raise NotFound(f"单位不存在 / organisation {organisation_id} not found")
    return org


def upsert_organisation(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    kind: str,
    region_id: int,
    subtype: str | None = None,
    parent_id: int | None = None,
) -> Organisation:
    """Create the organisation ``code`` or update it in place."""
    if kind not in OrganisationKind.__members__:
        raise _invalid("kind", f"未知类型 / unknown kind {kind!r}")
    if not code.strip() or not name.strip():
        raise _invalid("code" if not code.strip() else "name", "必填 / required")
    actor.check_region(session, region_id, write=True)
    if parent_id is not None:
        get_organisation(session, actor, parent_id)
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        org = Organisation(code=code)
        session.add(org)
    else:
        old_region = session.get(Region, org.region_id)
        if old_region is None or not actor.covers(old_region.path):
            raise Conflict(f"编码已被其他区域使用 / code {code!r} is used outside your region")
    org.name, org.kind, org.region_id = name.strip(), kind, region_id
    org.subtype, org.parent_id = subtype, parent_id
    session.flush()
    return org


def list_organisations(
    session: Session,
    actor: Actor,
    *,
    kind: str | None = None,
    q: str | None = None,
    under_region_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[Organisation]:
    stmt = actor.scoped(select(Organisation), Organisation.region_id, Organisation.id)
    stmt = _under(stmt, session, actor, Organisation.region_id, under_region_id)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    if q:
        stmt = stmt.where(or_(Organisation.name.contains(q), Organisation.code.contains(q)))
    return paginate(session, stmt.order_by(Organisation.code), offset, limit)


def set_committee_member(
    session: Session, actor: Actor, committee_id: int, department_id: int, duties: str
) -> CommitteeMember:
    committee = get_organisation(session, actor, committee_id)
    department = get_organisation(session, actor, department_id)
    actor.check_region(session, committee.region_id, write=True)
    if committee.kind != OrganisationKind.committee:
        raise _invalid("committee_id", "不是委员会 / not a committee")
    if department.kind != OrganisationKind.department:
        raise _invalid("department_id", "不是部门 / not a department")
    member = session.scalar(
        select(CommitteeMember).where(
            CommitteeMember.committee_id == committee_id,
            CommitteeMember.department_id == department_id,
        )
    )
    if member is None:
        member = CommitteeMember(committee_id=committee_id, department_id=department_id)
        session.add(member)
    member.duties = duties
    session.flush()
    return member


def committee_members(
    session: Session, actor: Actor, committee_id: int
) -> list[tuple[Organisation, str]]:
    get_organisation(session, actor, committee_id)
    rows = session.execute(
        select(Organisation, CommitteeMember.duties)
        .join(CommitteeMember, CommitteeMember.department_id == Organisation.id)
        .where(CommitteeMember.committee_id == committee_id)
        .order_by(Organisation.code)
    )
    return [(org, duties) for org, duties in rows.all()]


# --- persons ---------------------------------------------------------------------------


def get_person(session: Session, actor: Actor, person_id: int) -> Person:
    stmt = actor.scoped(
        select(Person).where(Person.id == person_id), Person.region_id, Person.organisation_id
    )
    person = session.scalar(stmt)
    if person is None:
        raise NotFound(f"人员不存在 / person {person_id} not found")
    return person


def upsert_person(
    session: Session,
    actor: Actor,
    *,
    name: str,
    mobile: str,
    region_id: int,
    organisation_id: int | None = None,
    title: str | None = None,
    mobile_alt: str | None = None,
    contacts: dict[str, Any] | None = None,
) -> Person:
    """Create the person with this mobile number, or update them in place."""
    if not name.strip():
        raise _invalid("name", "必填 / required")
    try:
        mobile = normalise(mobile)
        mobile_alt = normalise(mobile_alt) if mobile_alt else None
    except PhoneError as exc:
        raise _invalid("mobile", str(exc)) from exc
    actor.check_region(session, region_id, write=True)
    if organisation_id is not None:
        get_organisation(session, actor, organisation_id)
    person = session.scalar(select(Person).where(Person.mobile == mobile))
    if person is None:
        person = Person(mobile=mobile)
        session.add(person)
    else:
        old = session.get(Region, person.region_id)
        if old is None or not actor.covers(old.path):
            raise Conflict("该手机号属于其他区域人员 / this mobile belongs to a person elsewhere")
    person.name, person.region_id, person.organisation_id = name.strip(), region_id, organisation_id
    person.title, person.mobile_alt = title, mobile_alt
    person.contacts = contacts or {}
    session.flush()
    return person


def list_persons(
    session: Session,
    actor: Actor,
    *,
    q: str | None = None,
    under_region_id: int | None = None,
    organisation_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[Person]:
    stmt = actor.scoped(select(Person), Person.region_id, Person.organisation_id)
    stmt = _under(stmt, session, actor, Person.region_id, under_region_id)
    if organisation_id is not None:
        stmt = stmt.where(Person.organisation_id == organisation_id)
    if q:
        stmt = stmt.where(
            or_(Person.name.contains(q), Person.mobile.contains(q), Person.title.contains(q))
        )
    return paginate(session, stmt.order_by(Person.id), offset, limit)


# --- assignments -----------------------------------------------------------------------


def target_region(session: Session, actor: Actor, kind: str, target_id: int) -> Region:
    """The region a target lies in, checked against the actor's scope."""
    try:
        found = targets.regions_of(session, kind, [target_id])
    except KeyError:
        raise _invalid("target_kind", f"未知对象类型 / unknown target kind {kind!r}") from None
    if target_id not in found:
        raise NotFound(f"对象不存在 / {kind} {target_id} not found")
    return actor.check_region(session, found[target_id])


def create_assignment(
    session: Session,
    actor: Actor,
    *,
    person_id: int,
    role: str,
    target_kind: str,
    target_id: int,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    note: str | None = None,
) -> Assignment:
    if role not in Role.__members__:
        raise _invalid("role", f"未知角色 / unknown role {role!r}")
    valid_from = valid_from or dt.date.today()
    if valid_to is not None and valid_to < valid_from:
        raise _invalid("valid_to", "结束日期早于开始日期 / ends before it starts")
    get_person(session, actor, person_id)
    region = target_region(session, actor, target_kind, target_id)
    actor.check_region(session, region.id, write=True)
    existing = session.scalar(
        select(Assignment).where(
            Assignment.person_id == person_id,
            Assignment.role == role,
            Assignment.target_kind == target_kind,
            Assignment.target_id == target_id,
            Assignment.valid_from == valid_from,
        )
    )
    assignment = existing or Assignment(
        person_id=person_id,
        role=role,
        target_kind=target_kind,
        target_id=target_id,
        valid_from=valid_from,
    )
    assignment.region_id, assignment.valid_to, assignment.note = region.id, valid_to, note
    session.add(assignment)
    session.flush()
    return assignment


def get_assignment(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    stmt = actor.scoped(
        select(Assignment).where(Assignment.id == assignment_id), Assignment.region_id
    )
    found = session.scalar(stmt)
    if found is None:
        raise NotFound(f"责任分配不存在 / assignment {assignment_id} not found")
    return found


def end_assignment(
    session: Session, actor: Actor, assignment_id: int, valid_to: dt.date | None = None
) -> Assignment:
    assignment = get_assignment(session, actor, assignment_id)
    actor.check_region(session, assignment.region_id, write=True)
    end = valid_to or dt.date.today()
    if end < assignment.valid_from:
        raise _invalid("valid_to", "结束日期早于开始日期 / ends before it starts")
    assignment.valid_to = end
    session.flush()
    return assignment


def active_on(day: dt.date) -> Any:
    """WHERE clause for assignments valid on ``day``."""
    return (Assignment.valid_from <= day) & (
        (Assignment.valid_to.is_(None)) | (Assignment.valid_to >= day)
    )


def list_assignments(
    session: Session,
    actor: Actor,
    *,
    person_id: int | None = None,
    role: str | None = None,
    target_kind: str | None = None,
    target_id: int | None = None,
    under_region_id: int | None = None,
    on: dt.date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[Assignment]:
    stmt = actor.scoped(select(Assignment), Assignment.region_id)
    if actor.role == "enterprise_user":
        stmt = select(Assignment).where(
            Assignment.target_kind == "organisation",
            Assignment.target_id == actor.organisation_id,
        )
    stmt = _under(stmt, session, actor, Assignment.region_id, under_region_id)
    for column, value in (
        (Assignment.person_id, person_id),
        (Assignment.role, role),
        (Assignment.target_kind, target_kind),
        (Assignment.target_id, target_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if on is not None:
        stmt = stmt.where(active_on(on))
    return paginate(session, stmt.order_by(Assignment.id), offset, limit)
