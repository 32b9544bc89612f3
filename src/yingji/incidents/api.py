"""HTTP API for incidents and the duty desk: intake, figures, reports and their deadlines,
response levels, notes, the timeline, closing; the desk's board, calls, log, handover."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from yingji.api_deps import CurrentActor, DbSession
from yingji.db import utcnow
from yingji.incidents import duty_desk, grading, reporting, service, timeline, types
from yingji.incidents.models import DutyLog, Incident

router = APIRouter(tags=["incidents"])

INCIDENT_FIELDS = (
    "id",
    "code",
    "title",
    "type_code",
    "category",
    "lon",
    "lat",
    "place",
    "region_id",
    "occurred_at",
    "received_at",
    "source",
    "source_ref",
    "status",
    "dead",
    "missing",
    "injured",
    "seriously_injured",
    "trapped",
    "affected",
    "direct_loss_yuan",
    "damage",
    "grade",
    "grade_basis",
    "response_level",
    "perimeter",
    "summary",
    "closed_at",
)


def incident_out(incident: Incident) -> dict[str, Any]:
    out = {f: getattr(incident, f) for f in INCIDENT_FIELDS}
    out["grade_label"] = grading.label(types.get(incident.type_code), incident.grade)
    return out


def _detail(session: DbSession, incident: Incident) -> dict[str, Any]:
    now = utcnow()
    out = incident_out(incident)
    out["obligations"] = [o.as_dict(now) for o in reporting.obligations(session, incident)]
    return out


def _log_out(entry: DutyLog) -> dict[str, Any]:
    fields = ("id", "kind", "at", "caller", "caller_phone", "text", "incident_id", "by")
    return {f: getattr(entry, f) for f in fields}


@router.get("/incident-types")
def incident_types() -> list[dict[str, Any]]:
    return [t.__dict__ for t in types.all_types().values()]


@router.get("/incidents")
def list_incidents(
    session: DbSession, actor: CurrentActor, open: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    rows = service.listing(session, actor, open_only=open, limit=min(limit, 500))
    return [incident_out(i) for i in rows]


@router.post("/incidents", status_code=201)
def create_incident(
    body: dict[str, Any], session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Take an incident in (title, type_code, lon, lat, occurred_at, figures...)."""
    return _detail(session, service.create(session, actor, body))


@router.get("/incidents/{incident_id}")
def read_incident(incident_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return _detail(session, service.get(session, actor, incident_id))


@router.patch("/incidents/{incident_id}")
def update_incident(
    incident_id: int, body: dict[str, Any], session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    return _detail(session, service.update(session, actor, incident_id, body))


class ReportIn(BaseModel):
    kind: str = Field(description="first / upward / follow_up / final")
    to_level: int = Field(description="3 county, 2 city, 1 province, 0 State Council")
    text: str | None = Field(None, max_length=8000)


@router.post("/incidents/{incident_id}/reports", status_code=201)
def add_report(
    incident_id: int, body: ReportIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    report = service.add_report(
        session, actor, incident_id, kind=body.kind, to_level=body.to_level, text=body.text
    )
    return {"id": report.id, "at": report.at, "figures": report.figures}


class LevelIn(BaseModel):
    level: int | None = Field(description="1-4 (Ⅰ–Ⅳ级), or null to end the response")
    reason: str | None = Field(None, max_length=500)


@router.post("/incidents/{incident_id}/level")
def declare_level(
    incident_id: int, body: LevelIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    done = service.declare_level(session, actor, incident_id, body.level, reason=body.reason)
    return {"incident": _detail(session, done["incident"]), "tasks": done["tasks"]}


class NoteIn(BaseModel):
    text: str = Field(max_length=4000)


@router.post("/incidents/{incident_id}/notes", status_code=201)
def add_note(
    incident_id: int, body: NoteIn, session: DbSession, actor: CurrentActor
) -> dict[str, bool]:
    service.note(session, actor, incident_id, body.text)
    return {"ok": True}


class CloseIn(BaseModel):
    summary: str | None = Field(None, max_length=8000)


@router.post("/incidents/{incident_id}/close")
def close_incident(
    incident_id: int, body: CloseIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    return _detail(session, service.close(session, actor, incident_id, summary=body.summary))


class FromReportIn(BaseModel):
    type_code: str = Field(description="the incident type (code or Chinese name)")
    title: str | None = Field(None, max_length=200)


@router.post("/quick-reports/{report_id}/incident", status_code=201)
def open_from_quick_report(
    report_id: int, body: FromReportIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Open an incident from a quick report (立为事件), the report linked to it."""
    incident = service.from_quick_report(
        session, actor, report_id, type_code=body.type_code, title=body.title
    )
    return _detail(session, incident)


@router.get("/incidents/{incident_id}/timeline")
def read_timeline(
    incident_id: int, session: DbSession, actor: CurrentActor
) -> list[dict[str, Any]]:
    incident = service.get(session, actor, incident_id)
    return [
        {"id": e.id, "at": e.at, "kind": e.kind, "text": e.text, "data": e.data, "by": e.by}
        for e in timeline.events(session, incident.id)
    ]


# --- the duty desk ----------------------------------------------------------------------------


@router.get("/duty-desk")
def desk(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    state = duty_desk.board(session, actor)
    return {
        "now": state.now,
        "on_duty": [d.__dict__ for d in state.on_duty],
        "incidents": [
            {"incident": incident_out(r["incident"]), "overdue": r["overdue"], "next": r["next"]}
            for r in state.incidents
        ],
        "overdue_reports": state.overdue_reports,
        "overdue_tasks": [
            {"id": t.id, "incident_id": t.incident_id, "title": t.title, "due_at": t.due_at}
            for t in state.overdue_tasks
        ],
        "log": [_log_out(e) for e in state.log],
    }


class CallIn(BaseModel):
    text: str = Field(max_length=4000, description="what the caller said")
    caller: str | None = Field(None, max_length=100)
    caller_phone: str | None = Field(None, max_length=20)
    incident: dict[str, Any] | None = Field(None, description="a new incident (as POST /incidents)")
    incident_id: int | None = Field(None, description="or the incident the call is about")


@router.post("/duty-desk/calls", status_code=201)
def take_call(body: CallIn, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    entry, incident = duty_desk.take_call(session, actor, body.model_dump())
    return {"log": _log_out(entry), "incident": _detail(session, incident) if incident else None}


class LogIn(BaseModel):
    text: str = Field(max_length=4000)
    incident_id: int | None = None


@router.post("/duty-desk/log", status_code=201)
def add_log(body: LogIn, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    entry = duty_desk.log(session, actor, kind="note", text=body.text, incident_id=body.incident_id)
    return _log_out(entry)


class HandoverIn(BaseModel):
    text: str = Field("", max_length=4000)
    to: str | None = Field(None, max_length=100, description="who takes over")


@router.post("/duty-desk/handover", status_code=201)
def handover(body: HandoverIn, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return _log_out(duty_desk.handover(session, actor, text=body.text, to=body.to))
