"""The one map (一张图) of an incident over HTTP: the list of layers with their counts, one
layer as GeoJSON (built in :mod:`map_layers`), and a stream that tells the page which layers
to reload when the incident's timeline moves."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from yingji.api_deps import CurrentActor, DbSession
from yingji.auth.scope import Actor
from yingji.bbox import parse as parse_bbox
from yingji.db import session_factory, utcnow
from yingji.errors import NotFound
from yingji.incidents import service
from yingji.incidents.map_layers import (
    LAYERS,
    OMITTED,
    View,
    default_box,
)
from yingji.incidents.models import IncidentEvent
from yingji.incidents.quick_models import QuickReport
from yingji.incidents.timeline import EventKind
from yingji.paging import MAX_LIMIT

router = APIRouter(tags=["incidents"])

POLL_SECONDS = 2.0
KEEPALIVE_SECONDS = 15.0
EVENT_BATCH = 50

KIND_LAYERS: dict[str, tuple[str, ...]] = {
    EventKind.dispatch: ("dispatch", "teams", "equipment", "warehouses", "incident"),
    EventKind.warning: ("warning_areas", "incident"),
    EventKind.quick_report: ("quick_reports", "incident"),
}
"""Which layers a timeline event changes; every other kind (reports, grades, levels, tasks,
notes) changes the incident's own feature (its figures, level and task counts)."""


# --- endpoints ------------------------------------------------------------------------------


def view_of(
    session: Session, actor: Actor, incident_id: int, bbox: str | None, now: dt.datetime | None
) -> View:
    """The incident as the actor may see it, and the box to read around it."""
    incident = service.get(session, actor, incident_id)
    box = parse_bbox(bbox) or default_box(incident)
    return View(session, actor, incident, box, now or utcnow())


def last_event_id(session: Session, incident_id: int) -> int:
    stmt = select(func.max(IncidentEvent.id)).where(IncidentEvent.incident_id == incident_id)
    return session.scalar(stmt) or 0


BBoxQuery = Annotated[
    str | None,
    Query(description="west,south,east,north (WGS 84); default: around the incident"),
]


@router.get("/incidents/{incident_id}/map/layers")
def map_layers(
    incident_id: int, session: DbSession, actor: CurrentActor, bbox: BBoxQuery = None
) -> dict[str, Any]:
    """一张图的图层及数量 / the incident map's layers with their feature counts in the box,
    the layers not offered (and why), and the timeline position the live stream starts at."""
    view = view_of(session, actor, incident_id, bbox, None)
    inc = view.incident
    layers = [
        {"key": key, "kind": kind, "in_box": cut, "count": build(view, 0).total}
        for key, (kind, cut, build) in LAYERS.items()
    ]
    return {
        "incident": {
            "id": inc.id,
            "code": inc.code,
            "title": inc.title,
            "lon": inc.lon,
            "lat": inc.lat,
            "status": inc.status,
        },
        "bbox": list(view.box),
        "layers": layers,
        "omitted": [{"key": k, "reason": reason} for k, reason in OMITTED.items()],
        "last_event_id": last_event_id(session, inc.id),
    }


