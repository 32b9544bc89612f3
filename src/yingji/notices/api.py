"""HTTP API for notices: my inbox, the unread count, marking read, a hazard's notices."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset
from yingji.hazards import queries as hazard_queries
from yingji.notices import service
from yingji.notices.schemas import MarkReadIn, NoticeDetail, NoticeOut, RecipientOut

router = APIRouter(tags=["notices"])


@router.get("/notices")
def list_notices(
    session: DbSession,
    actor: CurrentActor,
    box: Literal["mine", "all"] = "mine",
    unread: bool = False,
    kind: str | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    """My notices, newest first; ``box=all`` adds, for regulators, every notice issued in
    their region subtree."""
    page = service.list_notices(
        session, actor, box=box, unread=unread, kind=kind, offset=offset, limit=limit
    )
    return {**page.as_dict(NoticeOut.of), "unread": service.unread_count(session, actor)}


@router.get("/notices/unread-count")
def unread_count(session: DbSession, actor: CurrentActor) -> dict[str, int]:
    return {"unread": service.unread_count(session, actor)}


@router.post("/notices/read")
def mark_read(body: MarkReadIn, session: DbSession, actor: CurrentActor) -> dict[str, int]:
    """Mark the given notices of yours (or all of them) read."""
    marked = service.mark_read(session, actor, body.ids)
    return {"marked": marked, "unread": service.unread_count(session, actor)}


@router.get("/notices/{notice_id}")
def get_notice(notice_id: int, session: DbSession, actor: CurrentActor) -> NoticeDetail:
    view = service.get(session, actor, notice_id)
    people = service.recipients(session, actor, notice_id)
    return NoticeDetail(
        **NoticeOut.of(view).model_dump(), recipients=[RecipientOut.of(p) for p in people]
    )


@router.post("/notices/{notice_id}/read")
def mark_one_read(notice_id: int, session: DbSession, actor: CurrentActor) -> NoticeOut:
    service.get(session, actor, notice_id)
    service.mark_read(session, actor, [notice_id])
    return NoticeOut.of(service.get(session, actor, notice_id))


@router.get("/hazards/{hazard_id}/notices")
def hazard_notices(
    hazard_id: int,
    session: DbSession,
    actor: CurrentActor,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    """Notices about one hazard the actor may see: all of them for regulators in scope,
    the ones addressed to them for everyone else."""
    hazard = hazard_queries.get(session, actor, hazard_id)
    page = service.list_notices(
        session, actor, box="all", subject=("hazard", hazard.id), offset=offset, limit=limit
    )
    return page.as_dict(NoticeOut.of)
