"""The live board (叫应看板) of one call-out: a warning's event, or a direct message.

Targeted, sent, delivered, confirmed, escalated, unanswered and failed, in total, by layer
and by region, with a per-minute timeline, the median time to confirm, the names still
unanswered past their deadline and the escalations to superiors. The headline figures
count the persons the call-out itself called (round 0); escalations (round ≥ 1) are listed
on their own. An actor below the sender's region sees only the instructions of their own
subtree, so a township sees its people on a city-wide board.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.clock import aware
from yingji.db import utcnow
from yingji.notify.models import Delivery
from yingji.people.models import Person
from yingji.regions import geo
from yingji.regions.models import LEVEL_LABELS, Region
from yingji.warnings import service, tally
from yingji.warnings.instruction_models import OPEN_STATES, Instruction
from yingji.warnings.instructions import event_warning_ids
from yingji.warnings.models import EarlyWarning
from yingji.warnings.tally import I

LIST_LIMIT = 200
"""Rows of the unanswered and escalation tables shown (the totals count them all)."""


@dataclass(frozen=True)
class Subject:
    """What a board counts: the warnings of one event, or one direct message."""

    kind: str  # "warning" | "direct"
    id: int
    ids: tuple[int, ...]
    code: str
    title: str
    started_at: dt.datetime

    def clause(self) -> ColumnElement[bool]:
        if self.kind == "warning":
            return I.warning_id.in_(self.ids)
        return I.direct_id == self.id


def of_warning(session: Session, actor: Actor, warning_id: int) -> Subject:
    """The warning (if the actor sees it) with every warning it updates."""
    warning = service.get(session, actor, warning_id)
    ids = tuple(event_warning_ids(session, warning))
    first = session.scalar(select(func.min(EarlyWarning.sent)).where(EarlyWarning.id.in_(ids)))
    return Subject(
        "warning", warning.id, ids, warning.code, warning.headline, first or warning.sent
    )


def _scope(actor: Actor) -> list[ColumnElement[bool]]:
    clause = tally.under_clause(actor.region_path)
    return [] if clause is None else [clause]


def _layers(rows: list[Any]) -> list[dict[str, Any]]:
    layers: dict[int, dict[str, Any]] = {}
    for r in rows:
        tally.add(layers.setdefault(int(r.layer), tally.empty()), r)
    return [
        {
            "layer": layer,
            "label": f"{LEVEL_LABELS['zh-CN'].get(layer, layer)} / "
            f"{LEVEL_LABELS['en'].get(layer, layer)}",
            **tally.with_rates(figures),
        }
        for layer, figures in sorted(layers.items())
    ]


def _channels(session: Session, where: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    """Deliveries per channel and state (every purpose: calls, redials, escalations)."""
    stmt = (
        select(Delivery.channel, Delivery.state, func.count())
        .join(Instruction, Instruction.id == Delivery.instruction_id)
        .where(*where)
        .group_by(Delivery.channel, Delivery.state)
    )
    out: dict[str, dict[str, Any]] = {}
    for channel, state, count in session.execute(stmt):
        row = out.setdefault(channel, {"channel": channel, "total": 0})
        row[state] = int(count)
        row["total"] += int(count)
    return [out[c] for c in sorted(out)]


def _unanswered(
    session: Session, where: list[ColumnElement[bool]], now: dt.datetime, limit: int
) -> list[dict[str, Any]]:
    stmt = (
        select(
            I.id,
            I.layer,
            I.state,
            I.deadline_at,
            I.redials,
            I.round,
            Person.name,
            Person.mobile,
            Region.code,
            Region.name.label("region_name"),
        )
        .join(Person, Person.id == I.person_id)
        .outerjoin(Region, Region.id == I.region_id)
        .where(*where, I.state.in_(OPEN_STATES), I.deadline_at < now)
        .order_by(I.deadline_at, I.id)
        .limit(limit)
    )
    return [
        {
            "id": r.id,
            "person": r.name,
            "mobile": r.mobile,
            "region_code": r.code,
            "region": r.region_name,
            "layer": r.layer,
            "state": r.state,
            "deadline_at": _iso(r.deadline_at),
            "redials": r.redials,
            "round": r.round,
        }
        for r in session.execute(stmt)
    ]


def _escalations(
    session: Session, where: list[ColumnElement[bool]], now: dt.datetime, limit: int
) -> dict[str, Any]:
    counted = session.execute(select(*tally.figure_columns(now)).where(*where, I.round >= 1)).one()
    figures = tally.empty()
    tally.add(figures, counted)
    stmt = (
        select(
            I.id,
            I.round,
            I.state,
            I.about,
            I.deadline_at,
            I.confirmed_at,
            I.created_at,
            Person.name,
            Region.code,
            Region.name.label("region_name"),
        )
        .join(Person, Person.id == I.person_id)
        .outerjoin(Region, Region.id == I.region_id)
        .where(*where, I.round >= 1)
        .order_by(I.created_at.desc(), I.id.desc())
        .limit(limit)
    )
    items = [
        {
            "id": r.id,
            "round": r.round,
            "person": r.name,
            "region_code": r.code,
            "region": r.region_name,
            "state": r.state,
            "overdue": r.state in OPEN_STATES
            and r.deadline_at is not None
            and aware(r.deadline_at) < now,
            "about": r.about or [],
            "deadline_at": _iso(r.deadline_at),
            "confirmed_at": _iso(r.confirmed_at),
            "created_at": _iso(r.created_at),
        }
        for r in session.execute(stmt)
    ]
    return {**tally.with_rates(figures), "items": items}


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else aware(value).isoformat()


def board(
    session: Session,
    actor: Actor,
    subject: Subject,
    *,
    level: int | None = None,
    now: dt.datetime | None = None,
    limit: int = LIST_LIMIT,
) -> dict[str, Any]:
    """Every figure of the board as plain JSON-ready data (see the module docstring);
    ``level`` picks the region level of the regional breakdown (default: townships, or
    counties when there are many)."""
    now = now or utcnow()
    where = [subject.clause(), *_scope(actor)]
    calls = [*where, I.round == 0]
    rows = tally.grouped(session, calls, now)
    totals = tally.empty()
    for r in rows:
        tally.add(totals, r)
    used, groups = tally.roll_up(session, rows, level)
    return {
        "subject": {
            "kind": subject.kind,
            "id": subject.id,
            "ids": list(subject.ids),
            "code": subject.code,
            "title": subject.title,
            "started_at": _iso(subject.started_at),
        },
        "now": now.isoformat(),
        "totals": {
            **tally.with_rates(totals),
            "median_confirm_seconds": tally.median_seconds(session, calls),
        },
        "by_layer": _layers(rows),
        "region_level": used,
        "by_region": [
            {"code": g.code, "name": g.name, "level": g.level, **tally.with_rates(g.figures)}
            for g in groups
        ],
        "timeline": tally.timeline(session, calls),
        "channels": _channels(session, where),
        "unanswered": _unanswered(session, calls, now, limit),
        "escalations": _escalations(session, where, now, limit),
    }


SIMPLIFY_BY_LEVEL = {1: 0.01, 2: 0.005, 3: 0.002, 4: 0.0005, 5: 0.0002, 6: 0.0001}
"""Map simplification (degrees) by region level: invisible at the zoom a board shows."""


def boundaries(
    session: Session, actor: Actor, subject: Subject, *, level: int | None = None
) -> str:
    """GeoJSON FeatureCollection of the regions of the board's regional breakdown (the
    same grouping as :func:`board` with the same ``level``), simplified for the map;
    the board's figures colour them in the browser."""
    now = utcnow()
    rows = tally.grouped(session, [subject.clause(), *_scope(actor), I.round == 0], now)
    _used, groups = tally.roll_up(session, rows, level)
    codes = [g.code for g in groups if g.code]
    found = []
    for start in range(0, len(codes), tally.CHUNK):
        stmt = select(Region.code, Region.name, Region.level, Region.geometry).where(
            Region.code.in_(codes[start : start + tally.CHUNK]), Region.geometry.is_not(None)
        )
        found.extend(session.execute(stmt).all())
    found.sort()
    geoms = geo.many_from_wkb([bytes(r[3]) for r in found])
    tolerance = np.array([SIMPLIFY_BY_LEVEL.get(r[2], 0.001) for r in found], dtype=np.float64)
    geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    texts = shapely.to_geojson(shapely.transform(geoms, lambda xy: np.round(xy, 6)))
    features = [
        '{"type":"Feature","properties":'
        + json.dumps({"code": code, "name": name, "level": lvl}, ensure_ascii=False)
        + ',"geometry":'
        + (text or "null")
        + "}"
        for (code, name, lvl, _blob), text in zip(found, texts, strict=True)
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
