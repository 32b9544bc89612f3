"""Pages of the live board (叫应看板) of a warning and the call-response statistics.

The board renders on the server from the same :func:`yingji.warnings.board.board` the API
serves, so it reads without JS; ``board.js`` then polls the API every few seconds and
redraws the figures, the tables, the map coloured by confirmation rate and the timeline.
Direct-reach pages (``direct_pages``) are served through this router too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yingji.api_deps import DbSession
from yingji.errors import NotFound, PermissionDenied, ValidationFailed
from yingji.regions.models import LEVEL_LABELS
from yingji.warnings import board, callstats
from yingji.web import direct_pages
from yingji.web.pages import Me, _error_page, form_date, render, settings_of
from yingji.web.templating import local_time

router = APIRouter(include_in_schema=False)
router.include_router(direct_pages.router)
POLL_SECONDS = 5
STYLES = ("/static/app/stats.css", "/static/app/board.css")


def _level(value: str) -> int | None:
    return int(value) if value.isdigit() and 1 <= int(value) <= 6 else None


def board_context(
    request: Request, data: dict[str, Any], api_path: str, level: int | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(template context, JS config) of a board page; ``api_path`` is the board's API path
    under /api/v1 (``/warnings/5/board``)."""
    query = f"?{urlencode({'level': level})}" if level else ""
    return (
        {
            "b": data,
            "started": local_time(dt.datetime.fromisoformat(data["subject"]["started_at"])),
            "updated": local_time(dt.datetime.fromisoformat(data["now"]), fmt="%H:%M:%S"),
            "styles": STYLES,
            "level": level,
            "levels": {k: v for k, v in LEVEL_LABELS.items()},
            "layer_levels": (3, 4, 5, 6),
        },
        {
            "boardApi": api_path + query,
            "boardGeo": api_path + ".geojson" + query,
            "pollSeconds": POLL_SECONDS,
            "tiles": settings_of(request).base_tile_url,
            "timeZone": settings_of(request).timezone,
        },
    )


@router.get("/warnings/{warning_id}/board", name="warning_board")
def warning_board_page(
    request: Request, session: DbSession, me: Me, warning_id: int, level: str = ""
) -> Response:
    try:
        subject = board.of_warning(session, me.actor, warning_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    chosen = _level(level)
    data = board.board(session, me.actor, subject, level=chosen)
    ctx, js = board_context(request, data, f"/warnings/{warning_id}/board", chosen)
    ctx |= {"nav": "warnings", "back": f"/warnings/{warning_id}", "back_key": "board.back_warning"}
    return render(request, "board.html", me, ctx, js=js)


@router.get("/callresponse/stats", name="callstats")
def callstats_page(
    request: Request,
    session: DbSession,
    me: Me,
    start: str = "",
    end: str = "",
    under: str = "",
    level: str = "",
) -> Response:
    ctx: dict[str, Any] = {
        "nav": "callstats",
        "start": start,
        "end": end,
        "under": under,
        "level": level,
        "styles": STYLES,
        "data": None,
        "problem": None,
    }
    status = 200
    try:
        data = callstats.stats(
            session,
            me.actor,
            start=form_date(start),
            end=form_date(end),
            under=under.strip() or None,
            level=_level(level),
        )
    except (ValueError, ValidationFailed):
        ctx["problem"] = "callstats.bad_date"
    except NotFound:
        ctx["problem"] = "common.unknown_region"
    except PermissionDenied:
        ctx["problem"], status = "callstats.no_access", 403
    else:
        params = {
            "start": data["window"]["start"],
            "end": data["window"]["end"],
            "under": data["region"]["code"],
            "level": _level(level) or "",
        }
        ctx |= {
            "data": data,
            "xlsx": "/api/v1/callresponse/stats.xlsx?"
            + urlencode({k: v for k, v in params.items() if v}),
        }
    return render(request, "callstats.html", me, ctx, status)
