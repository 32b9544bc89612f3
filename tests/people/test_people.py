"""Organisations, persons, assignments, responsibility and duty services."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from yingji.auth.scope import system_actor
from yingji.errors import Conflict, NotFound, ValidationFailed
from yingji.people import duty, responsibility, service
from yingji.people.models import Assignment, Person, Role
from yingji.regions.models import Region

ADMIN = system_actor()


def _region(session, code: str) -> Region:
    return session.scalar(select(Region).where(Region.code == code))


def _grid(session) -> Region:
    return session.scalar(select(Region).where(Region.level == 6).order_by(Region.id).limit(1))


def test_person_upsert_by_mobile(session) -> None:
    county = _region(session, "500101")
    a = service.upsert_person(
        session,
        ADMIN,
        name="王五",
        mobile="13512345678",
        region_id=county.id,
        contacts={"email": "w@example.cn"},
    )
    b = service.upsert_person(
        session, ADMIN, name="王五", mobile="+86 135 1234 5678", region_id=county.id, title="科长"
    )
    assert a.id == b.id and b.title == "科长" and b.mobile == "+8613512345678"
    with pytest.raises(ValidationFailed) as err:
        service.upsert_person(session, ADMIN, name="x", mobile="12345", region_id=county.id)
    assert err.value.details[0]["field"] == "mobile"


def test_organisation_and_committee(session) -> None:
    county = _region(session, "500101")
    committee = service.upsert_organisation(
        session,
        ADMIN,
        code="T-AWH",
        name="测试安委会",
        kind="committee",
        subtype="安委会",
        region_id=county.id,
    )
    dept = service.upsert_organisation(
        session, ADMIN, code="T-SLJ", name="测试水利局", kind="department", region_id=county.id
    )
    service.set_committee_member(session, ADMIN, committee.id, dept.id, "负责水旱灾害防御")
    members = service.committee_members(session, ADMIN, committee.id)
    assert [(o.code, d) for o, d in members] == [("T-SLJ", "负责水旱灾害防御")]
    with pytest.raises(ValidationFailed):
        service.set_committee_member(session, ADMIN, dept.id, committee.id, "")
    with pytest.raises(ValidationFailed):
        service.upsert_organisation(
            session, ADMIN, code="T-X", name="x", kind="club", region_id=county.id
        )


def test_assignment_validity_and_responsible_persons(session) -> None:
    grid = _grid(session)
    person = service.upsert_person(
        session, ADMIN, name="赵六", mobile="13612345678", region_id=grid.id
    )
    today = dt.date.today()
    a = service.create_assignment(
        session,
        ADMIN,
        person_id=person.id,
        role=Role.monitoring,
        target_kind="region",
        target_id=grid.id,
        valid_from=today - dt.timedelta(days=10),
    )
    found = responsibility.responsible_for(
        session, ADMIN, "region", [grid.id], roles=[Role.monitoring]
    )
    assert [p.person_id for p in found[grid.id]] == [person.id]
    service.end_assignment(session, ADMIN, a.id, today - dt.timedelta(days=1))
    found = responsibility.responsible_for(
        session, ADMIN, "region", [grid.id], roles=[Role.monitoring]
    )
    assert grid.id not in found
    past = responsibility.responsible_for(
        session,
        ADMIN,
        "region",
        [grid.id],
        roles=[Role.monitoring],
        on=today - dt.timedelta(days=5),
    )
    assert [p.person_id for p in past[grid.id]] == [person.id]
    with pytest.raises(ValidationFailed):
        service.create_assignment(
            session,
            ADMIN,
            person_id=person.id,
            role="king",
            target_kind="region",
            target_id=grid.id,
        )
    with pytest.raises(ValidationFailed):
        service.create_assignment(
            session, ADMIN, person_id=person.id, role="admin", target_kind="spaceship", target_id=1
        )
    with pytest.raises(NotFound):
        service.create_assignment(
            session, ADMIN, person_id=person.id, role="admin", target_kind="region", target_id=10**9
        )


def test_escalation_chain_runs_from_grid_to_province(session) -> None:
    grid = _grid(session)
    chain = responsibility.escalation_chains(session, ADMIN, [grid.id])[grid.id]
    assert [link.level for link in chain] == sorted((link.level for link in chain), reverse=True)
    assert chain[0].region_id == grid.id and chain[-1].code == "500000"
    assert {link.level for link in chain} >= {6, 5, 4, 3, 1}
    # a grid member's own chain starts above their grid and leaves them out
    member = session.scalar(
        select(Assignment.person_id).where(
            Assignment.target_id == grid.id, Assignment.role == Role.grid_member
        )
    )
    above = responsibility.escalation_chain_for_person(session, ADMIN, member)
    assert above[0].level == 5 and above[-1].code == "500000"
    assert all(p.person_id != member for link in above for p in link.persons)


def test_duty_shifts_do_not_overlap_and_answer_who_is_on_duty(session) -> None:
    county = _region(session, "500101")
    org = service.upsert_organisation(
        session, ADMIN, code="T-DUTY", name="值班测试", kind="department", region_id=county.id
    )
    officer = session.scalar(select(Person).where(Person.region_id == county.id).limit(1))
    start = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    duty.add_shift(
        session,
        ADMIN,
        organisation_id=org.id,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=24),
        duty_officer_id=officer.id,
    )
    with pytest.raises(Conflict):
        duty.add_shift(
            session,
            ADMIN,
            organisation_id=org.id,
            starts_at=start + dt.timedelta(hours=12),
            ends_at=start + dt.timedelta(hours=36),
            duty_officer_id=officer.id,
        )
    with pytest.raises(ValidationFailed):
        duty.add_shift(
            session,
            ADMIN,
            organisation_id=org.id,
            starts_at=start,
            ends_at=start,
            duty_officer_id=officer.id,
        )
    now = duty.on_duty(session, ADMIN, at=start + dt.timedelta(hours=3), organisation_id=org.id)
    assert [d.officer for d in now] == [officer.name]
    assert (
        duty.on_duty(session, ADMIN, at=start - dt.timedelta(hours=1), organisation_id=org.id) == []
    )
