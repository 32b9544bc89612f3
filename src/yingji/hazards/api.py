"""HTTP API for hazards: list (or GeoJSON map layer), report, detail with timeline, steps,
photos."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.api_deps import CurrentActor, DbSession, Limit, Offset, region_id_of, under_path
from yingji.auth.scope import Actor
from yingji.bbox import parse as parse_bbox
from yingji.files import service as files
from yingji.hazards import machine, queries, service
from yingji.hazards.models import (
    GRADE_HEX,
    GRADE_LABELS,
    SOURCE_LABELS,
    STATE_LABELS,
    Hazard,
    HazardEvent,
)
from yingji.hazards.schemas import ActionIn, EventOut, HazardDetail, HazardIn, HazardOut
from yingji.lookups import values_by_id
from yingji.people.models import Organisation, Person
from yingji.regions.models import Region
from yingji.risk.models import RiskPoint

router = APIRouter(tags=["hazards"])


def outs(session: Session, actor: Actor, hazards: Sequence[Hazard]) -> list[HazardOut]:
    """Output rows with place and owner names: one look-up per kind for the whole page."""
    from yingji.enterprises.models import Enterprise

    regions = {
        rid: (code, name)
        for rid, code, name in session.execute(
            select(Region.id, Region.code, Region.name).where(
                Region.id.in_({h.region_id for h in hazards})
            )
        )
    }
    enterprise_orgs = values_by_id(
        session, Enterprise, Enterprise.organisation_id, {h.enterprise_id for h in hazards}
    )
    org_names = values_by_id(
        session,
        Organisation,
        Organisation.name,
        {h.department_id for h in hazards} | set(enterprise_orgs.values()),
    )
    points = values_by_id(session, RiskPoint, RiskPoint.name, {h.risk_point_id for h in hazards})
    owners = values_by_id(session, Person, Person.name, {h.owner_person_id for h in hazards})
    today = clock.today()
    out = []
    for h in hazards:
        code, name = regions.get(h.region_id, ("", ""))
        enterprise_org = enterprise_orgs.get(h.enterprise_id) if h.enterprise_id else None
        out.append(
            HazardOut(
                **{
                    column: getattr(h, column)
                    for column in HazardOut.model_fields
                    if hasattr(Hazard, column)
                },
                state_label=STATE_LABELS[h.state],
                grade_label=GRADE_LABELS.get(h.grade) if h.grade else None,
                source_label=SOURCE_LABELS.get(h.source, h.source),
                region_code=code,
                region_name=name,
                enterprise_name=org_names.get(enterprise_org) if enterprise_org else None,
                risk_point_name=points.get(h.risk_point_id) if h.risk_point_id else None,
                department_name=org_names.get(h.department_id) if h.department_id else None,
                owner_name=owners.get(h.owner_person_id) if h.owner_person_id else None,
                overdue=queries.is_overdue(h, today),
                colour_hex=GRADE_HEX.get(h.grade, GRADE_HEX[None]),
                allowed_actions=[a.value for a in machine.allowed(h.state, actor.role)],
            )
        )
    return out


def event_out(event: HazardEvent) -> EventOut:
    return EventOut(
        id=event.id,
        action=event.action,
        action_label=machine.ACTION_LABELS.get(event.action, event.action),
        from_state=event.from_state,
        to_state=event.to_state,
        to_state_label=STATE_LABELS.get(event.to_state, event.to_state),
        at=event.at,
        actor=event.actor_name,
        comment=event.comment,
        data=event.data,
    )


@router.get("/hazards")
def list_hazards(
    session: DbSession,
    actor: CurrentActor,
    under: str | None = Query(None, description="区划编码 / region code"),
    state: Annotated[list[str] | None, Query()] = None,
    grade: str | None = None,
    source: str | None = None,
    enterprise_id: int | None = None,
    risk_point_id: int | None = None,
    department_id: int | None = None,
    overdue: bool = False,
    open: bool = False,
    q: str | None = None,
    found_from: dt.datetime | None = None,
    found_to: dt.datetime | None = None,
    bbox: str | None = Query(None, description="west,south,east,north"),
    format: Literal["json", "geojson"] = "json",
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    """A page of hazards, newest first; ``format=geojson`` gives a map layer of those with a
    position, coloured by grade."""
    path = under_path(session, under)
    filters = queries.HazardFilter(
        under_path=path,
        state=state,
        grade=grade,
        source=source,
        enterprise_id=enterprise_id,
        risk_point_id=risk_point_id,
        department_id=department_id,
        overdue=overdue,
        open_only=open,
        q=q,
        found_from=found_from,
        found_to=found_to,
        bbox=parse_bbox(bbox),
    )
    page = queries.list_hazards(session, actor, filters, offset, limit)
    items = outs(session, actor, page.items)
    if format == "json":
        return {"items": items, "total": page.total, "offset": page.offset, "limit": page.limit}
    features = [
        {
            "type": "Feature",
            "id": item.id,
            "geometry": {"type": "Point", "coordinates": [item.lon, item.lat]},
            "properties": item.model_dump(mode="json", exclude={"lon", "lat"}),
        }
        for item in items
        if item.lon is not None and item.lat is not None
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }


def _detail(session: Session, actor: Actor, hazard: Hazard) -> HazardDetail:
    events = queries.timeline(session, actor, hazard.id)
    photos = files.list_for(session, service.TARGET, [hazard.id])
    return HazardDetail(
        **outs(session, actor, [hazard])[0].model_dump(),
        events=[event_out(e) for e in events],
        photos=[files.as_dict(p) for p in photos],
    )


@router.post("/hazards", status_code=201)
def report_hazard(body: HazardIn, session: DbSession, actor: CurrentActor) -> HazardDetail:
    data = body.model_dump()
    code = data.pop("region_code")
    if code is not None:
        data["region_id"] = region_id_of(session, code)
    hazard = service.report(session, actor, data)
    return _detail(session, actor, hazard)


@router.get("/hazards/{hazard_id}")
def get_hazard(hazard_id: int, session: DbSession, actor: CurrentActor) -> HazardDetail:
    return _detail(session, actor, queries.get(session, actor, hazard_id))


@router.post("/hazards/{hazard_id}/actions/{action}")
def act(
    hazard_id: int, action: str, body: ActionIn, session: DbSession, actor: CurrentActor
) -> HazardDetail:
    """Take one step of the lifecycle; an illegal step answers 409 naming the allowed ones."""
    data = body.model_dump(exclude_unset=True)
    code = data.pop("region_code", None)
    if code is not None:
        data["region_id"] = region_id_of(session, code)
    hazard = service.act(session, actor, hazard_id, action, data)
    return _detail(session, actor, hazard)


@router.post("/hazards/{hazard_id}/photos", status_code=201)
async def add_photo(
    hazard_id: int,
    session: DbSession,
    actor: CurrentActor,
    file: Annotated[UploadFile, File()],
    lon: Annotated[float | None, Form()] = None,
    lat: Annotated[float | None, Form()] = None,
) -> dict[str, Any]:
    data = await file.read()
    photo = service.add_photo(
        session, actor, hazard_id, file.filename or "photo", data, lon=lon, lat=lat
    )
    return files.as_dict(photo)


@router.get("/hazard-machine")
def hazard_machine(actor: CurrentActor) -> dict[str, Any]:
    """States, grades and the transition table with labels, for clients that draw buttons."""
    return {
        "states": STATE_LABELS,
        "grades": GRADE_LABELS,
        "sources": SOURCE_LABELS,
        "actions": machine.ACTION_LABELS,
        "transitions": {
            action.value: {a.value: b.value for a, b in moves.items()}
            for action, moves in machine.TRANSITIONS.items()
        },
        "roles": {action.value: sorted(roles) for action, roles in machine.WHO.items()},
    }
