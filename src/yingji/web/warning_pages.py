"""Warning pages: the register with filters and the forms to publish or import a warning,
and one warning with its regions, area map, CAP link, update/cancel forms and history.

Both render on the server through the same service and output function as the API, so a
page and an API client always see the same warnings; the forms post to the JSON API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.api_deps import DbSession
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import NotFound
from yingji.regions.models import Region
from yingji.warnings import service
from yingji.warnings.api import outs
from yingji.warnings.models import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    EarlyWarning,
)
from yingji.warnings.schemas import WarningOut
from yingji.web.pages import (
    PAGE_SIZE,
    Me,
    _error_page,
    _pager,
    _under_region,
    render,
    settings_of,
)

router = APIRouter(include_in_schema=False)


def _level(value: str) -> int | None:
    return int(value) if value.isdigit() and int(value) in LEVEL_LABELS else None


@router.get("/warnings", name="warnings")
def warnings_page(
    request: Request,
    session: DbSession,
    me: Me,
    level: str = "",
    category: str = "",
    status: str = "",
    under: str = "",
    active_now: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    region_id, problem = _under_region(session, me, under)
    rows: list[WarningOut] = []
    pager = _pager(request, 0, offset, PAGE_SIZE)
    if problem is None:
        items, total = service.list_warnings(
            session,
            me.actor,
            offset=offset,
            limit=PAGE_SIZE,
            level=_level(level),
            category=category if category in CATEGORY_LABELS else None,
            status=status if status in STATUS_LABELS else None,
            under_path=session.get_one(Region, region_id).path if region_id else None,
            active_at=utcnow() if active_now else None,
        )
        rows = outs(session, items)
        pager = _pager(request, total, offset, PAGE_SIZE)
    return render(
        request,
        "warnings.html",
        me,
        {
            "nav": "warnings",
            "rows": rows,
            "pager": pager,
            "problem": problem,
            "level": level,
            "category": category,
            "status": status,
            "under": under,
            "active_now": active_now,
            "levels": LEVEL_LABELS,
            "categories": CATEGORY_LABELS,
            "stages": STAGE_LABELS,
            "statuses": STATUS_LABELS,
            "can_write": me.actor.can_write,
        },
    )


def _history(session: Session, actor: Actor, warning: EarlyWarning) -> dict[str, Any]:
    """The warning this one replaced and the ones that replaced it, as far as the actor sees."""
    older = None
    if warning.replaces_id is not None:
        try:
            older = outs(session, [service.get(session, actor, warning.replaces_id)])[0]
        except NotFound:
            older = None
    newer_rows = session.scalars(
        service.scoped(actor, select(EarlyWarning))
        .where(EarlyWarning.replaces_id == warning.id)
        .order_by(EarlyWarning.sent)
    ).all()
    return {"older": older, "newer": outs(session, list(newer_rows))}


@router.get("/warnings/{warning_id}", name="warning")
def warning_page(request: Request, session: DbSession, me: Me, warning_id: int) -> Response:
    try:
        warning = service.get(session, me.actor, warning_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    row = outs(session, [warning])[0]
    regions = session.execute(
        select(Region.code, Region.name)
        .where(Region.code.in_(row.region_codes))
        .order_by(Region.code)
    ).all()
    area = row.area or {}
    has_shape = bool(area.get("polygons") or area.get("circles"))
    return render(
        request,
        "warning.html",
        me,
        {
            "nav": "warnings",
            "w": row,
            "regions": regions,
            "history": _history(session, me.actor, warning),
            "has_shape": has_shape,
            "categories": CATEGORY_LABELS,
            "stages": STAGE_LABELS,
            "levels": LEVEL_LABELS,
            "can_write": me.actor.can_write and row.status == "active",
        },
        js={
            "warningId": warning_id,
            "warningArea": area if has_shape else None,
            "warningLevel": row.level_name,
            "tiles": settings_of(request).base_tile_url,
        },
    )
