"""HTTP API for hazard statistics: dashboard figures, quarterly rankings, XLSX download."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from yingji.api_deps import CurrentActor, DbSession
from yingji.stats import export, service

router = APIRouter(tags=["stats"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/stats/hazards")
def hazard_stats(
    session: DbSession,
    actor: CurrentActor,
    under: str | None = Query(None, description="区划编码；默认本人辖区 / region code"),
    first: dt.date | None = Query(None, alias="from", description="开始日期 / first day"),
    last: dt.date | None = Query(None, alias="to", description="结束日期（含）/ last day"),
) -> dict[str, Any]:
    """Found, rectified, rectification rate, overdue and major open hazards in a subtree,
    with year-on-year and period-on-period change and breakdowns by child region, industry
    and department (definitions: :mod:`yingji.stats.figures`)."""
    return service.dashboard(session, actor, under, first, last)


@router.get("/stats/hazards/ranking")
def hazard_ranking(
    session: DbSession,
    actor: CurrentActor,
    quarter: str | None = Query(None, description="如 2026Q3；默认本季度 / e.g. 2026Q3"),
    by: Literal["region", "department"] = "region",
    under: str | None = Query(None, description="区划编码 / region code"),
) -> dict[str, Any]:
    """Quarterly ranking (晾晒) of child regions or departments, with the move since the
    previous quarter."""
    return service.ranking(session, actor, quarter, by, under)


@router.get("/stats/hazards.xlsx")
def hazard_stats_xlsx(
    session: DbSession,
    actor: CurrentActor,
    under: str | None = None,
    first: dt.date | None = Query(None, alias="from"),
    last: dt.date | None = Query(None, alias="to"),
    quarter: str | None = Query(None, description="排名季度 / ranking quarter"),
) -> Response:
    """The dashboard as a workbook: one sheet per breakdown, plus both rankings."""
    content, filename = export.workbook(session, actor, under, first, last, quarter)
    disposition = f"attachment; filename=hazard-stats.xlsx; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})
