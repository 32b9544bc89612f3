"""HTTP API of the live board of a warning and of the call-response statistics (JSON and
XLSX). Direct reach (``direct_api``: messages and their boards) is served through this
router too, so the application lists one module for the whole board-and-reach part."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from yingji.api_deps import CurrentActor, DbSession
from yingji.warnings import board, callstats, callstats_xlsx, direct_api

router = APIRouter(tags=["call-response"])
router.include_router(direct_api.router)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON = "application/geo+json"
Level = Annotated[
    int | None, Query(ge=1, le=6, description="分组区划层级 / region level of the breakdown")
]


@router.get("/warnings/{warning_id}/board")
def warning_board(
    warning_id: int, session: DbSession, actor: CurrentActor, level: Level = None
) -> dict[str, Any]:
    """Targeted, sent, delivered, confirmed, escalated, unanswered and failed for the
    warning's event (it and the warnings it updates): totals, by layer, by region, a
    per-minute timeline, the unanswered names and the escalations."""
    return board.board(session, actor, board.of_warning(session, actor, warning_id), level=level)


@router.get(
    "/warnings/{warning_id}/board.geojson",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def warning_board_regions(
    warning_id: int, session: DbSession, actor: CurrentActor, level: Level = None
) -> Response:
    """Boundaries of the board's regions (the breakdown's), for the map."""
    subject = board.of_warning(session, actor, warning_id)
    return Response(board.boundaries(session, actor, subject, level=level), media_type=GEOJSON)


Day = Annotated[dt.date | None, Query(description="YYYY-MM-DD（含）/ inclusive")]
Under = Annotated[str | None, Query(description="区划编码；默认本人辖区 / region code")]


@router.get("/callresponse/stats")
def callresponse_stats(
    session: DbSession,
    actor: CurrentActor,
    start: Day = None,
    end: Day = None,
    under: Under = None,
    level: Level = None,
) -> dict[str, Any]:
    """Warnings, instructions, person-times, delivery and confirmation rates, median time
    to confirm and escalations over a period and a region subtree, by region."""
    return callstats.stats(session, actor, start=start, end=end, under=under, level=level)


@router.get("/callresponse/stats.xlsx")
def callresponse_stats_xlsx(
    session: DbSession,
    actor: CurrentActor,
    start: Day = None,
    end: Day = None,
    under: Under = None,
    level: Level = None,
) -> Response:
    """The same figures as a workbook (汇总, 按预警等级, 按区划)."""
    data = callstats.stats(session, actor, start=start, end=end, under=under, level=level)
    content, filename = callstats_xlsx.workbook(data)
    disposition = (
        f"attachment; filename=callresponse-stats.xlsx; filename*=UTF-8''{quote(filename)}"
    )
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})
