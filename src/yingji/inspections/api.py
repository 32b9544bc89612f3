"""HTTP API: checklists (versioned), inspections (create, results, photos, finish),
inspection schedules and the places due for inspection."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from sqlalchemy.orm import Session

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset, region_id_of, under_path
from yingji.files import service as files
from yingji.inspections import schedules, service, templates, views
from yingji.inspections.models import InspectionSchedule
from yingji.inspections.schemas import (
    FinishOut,
    InspectionDetail,
    InspectionIn,
    ItemOut,
    ResultsIn,
    ScheduleIn,
    ScheduleOut,
    TemplateDetail,
    TemplateIn,
    TemplateOut,
)
from yingji.regions.models import Region

router = APIRouter(tags=["inspections"])


# --- checklists ------------------------------------------------------------------------


def _template_detail(view: templates.TemplateView) -> TemplateDetail:
    t = view.template
    return TemplateDetail(
        id=t.id,
        code=t.code,
        version=t.version,
        name_zh=t.name_zh,
        name_en=t.name_en,
        source=t.source,
        item_count=len(view.items),
        latest=view.latest,
        created_at=t.created_at,
        items=[ItemOut.model_validate(i, from_attributes=True) for i in view.items],
    )


@router.get("/checklists")
def list_checklists(actor: CurrentActor, session: DbSession, all_versions: bool = False) -> dict:
    """The newest version of every checklist (every version with ``all_versions``)."""
    rows = templates.list_templates(session, all_versions=all_versions)
    items = [
        TemplateOut(
            id=t.id,
            code=t.code,
            version=t.version,
            name_zh=t.name_zh,
            name_en=t.name_en,
            source=t.source,
            item_count=n,
            created_at=t.created_at,
        )
        for t, n in rows
    ]
    return {"items": items, "total": len(items)}


@router.get("/checklists/{template_id}")
def get_checklist(template_id: int, actor: CurrentActor, session: DbSession) -> TemplateDetail:
    return _template_detail(templates.get_template(session, template_id))


@router.post("/checklists", status_code=201)
def create_checklist(body: TemplateIn, actor: CurrentActor, session: DbSession) -> TemplateDetail:
    """A new checklist, version 1 (system administrators)."""
    return _template_detail(templates.create_template(session, actor, body.model_dump()))


@router.put("/checklists/{code}")
def edit_checklist(
    code: str, body: TemplateIn, actor: CurrentActor, session: DbSession
) -> TemplateDetail:
    """Edit a checklist: writes its next version; inspections keep the version they used."""
    return _template_detail(templates.new_version(session, actor, code, body.model_dump()))


# --- schedules -------------------------------------------------------------------------


def _schedule_out(session: Session, schedule: InspectionSchedule) -> ScheduleOut:
    region = session.get_one(Region, schedule.region_id)
    return ScheduleOut(
        id=schedule.id,
        name=schedule.name,
        target_kind=schedule.target_kind,
        region_id=schedule.region_id,
        region_code=region.code,
        interval_days=schedule.interval_days,
        grade=schedule.grade,
        category_id=schedule.category_id,
        kind=schedule.kind,
        active=schedule.active,
    )


@router.get("/inspection-schedules")
def list_schedules(actor: CurrentActor, session: DbSession) -> dict[str, Any]:
    """Schedules that apply in your region: set there, below it, or above it."""
    items = [_schedule_out(session, s) for s in schedules.list_schedules(session, actor)]
    return {"items": items, "total": len(items)}


def _schedule_data(session: Session, body: ScheduleIn, *, partial: bool) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=partial)
    code = data.pop("region_code", None)
    if code is not None:
        data["region_id"] = region_id_of(session, code)
    return data


@router.post("/inspection-schedules", status_code=201)
def create_schedule(body: ScheduleIn, actor: CurrentActor, session: DbSession) -> ScheduleOut:
    data = _schedule_data(session, body, partial=False)
    return _schedule_out(session, schedules.create_schedule(session, actor, data))


@router.put("/inspection-schedules/{schedule_id}")
def update_schedule(
    schedule_id: int, body: ScheduleIn, actor: CurrentActor, session: DbSession
) -> ScheduleOut:
    data = _schedule_data(session, body, partial=True)
    data.pop("region_id", None)
    return _schedule_out(session, schedules.update_schedule(session, actor, schedule_id, data))


# --- inspections -----------------------------------------------------------------------


@router.get("/inspections/due")
def due(
    actor: CurrentActor,
    session: DbSession,
    under: str | None = Query(None, description="区划编码 / region code"),
    within_days: Annotated[int, Query(ge=0, le=365)] = 0,
) -> dict[str, Any]:
    """Places not inspected within their schedule's interval (or due within
    ``within_days``): never-inspected first, then by due date."""
    places = service.not_inspected(
        session, actor, under_path=under_path(session, under), within_days=within_days
    )
    return {"items": places, "total": len(places)}


@router.get("/inspections")
def list_inspections(
    actor: CurrentActor,
    session: DbSession,
    under: str | None = Query(None, description="区划编码 / region code"),
    enterprise_id: int | None = None,
    risk_point_id: int | None = None,
    kind: str | None = None,
    state: str | None = None,
    started_from: dt.datetime | None = None,
    started_to: dt.datetime | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    """A page of inspections, newest first."""
    filters = service.InspectionFilter(
        under_path=under_path(session, under),
        enterprise_id=enterprise_id,
        risk_point_id=risk_point_id,
        kind=kind,
        state=state,
        started_from=started_from,
        started_to=started_to,
    )
    page = service.list_inspections(session, actor, filters, offset, limit)
    return {
        "items": views.outs(session, page.items),
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }


@router.post("/inspections", status_code=201)
def create_inspection(
    body: InspectionIn, actor: CurrentActor, session: DbSession
) -> InspectionDetail:
    inspection = service.create(session, actor, body.model_dump())
    return views.detail(session, actor, inspection)


@router.get("/inspections/{inspection_id}")
def get_inspection(inspection_id: int, actor: CurrentActor, session: DbSession) -> InspectionDetail:
    return views.detail(session, actor, service.get(session, actor, inspection_id))


@router.put("/inspections/{inspection_id}/results")
def put_results(
    inspection_id: int, body: ResultsIn, actor: CurrentActor, session: DbSession
) -> InspectionDetail:
    """Set results of the items listed; refused (409) once the inspection is submitted."""
    entries = [r.model_dump(exclude_unset=True) for r in body.results]
    inspection = service.record(session, actor, inspection_id, entries, lon=body.lon, lat=body.lat)
    return views.detail(session, actor, inspection)


@router.post("/inspections/{inspection_id}/items/{item_code}/photos", status_code=201)
async def add_photo(
    inspection_id: int,
    item_code: str,
    session: DbSession,
    actor: CurrentActor,
    file: Annotated[UploadFile, File()],
    lon: Annotated[float | None, Form()] = None,
    lat: Annotated[float | None, Form()] = None,
) -> dict[str, Any]:
    data = await file.read()
    photo = service.add_photo(
        session, actor, inspection_id, item_code, file.filename or "photo", data, lon=lon, lat=lat
    )
    return files.as_dict(photo)


@router.post("/inspections/{inspection_id}/finish")
def finish(inspection_id: int, actor: CurrentActor, session: DbSession) -> FinishOut:
    """Submit: results freeze and every failed item becomes a hazard; returns their ids."""
    inspection, hazard_ids = service.finish(session, actor, inspection_id)
    return FinishOut(inspection=views.detail(session, actor, inspection), hazard_ids=hazard_ids)
