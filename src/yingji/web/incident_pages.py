"""Incident command pages: the duty desk (值班值守), the incident list with the intake form,
and one incident with its figures, reporting countdowns, response level, tasks, quick
reports, timeline and the links to its one map, situation report and review.

Lists and details render on the server through the same services and scope checks as the
API; the forms post JSON to the API (``incidents.js``) and the page reloads, so what a duty
officer sees is always what was stored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from jinja2 import pass_context

from yingji.api_deps import DbSession
from yingji.db import utcnow
from yingji.errors import NotFound
from yingji.incidents import duty_desk, grading, quick, reporting, service, timeline, types
from yingji.incidents.models import FIGURES
from yingji.web import flow_pages
from yingji.web.i18n import FALLBACK, translate
from yingji.web.pages import Me, _error_page, picker_config, render
from yingji.web.templating import templates

router = APIRouter(include_in_schema=False)

LEVELS = (4, 3, 2, 1)
"""The response levels offered, lowest first (Ⅳ … Ⅰ)."""
REPORT_KINDS = ("first", "upward", "follow_up", "final")
TO_LEVELS = (3, 2, 1, 0)
CATEGORIES = ("natural", "accident", "public_health", "social_safety")


@pass_context
def grade_label(context: Any, type_code: str, grade: int | None) -> str:
    """较大 for an accident, Ⅲ级 for a natural disaster, in the page's language."""
    locale = context.get("locale", FALLBACK)
    if grade is None:
        return translate(locale, "incident.ungraded")
    kind = types.get(type_code)
    group = "accident" if kind.grading == "accident" else "level"
    return translate(locale, f"incident.grade.{group}.{grade}")


@pass_context
def type_label(context: Any, type_code: str) -> str:
    kind = types.get(type_code)
    return kind.name_zh if context.get("locale", FALLBACK) == "zh-CN" else kind.name_en


templates.env.globals["grade_label"] = grade_label
templates.env.globals["type_label"] = type_label


def _types_by_category() -> list[tuple[str, list[types.IncidentType]]]:
    every = list(types.all_types().values())
    return [(c, [t for t in every if t.category == c]) for c in CATEGORIES]


templates.env.globals["incident_type_groups"] = _types_by_category


@router.get("/duty-desk", name="duty_desk")
def duty_desk_page(request: Request, session: DbSession, me: Me) -> Response:
    state = duty_desk.board(session, me.actor)
    ctx = {
        "nav": "duty",
        "state": state,
        "can_write": me.actor.can_write,
        "types": _types_by_category(),
    }
    return render(request, "duty_desk.html", me, ctx, js=picker_config(request, me))


@router.get("/incidents", name="incidents")
def incidents_page(request: Request, session: DbSession, me: Me, all: bool = False) -> Response:
    now = utcnow()
    rows = []
    for incident in service.listing(session, me.actor, open_only=not all):
        owed = [o for o in reporting.obligations(session, incident) if o.done_at is None]
        rows.append(
            {
                "incident": incident,
                "next": min(owed, key=lambda o: o.due_at).as_dict(now) if owed else None,
            }
        )
    ctx = {
        "nav": "incidents",
        "rows": rows,
        "show_all": all,
        "can_write": me.actor.can_write,
        "types": _types_by_category(),
        "figures": FIGURES,
    }
    return render(request, "incidents.html", me, ctx, js=picker_config(request, me))


@router.get("/incidents/{incident_id}", name="incident")
def incident_page(request: Request, session: DbSession, me: Me, incident_id: int) -> Response:
    try:
        incident = service.get(session, me.actor, incident_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    now = utcnow()
    kind = types.get(incident.type_code)
    ctx = {
        "nav": "incidents",
        "incident": incident,
        "kind": kind,
        "grading": grading,
        "obligations": [o.as_dict(now) for o in reporting.obligations(session, incident)],
        "events": list(reversed(timeline.events(session, incident.id))),
        "can_write": me.actor.can_write and incident.status != "closed",
        "figures": FIGURES,
        "levels": LEVELS,
        "report_kinds": REPORT_KINDS,
        "to_levels": TO_LEVELS,
        "level_names": reporting.LEVEL_NAMES,
        "quick": quick.totals(session, me.actor, incident_id=incident.id),
        "quick_conflicts": quick.conflicts(
            session, me.actor, incident_id=incident.id, open_only=True
        ),
        **flow_pages.tasks_panel(request, session, me, incident),
    }
    js = {"incident": {"id": incident.id, "now": now.isoformat()}}
    return render(request, "incident_detail.html", me, ctx, js=js)
