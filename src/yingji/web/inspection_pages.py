"""Inspection pages: the list, the places due, starting one, the phone form and the detail.

Lists and the detail render on the server through the inspection service (same scope checks
as the API). The form is one card per item with large buttons, made for a phone held in one
hand on site; its script saves each answer, note, photo and GPS fix through the JSON API as
it is given, so a dropped connection loses at most the last tap.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from yingji.api_deps import DbSession
from yingji.enterprises.models import Enterprise
from yingji.errors import NotFound
from yingji.inspections import service, templates, views
from yingji.inspections.models import KIND_LABELS, STATE_LABELS
from yingji.inspections.schemas import InspectionDetail
from yingji.regions.models import Region
from yingji.web.pages import PAGE_SIZE, Me, _error_page, _pager, _under_region, render

router = APIRouter(include_in_schema=False)
STYLES = "/static/app/inspection.css"


def _kinds_for(me: Me) -> list[str]:
    return [kind for kind, roles in service.KIND_ROLES.items() if me.actor.role in roles]


@router.get("/inspections", name="inspections")
def inspections_page(
    request: Request,
    session: DbSession,
    me: Me,
    kind: str = "",
    state: str = "",
    under: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    region_id, problem = _under_region(session, me, under)
    rows: list = []
    pager = _pager(request, 0, offset, PAGE_SIZE)
    if problem is None:
        filters = service.InspectionFilter(
            under_path=session.get_one(Region, region_id).path if region_id else None,
            kind=kind if kind in KIND_LABELS else None,
            state=state if state in STATE_LABELS else None,
        )
        page = service.list_inspections(session, me.actor, filters, offset, PAGE_SIZE)
        rows = views.outs(session, page.items)
        pager = _pager(request, page.total, offset, PAGE_SIZE)
    context = {
        "nav": "inspections",
        "rows": rows,
        "pager": pager,
        "problem": problem,
        "kind": kind,
        "state": state,
        "under": under,
        "kinds": KIND_LABELS,
        "states": STATE_LABELS,
        "can_start": bool(_kinds_for(me)),
        "styles": STYLES,
    }
    return render(request, "inspection_list.html", me, context)


@router.get("/inspections/due", name="inspections_due")
def due_page(
    request: Request,
    session: DbSession,
    me: Me,
    under: str = "",
    within_days: Annotated[int, Query(ge=0, le=365)] = 0,
) -> Response:
    region_id, problem = _under_region(session, me, under)
    places = []
    if problem is None:
        under_path = session.get_one(Region, region_id).path if region_id else None
        places = service.not_inspected(
            session, me.actor, under_path=under_path, within_days=within_days
        )
    context = {
        "nav": "inspections",
        "places": places,
        "problem": problem,
        "under": under,
        "within_days": within_days,
        "can_start": bool(_kinds_for(me)),
        "styles": STYLES,
    }
    return render(request, "inspection_due.html", me, context)


@router.get("/inspections/new", name="inspection_new")
def new_page(
    request: Request,
    session: DbSession,
    me: Me,
    enterprise_id: int | None = None,
    risk_point_id: int | None = None,
) -> Response:
    kinds = _kinds_for(me)
    if not kinds:
        return _error_page(request, me, "inspections.forbidden", 403)
    if me.actor.organisation_id and enterprise_id is None and risk_point_id is None:
        enterprise_id = session.scalar(
            select(Enterprise.id).where(Enterprise.organisation_id == me.actor.organisation_id)
        )
    checklists = [t for t, _ in templates.list_templates(session)]
    context = {
        "nav": "inspections",
        "kinds": kinds,
        "checklists": checklists,
        "enterprise_id": enterprise_id,
        "risk_point_id": risk_point_id,
        "styles": STYLES,
    }
    return render(request, "inspection_new.html", me, context)


def _detail_or_404(session: DbSession, me: Me, inspection_id: int) -> InspectionDetail | None:
    try:
        inspection = service.get(session, me.actor, inspection_id)
    except NotFound:
        return None
    return views.detail(session, me.actor, inspection)


@router.get("/inspections/{inspection_id}/form", name="inspection_form")
def form_page(request: Request, session: DbSession, me: Me, inspection_id: int) -> Response:
    detail = _detail_or_404(session, me, inspection_id)
    if detail is None:
        return _error_page(request, me, "error.not_found", 404)
    if not detail.editable:
        return RedirectResponse(f"/inspections/{inspection_id}", status_code=303)
    context = {"nav": "inspections", "i": detail, "styles": STYLES}
    return render(request, "inspection_form.html", me, context, js={"inspectionId": inspection_id})


@router.get("/inspections/{inspection_id}", name="inspection")
def detail_page(request: Request, session: DbSession, me: Me, inspection_id: int) -> Response:
    detail = _detail_or_404(session, me, inspection_id)
    if detail is None:
        return _error_page(request, me, "error.not_found", 404)
    context = {"nav": "inspections", "i": detail, "styles": STYLES}
    return render(request, "inspection_detail.html", me, context)
