"""One-page response flow pages (一页纸应急响应流程图) and task pages.

``/flows`` lists the flows that apply in the user's area (their own subtree's, which writers
edit, and their ancestors', read-only). ``/flows/{id}`` shows the chart itself, with links
to the printable HTML and the PDF. The editor (``/flows/new``, ``/flows/{id}/edit``) is a
steps table the script posts to the JSON API, whose row-and-field errors land beside the
cells of the right row. ``/tasks`` is the user's own tasks and the area's overdue ones.

The incident page includes ``flow_tasks_panel.html`` with the context from
:func:`tasks_panel`: the incident's tasks with their updates, status buttons, a progress
form with attachments and, for writers, a form for an ad hoc task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.api_deps import DbSession
from yingji.db import utcnow
from yingji.errors import NotFound
from yingji.files import service as files
from yingji.incidents import flow_chart, flows, tasks, types
from yingji.incidents.flow_models import ResponseFlow, Task, TaskStatus
from yingji.incidents.models import Incident, IncidentStatus
from yingji.lookups import rows_by_id
from yingji.people.models import Organisation, OrganisationKind, Role
from yingji.regions.models import Region
from yingji.web.pages import Me, PageUser, _error_page, locale_of, render

router = APIRouter(include_in_schema=False)

ROLES = tuple(r.value for r in Role)
STATUSES = tuple(s.value for s in TaskStatus)
LEVELS = flows.LEVELS
ORG_KINDS = (
    OrganisationKind.department.value,
    OrganisationKind.committee.value,
    OrganisationKind.rescue_team.value,
)
"""Who a step may name as its unit (enterprises answer through their regulators)."""
MAX_ORGS = 2000


def _type_names(locale: str) -> dict[str, str]:
    return {
        t.code: (t.name_en if locale == "en" else t.name_zh) for t in types.all_types().values()
    }


def _organisations(session: Session, me: PageUser) -> list[tuple[int, str]]:
    """Units a step may name: those in the user's subtree, higher levels first."""
    stmt = (
        select(Organisation.id, Organisation.name)
        .join(Region, Region.id == Organisation.region_id)
        .where(Organisation.kind.in_(ORG_KINDS))
        .order_by(Region.level, Region.path, Organisation.code)
        .limit(MAX_ORGS)
    )
    stmt = me.actor.by_path(stmt, Region.path)
    return [(oid, name) for oid, name in session.execute(stmt)]


def _region_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    return {r.id: r.name for r in rows_by_id(session, Region, ids).values()}


def _common(me: PageUser, **more: Any) -> dict[str, Any]:
    return {"nav": "flows", "can_write": me.actor.can_write, **more}


# --- flows ---------------------------------------------------------------------------------


@router.get("/flows", name="flows")
def flows_page(request: Request, session: DbSession, me: Me, versions: str = "") -> Response:
    """The flows that apply in the user's area, higher regions first."""
    rows = flows.listing(session, me.actor, include_inactive=bool(versions))
    locale = locale_of(request)
    counts = {
        f.id: {lv: sum(1 for s in f.steps if s.min_level == lv) for lv in LEVELS} for f in rows
    }
    ctx = _common(
        me,
        rows=rows,
        counts=counts,
        levels=LEVELS,
        level_names=flows.LEVEL_NAMES,
        regions=_region_names(session, [f.region_id for f in rows]),
        type_names=_type_names(locale),
        inherited={f.id: not me.actor.covers(f.region_path) for f in rows},
        versions=bool(versions),
    )
    return render(request, "flow_list.html", me, ctx)


def _editor(
    request: Request, session: Session, me: PageUser, flow: ResponseFlow | None
) -> Response:
    locale = locale_of(request)
    home = session.get(Region, me.actor.region_id) if me.actor.region_id else None
    steps = [flows.step_dict(s) for s in flow.steps] if flow else []
    region = session.get(Region, flow.region_id) if flow else home
    ctx = _common(
        me,
        flow=flow,
        region_code=region.code if region else "",
        type_choices=list(_type_names(locale).items()),
        levels=LEVELS,
        level_names=flows.LEVEL_NAMES,
        roles=ROLES,
        organisations=_organisations(session, me),
    )
    js = {
        "flowEditor": {
            "id": flow.id if flow else None,
            "steps": steps or [{"min_level": 4, "minutes": 30, "action": "", "role": "admin"}],
        }
    }
    return render(request, "flow_edit.html", me, ctx, js=js)


@router.get("/flows/new", name="flow_new")
def new_flow_page(request: Request, session: DbSession, me: Me) -> Response:
    if not me.actor.can_write:
        return _error_page(request, me, "flow.read_only", 403)
    return _editor(request, session, me, None)


