"""HTTP API for situation reports and after-action reviews: the sitrep of an incident as
JSON, HTML, PDF or Word; its review (measures, findings) and the review document; corrective
actions added, closed and listed across the incidents in the caller's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from yingji import clock
from yingji.api_deps import CurrentActor, DbSession, Limit, Offset
from yingji.errors import NotFound
from yingji.incidents import review, service, sitrep
from yingji.incidents.sitrep import Document
from yingji.incidents.sitrep_docx import render_docx
from yingji.incidents.sitrep_html import render_html
from yingji.incidents.sitrep_pdf import render_pdf

router = APIRouter(tags=["incidents"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RENDERERS: dict[str, tuple[str, Callable[[Document], bytes | str]]] = {
    "html": ("text/html; charset=utf-8", render_html),
    "pdf": ("application/pdf", render_pdf),
    "docx": (DOCX, render_docx),
}
"""Document formats: media type and renderer."""
Unit = Annotated[
    str | None, Query(max_length=200, description="报送单位 / sending unit (default: yours)")
]


def _rendered(doc: Document, fmt: str, filename: str) -> Response:
    if fmt not in RENDERERS:
        names = ", ".join(["json", *RENDERERS])
        raise NotFound(f"无此格式 / no format {fmt!r}; use {names}")
    media, render = RENDERERS[fmt]
    disposition = "inline" if fmt == "html" else f'attachment; filename="{filename}.{fmt}"'
    return Response(render(doc), media_type=media, headers={"Content-Disposition": disposition})


@router.get("/incidents/{incident_id}/sitrep")
def sitrep_json(
    incident_id: int, session: DbSession, actor: CurrentActor, unit: Unit = None
) -> dict[str, Any]:
    """The situation report: facts, changes since the previous report, paragraphs."""
    return sitrep.make(session, actor, incident_id, unit=unit).as_dict()


@router.get("/incidents/{incident_id}/sitrep.{fmt}", response_model=None)
def sitrep_file(
    incident_id: int, fmt: str, session: DbSession, actor: CurrentActor, unit: Unit = None
) -> Response | dict[str, Any]:
    """``sitrep.json``, ``sitrep.html`` (printable page), ``sitrep.pdf`` or ``sitrep.docx``."""
    report = sitrep.make(session, actor, incident_id, unit=unit)
    if fmt == "json":
        return report.as_dict()
    return _rendered(sitrep.document(report), fmt, f"incident-{incident_id}-sitrep")


class ReviewIn(BaseModel):
    findings: str = Field("", max_length=review.FINDINGS_MAX, description="评估发现 / findings")


class ActionIn(BaseModel):
    title: str = Field(max_length=review.TITLE_MAX, description="整改措施 / what must change")
    owner: str = Field(max_length=review.OWNER_MAX, description="责任单位或责任人 / owner")
    due_on: dt.date | None = Field(None, description="完成时限 / due date")


class CloseIn(BaseModel):
    note: str = Field(max_length=review.NOTE_MAX, description="完成情况 / what was done")


@router.get("/incidents/{incident_id}/review")
def get_review(incident_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """The review (None before one is saved), the measures as of now, the actions."""
    return review.view(session, actor, incident_id).as_dict(clock.today())


@router.put("/incidents/{incident_id}/review")
def put_review(
    incident_id: int, body: ReviewIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Write the findings; the measures are taken now and frozen into the review."""
    review.save(session, actor, incident_id, body.findings)
    return review.view(session, actor, incident_id).as_dict(clock.today())


@router.get("/incidents/{incident_id}/review.{fmt}", response_model=None)
def review_file(
    incident_id: int, fmt: str, session: DbSession, actor: CurrentActor, unit: Unit = None
) -> Response | dict[str, Any]:
    """The review document: ``review.html``, ``review.pdf`` or ``review.docx``."""
    current = review.view(session, actor, incident_id, unit=unit)
    if fmt == "json":
        return current.as_dict(clock.today())
    return _rendered(current.document(), fmt, f"incident-{incident_id}-review")


@router.post("/incidents/{incident_id}/review/actions", status_code=201)
def add_action(
    incident_id: int, body: ActionIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    action = review.add_action(
        session, actor, incident_id, title=body.title, owner=body.owner, due_on=body.due_on
    )
    incident = service.get(session, actor, incident_id)
    return review.action_out(action, incident, clock.today())


@router.post("/review-actions/{action_id}/close")
def close_action(
    action_id: int, body: CloseIn, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    action, incident = review.close_action(session, actor, action_id, body.note)
    return review.action_out(action, incident, clock.today())


@router.get("/review-actions")
def list_actions(
    session: DbSession,
    actor: CurrentActor,
    offset: Offset = 0,
    limit: Limit = 100,
    open: Annotated[bool | None, Query(description="true: open only; false: closed only")] = None,
    overdue: Annotated[bool, Query(description="only open actions past their due date")] = False,
) -> dict[str, Any]:
    """Corrective actions of the incidents in scope; ``overdue`` flags those past due."""
    today = clock.today()
    page, rows = review.list_actions(
        session,
        actor,
        open_only=open,
        overdue_only=overdue,
        today=today,
        offset=offset,
        limit=limit,
    )
    return {
        "items": [review.action_out(r.action, r.incident, today) for r in rows],
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }
