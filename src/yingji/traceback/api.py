"""HTTP API for the trace-back report (JSON or PDF) and the flag queries."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yingji import clock
from yingji.api_deps import CurrentActor, DbSession, under_path
from yingji.auth.scope import Actor
from yingji.errors import ValidationFailed
from yingji.traceback import flags, pdf, service

router = APIRouter(tags=["traceback"])


def subject_of(enterprise_id: int | None, risk_point_id: int | None) -> tuple[str, int]:
    """The place a report is about: exactly one of the two ids."""
    if (enterprise_id is None) == (risk_point_id is None):
        reason = "须且只能给出企业或风险点之一 / give exactly one of enterprise_id, risk_point_id"
        raise ValidationFailed(reason, [{"field": "enterprise_id", "reason": reason}])
    if enterprise_id is not None:
        return "enterprise", enterprise_id
    assert risk_point_id is not None
    return "risk_point", risk_point_id


def report_for(
    session: Session,
    actor: Actor,
    enterprise_id: int | None,
    risk_point_id: int | None,
    start: dt.date | None,
    end: dt.date | None,
) -> service.TraceReport:
    """Build the report; the window defaults to the last 365 days up to today."""
    kind, subject_id = subject_of(enterprise_id, risk_point_id)
    end = end or clock.today()
    start = start or end - dt.timedelta(days=365)
    return service.build(session, actor, kind, subject_id, start, end)  # type: ignore[arg-type]


@router.get("/traceback", response_model=None)
def traceback_report(
    session: DbSession,
    actor: CurrentActor,
    enterprise_id: int | None = None,
    risk_point_id: int | None = None,
    start: dt.date | None = Query(None, alias="from"),
    end: dt.date | None = Query(None, alias="to"),
    format: Literal["json", "pdf"] = "json",
) -> dict[str, Any] | Response:
    """责任倒查: inspections, hazards with timelines, responsible persons, missed deadlines,
    notices and verifiers for one enterprise or risk point over ``from``..``to``."""
    report = report_for(session, actor, enterprise_id, risk_point_id, start, end)
    if format == "json":
        return report.as_dict()
    name = f"责任倒查-{report.subject_name}-{report.start}-{report.end}.pdf"
    return Response(
        pdf.render(report),
        media_type="application/pdf",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/hazard-flags/{flag}")
def hazard_flags(
    flag: str,
    session: DbSession,
    actor: CurrentActor,
    under: str | None = Query(None, description="区划编码 / region code"),
    days: int = Query(90, description="false_closure: days after verification"),
) -> dict[str, Any]:
    """Rows flagged by one query: overdue, false_closure, not_inspected, major_not_reported."""
    path = under_path(session, under)
    rows = flags.run(session, actor, flag, path, days)
    return {"flag": flag, "label": flags.FLAG_LABELS.get(flag, flag), "items": rows}
