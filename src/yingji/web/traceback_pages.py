"""Trace-back pages: the report for one place over a window (with its PDF), and the flag
lists that say where to look first."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from yingji.api_deps import DbSession
from yingji.errors import NotFound, ValidationFailed
from yingji.regions.models import Region
from yingji.traceback import flags
from yingji.traceback.api import report_for
from yingji.web.pages import Me, _error_page, _under_region, render

router = APIRouter(include_in_schema=False)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/traceback", name="traceback")
def traceback_page(
    request: Request,
    session: DbSession,
    me: Me,
    enterprise_id: Annotated[int | None, Query()] = None,
    risk_point_id: Annotated[int | None, Query()] = None,
    start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "",
) -> Response:
    report, problem = None, None
    if enterprise_id is not None or risk_point_id is not None:
        try:
            report = report_for(
                session, me.actor, enterprise_id, risk_point_id, _date(start), _date(end)
            )
        except NotFound:
            return _error_page(request, me, "error.not_found", 404)
        except ValidationFailed as exc:
            problem = exc.message
    return render(
        request,
        "traceback.html",
        me,
        {
            "nav": "hazards",
            "report": report,
            "problem": problem,
            "enterprise_id": enterprise_id,
            "risk_point_id": risk_point_id,
            "start": start,
            "end": end,
            "pdf_query": str(request.url.query),
        },
    )


@router.get("/hazard-flags", name="hazard_flags")
def flags_page(
    request: Request,
    session: DbSession,
    me: Me,
    flag: str = flags.Flag.overdue.value,
    under: str = "",
    days: Annotated[int, Query(ge=1, le=3650)] = 90,
) -> Response:
    region_id, problem = _under_region(session, me, under)
    rows: list[dict] = []
    if flag not in flags.Flag.__members__:
        flag = flags.Flag.overdue.value
    if problem is None:
        path = session.get_one(Region, region_id).path if region_id else None
        rows = flags.run(session, me.actor, flag, path, days)
    return render(
        request,
        "hazard_flags.html",
        me,
        {
            "nav": "hazards",
            "flag": flag,
            "flags": list(flags.Flag),
            "rows": rows,
            "under": under,
            "days": days,
            "problem": problem,
        },
    )