@router.get("/flows/{flow_id}/edit", name="flow_edit")
def edit_flow_page(request: Request, flow_id: int, session: DbSession, me: Me) -> Response:
    try:
        flow = flows.get(session, me.actor, flow_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    if not flows.may_change(me.actor, flow):
        return _error_page(request, me, "flow.read_only", 403)
    return _editor(request, session, me, flow)


@router.get("/flows/{flow_id}", name="flow_detail")
def flow_page(request: Request, flow_id: int, session: DbSession, me: Me) -> Response:
    """The chart on the page, the steps as a table, versions, print and PDF links."""
    try:
        flow = flows.get(session, me.actor, flow_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    locale = locale_of(request)
    chart = flow_chart.build(session, flow, locale)
    who = flows.names(session, flow.steps)
    ctx = _common(
        me,
        flow=flow,
        chart=flow_chart.fragment(chart),
        region=session.get(Region, flow.region_id),
        type_names=_type_names(locale),
        responsible={s.id: who.of(s, locale) for s in flow.steps},
        level_names=flows.LEVEL_NAMES,
        versions=flows.versions(session, me.actor, flow.code),
        may_change=flows.may_change(me.actor, flow),
        lang="en" if locale == "en" else "zh-CN",
    )
    return render(request, "flow_detail.html", me, ctx, js={"flow": {"id": flow.id}})


# --- tasks ---------------------------------------------------------------------------------


def _task_rows(
    session: Session, me: PageUser, rows: Sequence[Task], now: dt.datetime, locale: str
) -> list[dict[str, Any]]:
    """What the task macros show per task: the row, names, updates with files, actions."""
    who = flows.names(session, rows)
    found = rows_by_id(session, Incident, (t.incident_id for t in rows))
    updates = tasks.updates_for(session, [t.id for t in rows])
    upd_ids = [u.id for ups in updates.values() for u in ups]
    attached: dict[int, list[Any]] = {}
    for a in files.list_for(session, tasks.OWNER_KIND, upd_ids):
        attached.setdefault(a.owner_id, []).append(a)
    out = []
    for t in rows:
        incident = found.get(t.incident_id)
        writer = (
            me.actor.can_write and incident is not None and me.actor.covers(incident.region_path)
        )
        may_update = writer or tasks.is_mine(session, me.actor, t, now)
        nexts = sorted(tasks.NEXT.get(t.status, set()), key=STATUSES.index) if may_update else []
        if writer and t.status in tasks.OPEN:
            nexts.append(TaskStatus.cancelled.value)
        out.append(
            {
                "task": t,
                "incident": incident,
                "responsible": who.of(t, locale),
                "overdue": tasks.is_overdue(t, now),
                "may_update": may_update and t.status in tasks.OPEN,
                "next": nexts,
                "updates": [(u, attached.get(u.id, [])) for u in updates.get(t.id, [])],
            }
        )
    return out


def tasks_panel(
    request: Request, session: Session, me: PageUser, incident: Incident
) -> dict[str, Any]:
    """Context for ``{% include "flow_tasks_panel.html" %}`` on the incident page (the
    caller has checked the user may see the incident)."""
    now = utcnow()
    locale = locale_of(request)
    rows = tasks.tasks_for(session, incident)
    writer = me.actor.can_write and me.actor.covers(incident.region_path)
    items = _task_rows(session, me, rows, now, locale)
    return {
        "ft_panel": {
            "incident": incident,
            "rows": items,
            "open": sum(1 for t in rows if t.status in tasks.OPEN),
            "done": sum(1 for t in rows if t.status == TaskStatus.done),
            "overdue": sum(1 for i in items if i["overdue"]),
            "may_add": writer and incident.status != IncidentStatus.closed,
            "roles": ROLES,
            "organisations": _organisations(session, me) if writer else [],
            "level_names": flows.LEVEL_NAMES,
        }
    }


@router.get("/tasks", name="tasks")
def tasks_page(request: Request, session: DbSession, me: Me, closed: str = "") -> Response:
    """The user's own tasks (open, or all) and the overdue tasks of their area."""
    now = utcnow()
    locale = locale_of(request)
    mine = tasks.mine(session, me.actor, now, open_only=not closed)
    late = tasks.overdue(session, me.actor, now)
    ctx = _common(
        me,
        mine=_task_rows(session, me, mine, now, locale),
        late=_task_rows(session, me, late, now, locale),
        closed=bool(closed),
        level_names=flows.LEVEL_NAMES,
        has_person=me.actor.person_id is not None,
    )
    return render(request, "flow_tasks.html", me, ctx)
