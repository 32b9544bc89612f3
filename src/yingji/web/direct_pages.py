"""Direct-reach pages (一键直达): the send form with the list of messages, and one
message's live board. The form posts to the JSON API (``direct.js``); lists and boards
render on the server through the same service as the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from yingji.api_deps import DbSession
from yingji.errors import NotFound
from yingji.incidents import service as incidents
from yingji.people.models import ROLE_LABELS
from yingji.warnings import board, direct
from yingji.warnings.direct_api import outs
from yingji.web.pages import PAGE_SIZE, Me, _error_page, _pager, render

router = APIRouter(include_in_schema=False)


@router.get("/direct", name="direct")
def direct_page(
    request: Request,
    session: DbSession,
    me: Me,
    offset: Annotated[int, Query(ge=0)] = 0,
    incident_id: int | None = None,
) -> Response:
    """The form (for an incident when ``incident_id`` names one the user sees) and the list."""
    rows, total = direct.list_messages(session, me.actor, offset=offset, limit=PAGE_SIZE)
    incident = None
    if incident_id is not None:
        try:
            incident = incidents.get(session, me.actor, incident_id)
        except NotFound:
            incident = None
    return render(
        request,
        "direct.html",
        me,
        {
            "nav": "direct",
            "rows": outs(session, rows),
            "pager": _pager(request, total, offset, PAGE_SIZE),
            "roles": [str(r) for r in ROLE_LABELS],
            "default_roles": direct.DEFAULT_ROLES,
            "layers": direct.LAYERS,
            "channels": direct.CHANNELS,
            "default_channels": direct.DEFAULT_CHANNELS,
            "can_write": me.actor.can_write,
            "home_code": me.region.code,
            "incident": incident,
        },
    )


@router.get("/direct/{direct_id}", name="direct_board")
def direct_board_page(
    request: Request, session: DbSession, me: Me, direct_id: int, level: str = ""
) -> Response:
    from yingji.web.board_pages import _level, board_context

    try:
        subject = direct.subject(session, me.actor, direct_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    chosen = _level(level)
    data = board.board(session, me.actor, subject, level=chosen)
    ctx, js = board_context(request, data, f"/direct/{direct_id}/board", chosen)
    message = outs(session, [direct.get(session, me.actor, direct_id)])[0]
    ctx |= {"nav": "direct", "back": "/direct", "back_key": "direct.all", "message": message}
    return render(request, "board.html", me, ctx, js=js)
