"""After-action review pages (复盘评估): one incident's review — the measures, the findings
editor, the corrective actions with add and close — and the open corrective actions across
the incidents in the user's scope, overdue ones highlighted.

Both render on the server through the same service functions and scope checks as the API;
the forms post JSON to ``/api/v1/incidents/{id}/review...`` (``review.js``) and reload, so
the page always shows what the server now holds. Readers get the same page without forms.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from yingji import clock
from yingji.api_deps import DbSession
from yingji.errors import NotFound
from yingji.incidents import review
from yingji.web.pages import PAGE_SIZE, Me, _error_page, _pager, render

router = APIRouter(include_in_schema=False)

SHOW = ("open", "overdue", "closed", "all")
"""The filters of the corrective-action list: ``review.actions.show.<key>`` texts."""
FORMATS = ("html", "pdf", "docx")


def metric_rows(metrics: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The measures as rows for the page: the three lapses, then the outcome measures."""
    lapses = [
        {
            "key": key,
            "at": review.parse_time(metrics[key]["at"]),
            "from_occurred": metrics[key]["from_occurred"],
            "from_received": metrics[key]["from_received"],
        }
        for key, _ in review.MOMENTS
    ]
    t, w, r = metrics["tasks"], metrics["warnings"], metrics["resources"]
    shares = [
        {"key": "tasks_on_time", "part": t["on_time"], "whole": t["with_due"], "share": t["share"]},
        {
            "key": "warnings_confirmed",
            "part": w["confirmed"],
            "whole": w["instructions"],
            "share": w["rate"],
        },
    ]
    return {"lapses": lapses, "shares": shares, "resources": [r]}


@router.get("/incidents/{incident_id}/review", name="incident_review")
def review_page(request: Request, session: DbSession, me: Me, incident_id: int) -> Response:
    try:
        current = review.view(session, me.actor, incident_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    today = clock.today()
    incident = current.source.incident
    saved = current.review
    return render(
        request,
        "review_incident.html",
        me,
        {
            "nav": "incidents",
            "incident": incident,
            "incident_id": incident.id,
            "review": saved,
            "frozen": saved is not None and bool(saved.metrics),
            "measured_at": review.parse_time(current.metrics["measured_at"]),
            "rows": metric_rows(current.metrics),
            "actions": [review.action_out(a, incident, today) for a in current.actions],
            "formats": FORMATS,
            "can_write": me.actor.can_write,
        },
        js={"incidentId": incident.id},
    )


@router.get("/review-actions", name="review_actions")
def actions_page(
    request: Request,
    session: DbSession,
    me: Me,
    show: str = "open",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    show = show if show in SHOW else "open"
    today = clock.today()
    page, rows = review.list_actions(
        session,
        me.actor,
        open_only={"open": True, "overdue": True, "closed": False}.get(show),
        overdue_only=show == "overdue",
        today=today,
        offset=offset,
        limit=PAGE_SIZE,
    )
    return render(
        request,
        "review_actions.html",
        me,
        {
            "nav": "incidents",
            "show": show,
            "shows": SHOW,
            "actions": [review.action_out(r.action, r.incident, today) for r in rows],
            "pager": _pager(request, page.total, offset, PAGE_SIZE),
            "can_write": me.actor.can_write,
        },
    )
