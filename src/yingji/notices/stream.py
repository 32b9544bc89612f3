"""Live push of the signed-in user's new notices as Server-Sent Events.

``GET /api/v1/notices/stream`` keeps the response open and sends each notice addressed to
the reader as it appears. It polls the database every second rather than listening inside
one process, so a notice written by a sender in another process (``yingji worker``) arrives
too. The browser's ``EventSource`` reconnects after ``max_seconds`` (or a dropped
connection) and sends ``Last-Event-ID``, so nothing is missed in between.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine, false, func, or_, select
from starlette.concurrency import run_in_threadpool

from yingji.api_deps import CurrentActor
from yingji.auth.scope import Actor
from yingji.db import session_factory
from yingji.notices.models import KIND_LABELS, Notice, NoticeRecipient

router = APIRouter(tags=["notices"])
POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
BATCH = 50


def _mine(actor: Actor) -> Any:
    clauses = []
    if actor.user_id is not None:
        clauses.append(NoticeRecipient.user_id == actor.user_id)
    if actor.person_id is not None:
        clauses.append(NoticeRecipient.person_id == actor.person_id)
    return or_(*clauses) if clauses else false()


def latest_id(engine: Engine, actor: Actor) -> int:
    """The newest notice id addressed to the actor (0 when none)."""
    with session_factory(engine)() as session:
        stmt = select(func.max(NoticeRecipient.notice_id)).where(_mine(actor))
        return session.scalar(stmt) or 0


def newer(engine: Engine, actor: Actor, after: int) -> tuple[list[dict[str, Any]], int]:
    """Notices to the actor with id above ``after`` (oldest first), and the unread count."""
    with session_factory(engine)() as session:
        ids = (
            select(NoticeRecipient.notice_id)
            .where(_mine(actor), NoticeRecipient.notice_id > after)
            .distinct()
            .order_by(NoticeRecipient.notice_id)
            .limit(BATCH)
        )
        notices = list(
            session.scalars(select(Notice).where(Notice.id.in_(ids)).order_by(Notice.id))
        )
        unread = 0
        if notices:
            unread = (
                session.scalar(
                    select(func.count(func.distinct(NoticeRecipient.notice_id))).where(
                        _mine(actor), NoticeRecipient.read_at.is_(None)
                    )
                )
                or 0
            )
        return [_event(n) for n in notices], unread


def _event(n: Notice) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "kind_label": KIND_LABELS.get(n.kind, n.kind),
        "title": n.title,
        "body": n.body,
        "subject_kind": n.subject_kind,
        "subject_id": n.subject_id,
        "data": n.data,
        "created_at": n.created_at.isoformat(),
    }


def _frame(event: str, data: Any, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/notices/stream")
async def notice_stream(
    request: Request,
    actor: CurrentActor,
    after: Annotated[int | None, Query(ge=0, description="send notices with a larger id")] = None,
    max_seconds: Annotated[float, Query(gt=0, le=3600)] = 300.0,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """推送新通知 / my new notices as ``text/event-stream`` (events ``ready`` and
    ``notice``; each notice's id is its event id)."""
    engine: Engine = request.app.state.engine
    start = after if after is not None else last_event_id
    if start is None:
        start = await run_in_threadpool(latest_id, engine, actor)

    async def events() -> AsyncIterator[str]:
        last = start
        loop = asyncio.get_running_loop()
        ends = loop.time() + max_seconds
        quiet_since = loop.time()
        yield "retry: 2000\n" + _frame("ready", {"after": last})
        while loop.time() < ends:
            if await request.is_disconnected():
                return
            found, unread = await run_in_threadpool(newer, engine, actor, last)
            for item in found:
                last = item["id"]
                yield _frame("notice", {**item, "unread": unread}, last)
            if found:
                quiet_since = loop.time()
            elif loop.time() - quiet_since >= KEEPALIVE_SECONDS:
                quiet_since = loop.time()
                yield ": keep-alive\n\n"
            await asyncio.sleep(min(POLL_SECONDS, max(0.0, ends - loop.time())))

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
