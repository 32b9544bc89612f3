"""HTTP API for organisations, committees, persons, assignments, duty and responsibility."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset, region_id_of, under_region_id
from yingji.people import duty, responsibility, service
from yingji.people.schemas import (
    AssignmentEnd,
    AssignmentIn,
    AssignmentOut,
    ChainLinkOut,
    CommitteeMemberIn,
    CommitteeMemberOut,
    OnDutyOut,
    OrganisationIn,
    OrganisationOut,
    PersonIn,
    PersonOut,
    ResponsibleOut,
    ResponsibleQuery,
    ResponsibleResult,
    ShiftIn,
    ShiftOut,
)
from yingji.regions.models import Region

router = APIRouter(tags=["people"])


# --- organisations ---------------------------------------------------------------------


@router.get("/organisations")
def list_organisations(
    session: DbSession,
    actor: CurrentActor,
    kind: str | None = None,
    q: str | None = None,
    under: str | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    page = service.list_organisations(
        session,
        actor,
        kind=kind,
        q=q,
        under_region_id=under_region_id(session, under),
        offset=offset,
        limit=limit,
    )
    return page.as_dict(OrganisationOut.model_validate)


@router.post("/organisations", status_code=201)
def upsert_organisation(
    body: OrganisationIn, session: DbSession, actor: CurrentActor
) -> OrganisationOut:
    return OrganisationOut.model_validate(
        service.upsert_organisation(session, actor, **body.model_dump())
    )


@router.get("/organisations/{organisation_id}")
def get_organisation(
    organisation_id: int, session: DbSession, actor: CurrentActor
) -> OrganisationOut:
    return OrganisationOut.model_validate(service.get_organisation(session, actor, organisation_id))


@router.get("/organisations/{committee_id}/members")
def committee_members(
    committee_id: int, session: DbSession, actor: CurrentActor
) -> list[CommitteeMemberOut]:
    return [
        CommitteeMemberOut(department=OrganisationOut.model_validate(org), duties=duties)
        for org, duties in service.committee_members(session, actor, committee_id)
    ]


@router.put("/organisations/{committee_id}/members")
def set_committee_member(
    committee_id: int, body: CommitteeMemberIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    member = service.set_committee_member(
        session, actor, committee_id, body.department_id, body.duties
    )
    return {
        "committee_id": member.committee_id,
        "department_id": member.department_id,
        "duties": member.duties,
    }


# --- persons ---------------------------------------------------------------------------


@router.get("/persons")
def list_persons(
    session: DbSession,
    actor: CurrentActor,
    q: str | None = None,
    under: str | None = None,
    organisation_id: int | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    page = service.list_persons(
        session,
        actor,
        q=q,
        under_region_id=under_region_id(session, under),
        organisation_id=organisation_id,
        offset=offset,
        limit=limit,
    )
    return page.as_dict(PersonOut.model_validate)


@router.post("/persons", status_code=201)
def upsert_person(body: PersonIn, session: DbSession, actor: CurrentActor) -> PersonOut:
    return PersonOut.model_validate(service.upsert_person(session, actor, **body.model_dump()))


@router.get("/persons/{person_id}")
def get_person(person_id: int, session: DbSession, actor: CurrentActor) -> PersonOut:
    return PersonOut.model_validate(service.get_person(session, actor, person_id))


@router.get("/persons/{person_id}/escalation")
def person_escalation(
    person_id: int, session: DbSession, actor: CurrentActor
) -> list[ChainLinkOut]:
    service.get_person(session, actor, person_id)
    chain = responsibility.escalation_chain_for_person(session, actor, person_id)
    return [ChainLinkOut.model_validate(link) for link in chain]


# --- assignments -----------------------------------------------------------------------


@router.get("/assignments")
def list_assignments(
    session: DbSession,
    actor: CurrentActor,
    person_id: int | None = None,
    role: str | None = None,
    target_kind: str | None = None,
    target_id: int | None = None,
    under: str | None = None,
    on: dt.date | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    page = service.list_assignments(
        session,
        actor,
        person_id=person_id,
        role=role,
        target_kind=target_kind,
        target_id=target_id,
        under_region_id=under_region_id(session, under),
        on=on,
        offset=offset,
        limit=limit,
    )
    return page.as_dict(AssignmentOut.model_validate)


@router.post("/assignments", status_code=201)
def create_assignment(body: AssignmentIn, session: DbSession, actor: CurrentActor) -> AssignmentOut:
    return AssignmentOut.model_validate(
        service.create_assignment(session, actor, **body.model_dump())
    )


@router.post("/assignments/{assignment_id}/end")
def end_assignment(
    assignment_id: int, body: AssignmentEnd, session: DbSession, actor: CurrentActor
) -> AssignmentOut:
    return AssignmentOut.model_validate(
        service.end_assignment(session, actor, assignment_id, body.valid_to)
    )


# --- responsibility --------------------------------------------------------------------


@router.post("/responsible")
def responsible(
    body: ResponsibleQuery, session: DbSession, actor: CurrentActor
) -> list[ResponsibleResult]:
    """Responsible persons of many places in one call: by target ids, region codes or
    points (each point resolves to the region at ``level`` containing it)."""
    keys: dict[str, int] = {str(i): i for i in body.target_ids}
    kind = body.target_kind
    if body.region_codes or body.points:
        kind = "region"
    if body.region_codes:
        rows = session.execute(
            select(Region.code, Region.id).where(Region.code.in_(body.region_codes))
        ).all()
        keys.update(dict(rows))
    if body.points:
        from yingji.regions.service import locate_points

        lons = [p[0] for p in body.points]
        lats = [p[1] for p in body.points]
        for (lon, lat), rid in zip(
            body.points, locate_points(session, actor, lons, lats, body.level), strict=True
        ):
            if rid is not None and rid >= 0:
                keys[f"{lon},{lat}"] = int(rid)
    found = responsibility.responsible_for(session, actor, kind, keys.values(), body.roles, body.on)
    return [
        ResponsibleResult(
            key=key, persons=[ResponsibleOut.model_validate(p) for p in found.get(tid, [])]
        )
        for key, tid in keys.items()
    ]


@router.get("/regions/{code}/escalation")
def region_escalation(code: str, session: DbSession, actor: CurrentActor) -> list[ChainLinkOut]:
    rid = actor.check_region(session, region_id_of(session, code)).id
    chain = responsibility.escalation_chains(session, actor, [rid])[rid]
    return [ChainLinkOut.model_validate(link) for link in chain]


# --- duty ------------------------------------------------------------------------------


@router.get("/duty/now")
def on_duty_now(
    session: DbSession, actor: CurrentActor, organisation_id: int | None = None
) -> list[OnDutyOut]:
    return [
        OnDutyOut.model_validate(d)
        for d in duty.on_duty(session, actor, organisation_id=organisation_id)
    ]


@router.get("/duty/shifts")
def list_shifts(
    session: DbSession,
    actor: CurrentActor,
    organisation_id: int,
    start: dt.datetime,
    end: dt.datetime,
) -> list[ShiftOut]:
    return [
        ShiftOut.model_validate(s)
        for s in duty.list_shifts(session, actor, organisation_id, start, end)
    ]


@router.post("/duty/shifts", status_code=201)
def add_shift(body: ShiftIn, session: DbSession, actor: CurrentActor) -> ShiftOut:
    return ShiftOut.model_validate(duty.add_shift(session, actor, **body.model_dump()))
