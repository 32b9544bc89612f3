"""Quick report pages (灾情速报): the phone form a village or grid reporter fills in, and the
list where the township verifies reports, sees the totals by region and the conflicts.

Both render on the server through :mod:`yingji.incidents.quick` with the same scope checks
as the API. The form posts a multipart form (figures, text, photos, the phone's position)
to ``/api/v1/quick-reports`` from ``quick.js``, which shows the API's field errors beside
the fields; verify and send-back buttons post to the API and reload the list.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.api_deps import DbSession
from yingji.incidents import quick
from yingji.incidents.quick_models import QuickReportStatus
from yingji.regions.models import Region, RegionLevel
from yingji.web.pages import PAGE_SIZE, Me, PageUser, _pager, render
from yingji.web.templating import local_time, templates

router = APIRouter(include_in_schema=False)

PLACE_CHOICES_MAX = 400
"""Above this many townships, villages and grids the form asks for a region code instead
of offering a list (a city account; village and township accounts have a few dozen)."""
STATUSES = tuple(s.value for s in QuickReportStatus)


def quick_time(value: str | None) -> str:
    """An API time (ISO 8601, as the report dicts carry it) in the installation's zone."""
    return local_time(dt.datetime.fromisoformat(value)) if value else ""


templates.env.filters["quick_time"] = quick_time


def _relative_names(session: Session, me: PageUser, regions: list[Region]) -> dict[int, str]:
    """Each place named from just below the user's own region ("平峰社区 第1网格"), the
    user's own region by its name."""
    codes = {c for r in regions for c in r.path.strip("/").split("/")}
    stmt = select(Region.code, Region.name).where(Region.code.in_(codes))
    names = {code: name for code, name in session.execute(stmt)}
    own = me.region.path
    out = {}
    for r in regions:
        rest = r.path[len(own) :] if r.path.startswith(own) else r.path
        parts = [names.get(c, c) for c in rest.strip("/").split("/") if c]
        out[r.id] = " ".join(parts) or r.name
    return out


def _incident_options(session: Session, me: PageUser) -> list[dict[str, Any]]:
    return [
        {"id": i.id, "label": f"{i.code} {i.title}"}
        for i in quick.incident_choices(session, me.actor)
    ]


@router.get("/quick-reports/new", name="quick_new")
def new_page(
    request: Request, session: DbSession, me: Me, incident_id: int | None = None
) -> Response:
    """The phone form: place (the user's own by default), figures, text, photos, position."""
    can_report = me.actor.role in quick.REPORTER_ROLES
    places = quick.place_choices(session, me.actor, PLACE_CHOICES_MAX) if can_report else []
    names = _relative_names(session, me, places or [])
    own_is_place = me.region.level >= RegionLevel.township
    ctx = {
        "nav": "quick_reports",
        "can_report": can_report,
        "places": [
            {"code": r.code, "label": names[r.id], "level": r.level}
            for r in places or []
            if r.id != me.region.id
        ],
        "place_list": places is not None,
        "own_place": {"code": me.region.code, "label": me.region.name} if own_is_place else None,
        "incidents": _incident_options(session, me) if can_report else [],
        "incident_id": incident_id,
        "figures": quick.FIGURES,
        "max_photos": quick.MAX_PHOTOS,
    }
    return render(request, "quick_new.html", me, ctx, js={"quick": {"list": "/quick-reports"}})


@router.get("/quick-reports", name="quick_reports")
def list_page(
    request: Request,
    session: DbSession,
    me: Me,
    incident_id: int | None = None,
    status: str = QuickReportStatus.submitted.value,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The verification queue (or every report, by status), the totals by region below the
    user's region and the conflicting figures, highlighted."""
    status = status if status in STATUSES else ""
    page = quick.listing(
        session,
        me.actor,
        incident_id=incident_id,
        status=status or None,
        offset=offset,
        limit=PAGE_SIZE,
    )
    # A system administrator's scope is everything; the totals start at their home region.
    root = me.region.path if me.actor.region_path == "/" else None
    totals = quick.totals(session, me.actor, incident_id=incident_id, region_path=root)
    conflicts = quick.conflicts(session, me.actor, incident_id=incident_id)
    disputed = {r["id"] for c in conflicts if c["open"] for r in (c["a"], c["b"])}
    ctx = {
        "nav": "quick_reports",
        "rows": quick.as_dicts(session, me.actor, page.items),
        "pager": _pager(request, page.total, page.offset, page.limit),
        "status": status,
        "statuses": STATUSES,
        "incident_id": incident_id,
        "incidents": _incident_options(session, me),
        "totals": totals,
        "conflicts": conflicts,
        "disputed": disputed,
        "figures": quick.FIGURES,
        "window_hours": int(quick.CONFLICT_WINDOW.total_seconds() // 3600),
        "can_report": me.actor.role in quick.REPORTER_ROLES,
        "can_verify": quick.may_verify(session, me.actor),
    }
    return render(request, "quick_list.html", me, ctx, js={"quick": {"list": "/quick-reports"}})
