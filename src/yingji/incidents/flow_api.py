"""HTTP API of the one-page response flows and the incident tasks they create.

Flows: list, read, create, edit (a new version), retire, reactivate; the printable chart
as HTML and PDF. Tasks: an incident's tasks, ad hoc tasks, progress updates (JSON, or
multipart with files), the actor's own tasks and the overdue list.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from yingji.api_deps import CurrentActor, DbSession
from yingji.db import utcnow
from yingji.errors import ValidationFailed, invalid
from yingji.files import service as files
from yingji.incidents import flow_chart, flows, tasks
from yingji.incidents import service as incidents
from yingji.incidents.flow_models import Task
from yingji.incidents.models import Incident
from yingji.lookups import rows_by_id

router = APIRouter(tags=["incidents"])

Lang = Annotated[str, Query(pattern="^(zh-CN|en)$")]


def _flow_out(session: DbSession, flow: Any, actor: CurrentActor) -> dict[str, Any]:
    out = flows.as_dict(flow, flows.names(session, flow.steps))
    out["may_change"] = flows.may_change(actor, flow)
    return out


@router.get("/flows")
def list_flows(
    session: DbSession,
    actor: CurrentActor,
    include_inactive: Annotated[bool, Query(alias="all")] = False,
    code: str | None = None,
    type_code: str | None = None,
) -> dict[str, Any]:
    rows = flows.listing(
        session, actor, include_inactive=include_inactive, code=code, type_code=type_code
    )
    who = flows.names(session, [s for f in rows for s in f.steps])
    items = []
    for f in rows:
        item = flows.as_dict(f, who)
        item["may_change"] = flows.may_change(actor, f)
        items.append(item)
    return {"items": items, "total": len(items)}


@router.post("/flows", status_code=201)
def create_flow(body: dict[str, Any], session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return _flow_out(session, flows.create(session, actor, body), actor)


@router.get("/flows/{flow_id}")
def get_flow(flow_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    out = _flow_out(session, flows.get(session, actor, flow_id), actor)
    out["versions"] = [
        {"id": v.id, "version": v.version, "active": v.active, "created_at": v.created_at}
        for v in flows.versions(session, actor, out["code"])
    ]
    return out


@router.put("/flows/{flow_id}")
def update_flow(
    flow_id: int, body: dict[str, Any], session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Saves the edit as a new version; the answer is the new version."""
    return _flow_out(session, flows.update(session, actor, flow_id, body), actor)


@router.delete("/flows/{flow_id}")
def retire_flow(flow_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Deactivates the flow (its steps and tasks stay)."""
    return _flow_out(session, flows.retire(session, actor, flow_id), actor)


@router.post("/flows/{flow_id}/activate")
def activate_flow(flow_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return _flow_out(session, flows.activate(session, actor, flow_id), actor)


@router.get("/flows/{flow_id}/chart.html", response_class=HTMLResponse)
def chart_html(
    flow_id: int, session: DbSession, actor: CurrentActor, lang: Lang = "zh-CN"
) -> HTMLResponse:
    chart = flow_chart.build(session, flows.get(session, actor, flow_id), lang)
    return HTMLResponse(flow_chart.html_document(chart), headers={"Cache-Control": "no-store"})


@router.get("/flows/{flow_id}/chart.pdf", response_class=Response)
def chart_pdf(
    flow_id: int, session: DbSession, actor: CurrentActor, lang: Lang = "zh-CN"
) -> Response:
    flow = flows.get(session, actor, flow_id)
    data = flow_chart.pdf_bytes(flow_chart.build(session, flow, lang))
    name = quote(f"{flow.code}-v{flow.version}.pdf")
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{name}"},
    )


# --- tasks -----------------------------------------------------------------------------------


def _tasks_out(
    session: DbSession, rows: list[Task], now: dt.datetime, *, with_incident: bool = False
) -> list[dict[str, Any]]:
    who = flows.names(session, rows)
    found = rows_by_id(session, Incident, (t.incident_id for t in rows)) if with_incident else {}
    return [tasks.task_dict(t, who, now, found.get(t.incident_id)) for t in rows]


@router.get("/incidents/{incident_id}/tasks")
def incident_tasks(incident_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    incident = incidents.get(session, actor, incident_id)
    rows = tasks.tasks_for(session, incident)
    now = utcnow()
    items = _tasks_out(session, rows, now)
    return {
        "items": items,
        "total": len(items),
        "open": sum(1 for t in rows if t.status in tasks.OPEN),
        "overdue": sum(1 for i in items if i["overdue"]),
    }


@router.post("/incidents/{incident_id}/tasks", status_code=201)
def create_task(
    incident_id: int, body: dict[str, Any], session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    now = utcnow()
    task = tasks.create_task(session, actor, incident_id, body, now=now)
    return _tasks_out(session, [task], now)[0]


@router.get("/tasks/overdue")
def overdue_tasks(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    now = utcnow()
    items = _tasks_out(session, tasks.overdue(session, actor, now), now, with_incident=True)
    return {"items": items, "total": len(items)}


@router.get("/tasks/mine")
def my_tasks(
    session: DbSession,
    actor: CurrentActor,
    include_closed: Annotated[bool, Query(alias="all")] = False,
) -> dict[str, Any]:
    now = utcnow()
    rows = tasks.mine(session, actor, now, open_only=not include_closed)
    items = _tasks_out(session, rows, now, with_incident=True)
    return {"items": items, "total": len(items)}


@router.get("/tasks/{task_id}")
def get_task(task_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    now = utcnow()
    task = tasks.get_task(session, actor, task_id, now=now)
    out = _tasks_out(session, [task], now, with_incident=True)[0]
    updates = tasks.updates_for(session, [task.id]).get(task.id, [])
    attached = files.list_for(session, tasks.OWNER_KIND, [u.id for u in updates])
    out["updates"] = [
        tasks.update_dict(u, [a for a in attached if a.owner_id == u.id]) for u in updates
    ]
    return out


async def _update_body(request: Request) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """JSON ``{"text", "status"}``, or a form with ``text``, ``status`` and ``files``."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise invalid("body", "不是有效的 JSON / body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise invalid("body", "须为 JSON 对象 / a JSON object is required")
        return body, []
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form()
        data = {k: form.get(k) for k in ("text", "status") if isinstance(form.get(k), str)}
        uploads = []
        for value in form.getlist("files") + form.getlist("file"):
            if isinstance(value, UploadFile) and value.filename:
                uploads.append((value.filename, await value.read()))
        return data, uploads
    raise ValidationFailed(
        "请以 JSON 或 multipart 表单提交 / send JSON or a multipart form",
        [{"row": None, "field": "body", "reason": f"content type {kind or 'none'}"}],
    )


@router.post("/tasks/{task_id}/updates", status_code=201)
async def add_update(
    task_id: int, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    data, uploads = await _update_body(request)
    now = utcnow()
    update, stored = tasks.update_task(session, actor, task_id, data, uploads=uploads, now=now)
    task = session.get(Task, task_id)
    assert task is not None
    return {
        "update": tasks.update_dict(update, stored),
        "task": _tasks_out(session, [task], now)[0],
    }
