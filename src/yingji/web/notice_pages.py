"""The inbox page: my notices (and, for regulators, their region's), marking them read,
and the unread count shown beside the menu entry on every page.

Marking read is a plain form post back to this page, so the inbox works without
JavaScript on a township phone.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import pass_context
from markupsafe import Markup

from yingji.api_deps import DbSession
from yingji.db import session_factory
from yingji.notices import service
from yingji.notices.models import NoticeKind
from yingji.web.i18n import FALLBACK, translate
from yingji.web.pages import (
    PAGE_SIZE,
    Me,
    PageUser,
    _csrf_ok,
    _error_page,
    _pager,
    render,
    safe_next,
    settings_of,
)
from yingji.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/inbox", name="inbox")
def inbox_page(
    request: Request,
    session: DbSession,
    me: Me,
    box: str = "mine",
    unread: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    may_see_all = me.actor.role in service.SCOPE_ROLES
    box = "all" if box == "all" and may_see_all else "mine"
    page = service.list_notices(
        session, me.actor, box=box, unread=unread, offset=offset, limit=PAGE_SIZE
    )
    ctx: dict[str, Any] = {
        "nav": "inbox",
        "rows": page.items,
        "pager": _pager(request, page.total, offset, PAGE_SIZE),
        "box": box,
        "unread": unread,
        "may_see_all": may_see_all,
        "unread_total": service.unread_count(session, me.actor),
        "kinds": [k.value for k in NoticeKind],
        "tz": ZoneInfo(settings_of(request).timezone),
    }
    return render(request, "notice_inbox.html", me, ctx)


@router.post("/inbox/read", name="inbox_read")
def inbox_mark_read(
    request: Request,
    session: DbSession,
    me: Me,
    csrf: Annotated[str, Form()] = "",
    notice_id: Annotated[int | None, Form()] = None,
    next: Annotated[str, Form()] = "/inbox",
) -> Response:
    """One notice read (``notice_id``), or all of mine when it is absent."""
    if not _csrf_ok(request, csrf):
        return _error_page(request, me, "error.csrf", 403)
    service.mark_read(session, me.actor, None if notice_id is None else [notice_id])
    return RedirectResponse(safe_next(next), status_code=303)


def unread_for(request: Request, me: PageUser) -> int:
    """The signed-in user's unread count, read in its own short session because the layout
    renders after the page's own work is done."""
    with session_factory(request.app.state.engine)() as session:
        return service.unread_count(session, me.actor)


@pass_context
def nav_badge(context: Any, key: str) -> Markup:
    """The unread badge beside the inbox menu entry (nothing when all is read)."""
    me, request = context.get("me"), context.get("request")
    if key != "inbox" or me is None or request is None:
        return Markup("")
    count = unread_for(request, me)
    if not count:
        return Markup("")
    label = Markup.escape(
        translate(context.get("locale", FALLBACK), "inbox.unread_badge", count=count)
    )
    return Markup(
        f' <span class="badge unread" data-testid="unread-badge" aria-label="{label}">'
        f"{count}</span>"
    )


templates.env.globals["nav_badge"] = nav_badge
