"""Duty roster (值班表): shifts per organisation and who is on duty at a moment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import Conflict, ValidationFailed
from yingji.people.models import DutyShift, Organisation, Person
from yingji.people.service import get_organisation, get_person


def add_shift(
    session: Session,
    actor: Actor,
    *,
    organisation_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    duty_officer_id: int,
    duty_leader_id: int | None = None,
    note: str | None = None,
) -> DutyShift:
    """Add a shift; shifts of one organisation may not overlap."""
    org = get_organisation(session, actor, organisation_id)
    actor.check_region(session, org.region_id, write=True)
    if ends_at <= starts_at:
        raise ValidationFailed(
            "班次结束时间须晚于开始 / a shift must end after it starts",
            [{"field": "ends_at", "reason": "not after starts_at"}],
        )
    for pid in filter(None, (duty_officer_id, duty_leader_id)):
        get_person(session, actor, pid)
    overlap = session.scalar(
        select(DutyShift.id).where(
            DutyShift.organisation_id == organisation_id,
            DutyShift.starts_at < ends_at,
            DutyShift.ends_at > starts_at,
        )
    )
    if overlap is not None:
        raise Conflict(f"与已有班次 {overlap} 时间重叠 / overlaps shift {overlap}")
    shift = DutyShift(
        organisation_id=organisation_id,
        starts_at=starts_at,
        ends_at=ends_at,
        duty_officer_id=duty_officer_id,
        duty_leader_id=duty_leader_id,
        note=note,
    )
    session.add(shift)
    session.flush()
    return shift


@dataclass(frozen=True)
class OnDuty:
    organisation_id: int
    organisation: str
    shift_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    officer: str
    officer_mobile: str
    leader: str | None
    leader_mobile: str | None


def on_duty(
    session: Session,
    actor: Actor,
    at: dt.datetime | None = None,
    organisation_id: int | None = None,
) -> list[OnDuty]:
    """Everyone on duty at ``at`` (default now) in the organisations the actor can see."""
    at = at or utcnow()
    officer, leader = aliased(Person), aliased(Person)
    stmt = (
        select(
            DutyShift, Organisation.name, officer.name, officer.mobile, leader.name, leader.mobile
        )
        .join(Organisation, Organisation.id == DutyShift.organisation_id)
        .join(officer, officer.id == DutyShift.duty_officer_id)
        .outerjoin(leader, leader.id == DutyShift.duty_leader_id)
        .where(DutyShift.starts_at <= at, DutyShift.ends_at > at)
        .order_by(Organisation.code)
    )
    stmt = actor.scoped(stmt, Organisation.region_id, Organisation.id)
    if organisation_id is not None:
        stmt = stmt.where(DutyShift.organisation_id == organisation_id)
    return [
        OnDuty(s.organisation_id, org, s.id, s.starts_at, s.ends_at, o, om, ln, lm)
        for s, org, o, om, ln, lm in session.execute(stmt).all()
    ]


def list_shifts(
    session: Session, actor: Actor, organisation_id: int, start: dt.datetime, end: dt.datetime
) -> list[DutyShift]:
    get_organisation(session, actor, organisation_id)
    return list(
        session.scalars(
            select(DutyShift)
            .where(
                DutyShift.organisation_id == organisation_id,
                DutyShift.ends_at > start,
                DutyShift.starts_at < end,
            )
            .order_by(DutyShift.starts_at)
        )
    )