def _frame(event: str, data: Any, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@dataclass(frozen=True)
class Mark:
    """Where the page's copy of the incident stands: the last timeline event it knows and
    a fingerprint of the quick reports (a new one, or one verified, moves it)."""

    event_id: int
    quick: tuple[Any, ...]


def _quick_print(session: Session, incident_id: int) -> tuple[Any, ...]:
    row = session.execute(
        select(func.count(), func.max(QuickReport.id), func.max(QuickReport.verified_at)).where(
            QuickReport.incident_id == incident_id
        )
    ).one()
    return (int(row[0]), row[1], row[2].isoformat() if row[2] else None)


def mark(session: Session, incident_id: int, event_id: int | None = None) -> Mark:
    """The incident's current mark (or at ``event_id``, when the page says where it is)."""
    start = last_event_id(session, incident_id) if event_id is None else event_id
    return Mark(start, _quick_print(session, incident_id))


def changes(
    session: Session, incident_id: int, since: Mark
) -> tuple[Mark, list[str], list[dict[str, Any]]]:
    """What moved since ``since``: the new mark, the layers to reload (map order) and the new
    timeline events (oldest first, at most :data:`EVENT_BATCH`)."""
    rows = session.execute(
        select(IncidentEvent.id, IncidentEvent.kind, IncidentEvent.text, IncidentEvent.at)
        .where(IncidentEvent.incident_id == incident_id, IncidentEvent.id > since.event_id)
        .order_by(IncidentEvent.id)
        .limit(EVENT_BATCH)
    ).all()
    wanted: set[str] = set()
    for row in rows:
        wanted.update(KIND_LAYERS.get(row.kind, ("incident",)))
    quick = _quick_print(session, incident_id)
    if quick != since.quick:
        wanted.update(KIND_LAYERS[EventKind.quick_report])
    events = [{"id": r.id, "kind": r.kind, "text": r.text, "at": r.at.isoformat()} for r in rows]
    now = Mark(rows[-1].id if rows else since.event_id, quick)
    return now, [k for k in LAYERS if k in wanted], events


def _poll(engine: Engine, incident_id: int, since: Mark) -> tuple[Mark, list[str], list[dict]]:
    with session_factory(engine)() as session:
        return changes(session, incident_id, since)


def _start(engine: Engine, incident_id: int, event_id: int | None) -> Mark:
    with session_factory(engine)() as session:
        return mark(session, incident_id, event_id)


async def map_events(
    engine: Engine,
    incident_id: int,
    since: Mark,
    *,
    max_seconds: float,
    poll_seconds: float = POLL_SECONDS,
    disconnected: Callable[[], Any] | None = None,
) -> AsyncIterator[str]:
    """Server-Sent Events for one incident map: ``ready``, then ``changed`` (the layers to
    reload and the new events, the last event's id as the SSE id) whenever the timeline or
    the quick reports move; a comment now and then keeps proxies from closing the line.

    It polls the database (one indexed max() and one aggregate per poll) rather than
    listening in one process, so changes made by a worker or another web process arrive."""
    loop = asyncio.get_running_loop()
    ends = loop.time() + max_seconds
    quiet_since = loop.time()
    state = since
    yield "retry: 3000\n" + _frame("ready", {"after": state.event_id})
    while loop.time() < ends:
        if disconnected is not None and await disconnected():
            return
        state, layers, events = await run_in_threadpool(_poll, engine, incident_id, state)
        if layers:
            quiet_since = loop.time()
            body = {"layers": layers, "events": events, "last_event_id": state.event_id}
            yield _frame("changed", body, state.event_id)
        elif loop.time() - quiet_since >= KEEPALIVE_SECONDS:
            quiet_since = loop.time()
            yield ": keep-alive\n\n"
        await asyncio.sleep(min(poll_seconds, max(0.0, ends - loop.time())))


@router.get("/incidents/{incident_id}/map/stream")
async def map_stream(
    incident_id: int,
    request: Request,
    actor: CurrentActor,
    after: Annotated[int | None, Query(ge=0, description="last timeline event seen")] = None,
    max_seconds: Annotated[float, Query(gt=0, le=3600)] = 300.0,
    last_event_id_header: Annotated[int | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """一张图实时更新 / which layers of the incident map to reload, as ``text/event-stream``
    (events ``ready`` and ``changed``); a reconnecting ``EventSource`` resumes after the
    last event it saw."""
    engine: Engine = request.app.state.engine

    def check() -> None:
        with session_factory(engine)() as session:
            service.get(session, actor, incident_id)

    await run_in_threadpool(check)
    # A reconnecting EventSource repeats the page's ``after`` but also sends the id of the
    # last event it got, which is the later of the two.
    start = last_event_id_header if last_event_id_header is not None else after
    since = await run_in_threadpool(_start, engine, incident_id, start)
    events = map_events(
        engine, incident_id, since, max_seconds=max_seconds, disconnected=request.is_disconnected
    )
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


@router.get("/incidents/{incident_id}/map/{layer}")
def map_layer(
    incident_id: int,
    layer: str,
    session: DbSession,
    actor: CurrentActor,
    bbox: BBoxQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
) -> dict[str, Any]:
    """一张图图层 / one layer of the incident map as a GeoJSON FeatureCollection; ``total``
    counts every feature (``truncated`` when more than ``limit``)."""
    if layer not in LAYERS:
        known = ", ".join(LAYERS)
        reason = OMITTED.get(layer, f"未知图层 / unknown layer; known: {known}")
        raise NotFound(f"图层 {layer} 不可用 / layer {layer} is not available: {reason}")
    view = view_of(session, actor, incident_id, bbox, None)
    kind, cut, build = LAYERS[layer]
    found = build(view, limit)
    return {
        "type": "FeatureCollection",
        "layer": layer,
        "kind": kind,
        "in_box": cut,
        "bbox": list(view.box),
        "total": found.total,
        "truncated": found.total > len(found.features),
        "features": found.features,
    }
