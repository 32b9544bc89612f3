"""Hazard pages: the register with filters, and one hazard with its timeline, photos and the
steps the signed-in user may take next.

Both render on the server through the same service and output functions as the API, so a
page and an API client always see the same hazards; the step forms post to the JSON API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from yingji.api_deps import DbSession
from yingji.errors import NotFound
from yingji.files import service as files
from yingji.hazards import machine, queries, service
from yingji.hazards.api import event_out, outs
from yingji.hazards.models import GRADE_LABELS, SOURCE_LABELS, STATE_LABELS
from yingji.regions.models import Region
from yingji.web.pages import PAGE_SIZE, Me, _error_page, _pager, _under_region, render

router = APIRouter(include_in_schema=False)


@router.get("/hazards", name="hazards")
def hazards_page(
    request: Request,
    session: DbSession,
    me: Me,
    q: str = "",
    state: str = "",
    grade: str = "",
    under: str = "",
    overdue: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    region_id, problem = _under_region(session, me, under)
    rows = []
    pager = _pager(request, 0, offset, PAGE_SIZE)
    if problem is None:
        filters = queries.HazardFilter(
            under_path=session.get_one(Region, region_id).path if region_id else None,
            state=[state] if state in STATE_LABELS else None,
            grade=grade if grade in GRADE_LABELS else None,
            overdue=overdue,
            q=q.strip() or None,
        )
        page = queries.list_hazards(session, me.actor, filters, offset, PAGE_SIZE)
        rows = outs(session, me.actor, page.items)
        pager = _pager(request, page.total, offset, PAGE_SIZE)
    return render(
        request,
        "hazards.html",
        me,
        {
            "nav": "hazards",
            "rows": rows,
            "pager": pager,
            "problem": problem,
            "q": q,
            "state": state,
            "grade": grade,
            "under": under,
            "overdue": overdue,
            "states": STATE_LABELS,
            "grades": GRADE_LABELS,
            "can_report": me.actor.role in machine.REPORTERS,
        },
    )


@router.get("/hazards/{hazard_id}", name="hazard")
def hazard_page(request: Request, session: DbSession, me: Me, hazard_id: int) -> Response:
    try:
        hazard = queries.get(session, me.actor, hazard_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    row = outs(session, me.actor, [hazard])[0]
    events = [event_out(e) for e in queries.timeline(session, me.actor, hazard_id)]
    photos = [files.as_dict(p) for p in files.list_for(session, service.TARGET, [hazard_id])]
    return render(
        request,
        "hazard.html",
        me,
        {
            "nav": "hazards",
            "h": row,
            "events": events,
            "photos": photos,
            "sources": SOURCE_LABELS,
            "can_photo": me.actor.role in machine.RECTIFIERS,
            "owners": queries.owner_candidates(session, me.actor, hazard)
            if "assign" in row.allowed_actions
            else [],
        },
        js={"hazardId": hazard_id},
    )
