"""Dispatch (调度): rank what can reach an incident soonest, issue orders, track them.

Ranking asks, for each need (a team with a skill or of a kind, equipment of a type, a
quantity of a material), which available resources in the actor's subtree fit it and how
long each takes to arrive (over the imported road network, else straight line × detour ÷
speed: ``roads.minutes``). Issuing an order is one transaction: the team is marked
deployed, materials are allocated from stock (never below zero, see ``stock``), and the
team's contact is called through call-response (SMS, voice and inbox with a confirm code);
their answer acknowledges the order.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yingji import reactions
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import Conflict, NotFound, ValidationFailed
from yingji.regions.models import Region
from yingji.resources import roads, stock
from yingji.resources.models import (
    DispatchOrder,
    Equipment,
    OrderLine,
    OrderState,
    RescueTeam,
    ResourceStatus,
    Warehouse,
)
from yingji.risk.service import locate
from yingji.warnings import direct
from yingji.warnings.callresponse import service as callresponse
from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.respond import write_calls
from yingji.warnings.targeting import Target

NEXT_STATES = {
    OrderState.issued: {OrderState.acknowledged, OrderState.cancelled},
    OrderState.acknowledged: {OrderState.en_route, OrderState.cancelled},
    OrderState.en_route: {OrderState.arrived, OrderState.cancelled},
    OrderState.arrived: {OrderState.released},
}
"""The order lifecycle; released and cancelled are final and free the team or units."""
TEAM_CONTACT = "team_contact"
CALL_CHANNELS = ("sms", "voice", "inbox")
CALL_DEADLINE_MINUTES = 5
"""A dispatch call unanswered this long is redialled and escalated (call-response)."""


@dataclass(frozen=True)
class Need:
    kind: str
    """``team``, ``equipment`` or ``material``."""
    what: str = ""
    """Team: a skill or a team kind (either fits); equipment: its type; material: its code."""
    amount: float = 1
    """Teams and equipment: how many; material: the quantity."""


@dataclass
class Candidate:
    kind: str
    id: int
    code: str
    name: str
    minutes: float
    available: float
    """Equipment units or material quantity at that place; 1 for a team."""
    team_id: int | None = None
    """The team that keeps the equipment (it goes with its crew)."""


@dataclass
class Ranked:
    need: Need
    candidates: list[Candidate] = field(default_factory=list)
    picked: list[Candidate] = field(default_factory=list)
    """The soonest candidates that together meet the need."""
    met: bool = False


def parse_needs(raw: Any) -> list[Need]:
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed(
            "请列出需求 / list the needs",
            [{"row": None, "field": "needs", "reason": "a non-empty list"}],
        )
    out, bad = [], []
    for i, item in enumerate(raw):
        kind = str((item or {}).get("kind", "")) if isinstance(item, dict) else ""
        if kind not in ("team", "equipment", "material"):
            bad.append({"row": i, "field": "kind", "reason": "team, equipment or material"})
            continue
        try:
            amount = float(item.get("amount", 1))
        except (TypeError, ValueError):
            amount = -1
        if not amount > 0:
            bad.append({"row": i, "field": "amount", "reason": "must be > 0"})
            continue
        what = str(item.get("what") or "")
        if kind != "team" and not what:
            bad.append({"row": i, "field": "what", "reason": "equipment type or material code"})
            continue
        out.append(Need(kind, what, amount))
    if bad:
        raise ValidationFailed("需求有误 / invalid needs", bad)
    return out


def _minutes(sources: list[tuple[float, float]], lon: float, lat: float, mode: str) -> np.ndarray:
    if not sources:
        return np.zeros(0)
    src = np.asarray(sources, dtype=float)
    return roads.minutes(src, np.array([[lon, lat]]), mode)[:, 0]


def _team_candidates(session: Session, actor: Actor, need: Need) -> list[Any]:
    stmt = actor.by_path(
        select(RescueTeam).where(RescueTeam.status == ResourceStatus.available),
        RescueTeam.region_path,
    )
    teams = session.scalars(stmt).all()
    return [t for t in teams if not need.what or need.what in t.skills or need.what == t.kind]


def rank(
    session: Session,
    actor: Actor,
    lon: float,
    lat: float,
    needs: list[Need],
    *,
    mode: str = "road",
    limit: int = 10,
) -> list[Ranked]:
    """For each need, the fitting available resources by arrival time, and a pick."""
    out = []
    for need in needs:
        if need.kind == "team":
            rows = _team_candidates(session, actor, need)
            cands = [Candidate("team", t.id, t.code, t.name, 0.0, 1.0) for t in rows]
            places = [(t.lon, t.lat) for t in rows]
        elif need.kind == "equipment":
            stmt = actor.by_path(
                select(Equipment).where(
                    Equipment.status == ResourceStatus.available,
                    Equipment.type == need.what,
                    Equipment.deployed < Equipment.quantity,
                ),
                Equipment.region_path,
            )
            rows = session.scalars(stmt).all()
            cands = [
                Candidate("equipment", e.id, e.code, e.name, 0.0, e.free_units, e.team_id)
                for e in rows
            ]
            places = [(e.lon, e.lat) for e in rows]
        else:
            held = stock.holdings(session, actor, material_code=need.what)
            stores = {
                w.id: w
                for w in session.scalars(
                    select(Warehouse).where(Warehouse.id.in_([h.warehouse_id for h in held]))
                )
            }
            cands = [
                Candidate(
                    "material",
                    h.warehouse_id,
                    stores[h.warehouse_id].code,
                    h.warehouse,
                    0.0,
                    h.quantity,
                )
                for h in held
            ]
            places = [(stores[h.warehouse_id].lon, stores[h.warehouse_id].lat) for h in held]
        for cand, minutes in zip(cands, _minutes(places, lon, lat, mode), strict=True):
            cand.minutes = round(float(minutes), 1)
        cands.sort(key=lambda c: (c.minutes, c.code))
        result = Ranked(need, cands[:limit])
        got = 0.0
        for cand in cands:
            if got >= need.amount:
                break
            result.picked.append(cand)
            got += cand.available
        result.met = got >= need.amount
        out.append(result)
    return out


def _incident_region(session: Session, actor: Actor, lon: float, lat: float) -> tuple[int, str]:
    ids, paths = locate(session, [lon], [lat])
    if ids[0] < 0 or paths[0] is None or not actor.covers(paths[0]):
        raise ValidationFailed(
            f"事发地点 ({lon}, {lat}) 不在您的辖区内 / the incident lies outside your region",
            [{"row": None, "field": "lon", "reason": "outside your region"}],
        )
    return int(ids[0]), paths[0]


def _code() -> str:
    return f"DD-{utcnow():%Y%m%d}-{secrets.token_hex(3).upper()}"


@dataclass(frozen=True)
class Destination:
    """Where an order goes and why, checked to lie in the actor's region."""

    lon: float
    lat: float
    title: str
    mode: str
    path: str
    """Path of the region of the place: who sees the order."""
    incident_id: int | None = None


def _destination(
    session: Session,
    actor: Actor,
    lon: float,
    lat: float,
    title: str,
    mode: str,
    incident_id: int | None,
) -> Destination:
    _, path = _incident_region(session, actor, lon, lat)
    return Destination(lon, lat, title, mode, path, incident_id)


def _new_order(
    session: Session,
    actor: Actor,
    origin: tuple[float, float],
    to: Destination,
    **load: Any,
) -> DispatchOrder:
    """An issued order from ``origin`` to the place, with its arrival estimate; ``load``
    names what it sends (team_id, warehouse_id, or equipment_id with units)."""
    eta = float(_minutes([origin], to.lon, to.lat, to.mode)[0])
    order = DispatchOrder(
        code=_code(),
        title=to.title,
        lon=to.lon,
        lat=to.lat,
        incident_id=to.incident_id,
        state=OrderState.issued,
        eta_minutes=round(eta, 1),
        region_path=to.path,
        history=[{"state": "issued", "at": utcnow().isoformat(), "by": actor.username}],
        created_by=actor.username,
        **load,
    )
    session.add(order)
    session.flush()
    return order


def send_team(
    session: Session,
    actor: Actor,
    team_id: int,
    *,
    lon: float,
    lat: float,
    title: str,
    mode: str = "road",
    incident_id: int | None = None,
) -> DispatchOrder:
    """Order team ``team_id`` to the incident; it must be available."""
    actor.require_write()
    to = _destination(session, actor, lon, lat, title, mode, incident_id)
    team = session.get(RescueTeam, team_id)
    if team is None or not actor.covers(team.region_path):
        raise NotFound("队伍不存在 / team not found")
    claimed = session.execute(
        RescueTeam.__table__.update()
        .where(RescueTeam.id == team.id, RescueTeam.status == ResourceStatus.available)
        .values(status=ResourceStatus.deployed)
    )
    if claimed.rowcount != 1:
        raise Conflict(f"{team.name} 当前不可调派 / the team is not available")
    order = _new_order(
        session,
        actor,
        (team.lon, team.lat),
        to,
        team_id=team.id,
    )
    _tell_team(session, team, order, what=team.name)
    announce(session, order, actor.username)
    session.expire(team)
    return order


def _tell_team(session: Session, team: RescueTeam, order: DispatchOrder, *, what: str) -> None:
    """Call the team's contact through call-response (SMS, voice, inbox, with its confirm
    code, redials and escalation); the answer acknowledges the order (``reactions``)."""
    if not team.contact_person_id:
        return
    region = session.get(Region, team.region_id)
    assert region is not None
    text = (
        f"调度指令：{order.title}。{what} 请立即出动前往 ({order.lon:.5f}, {order.lat:.5f})，"
        f"预计 {order.eta_minutes:.0f} 分钟到达。指令编号 {order.code}。"
    )
    now = utcnow()
    call = DirectMessage(
        code=f"YJD-{order.code}",
        text=text,
        region_codes=[region.code],
        roles=[TEAM_CONTACT],
        layers=[region.level],
        policy=direct.policy(CALL_CHANNELS, CALL_DEADLINE_MINUTES),
        region_id=region.id,
        region_path=region.path,
        created_by=order.created_by,
        created_at=now,
    )
    session.add(call)
    session.flush()
    reason = {"kind": "direct", "role": TEAM_CONTACT, "target": team.code, "region": region.code}
    target = Target(team.contact_person_id, region.level, [reason], region.id)
    write_calls(
        session,
        direct=call,
        targets=[target],
        policy_for=lambda _target: call.policy,
        measures_for=lambda _target, _code, _deadline: text,
        now=now,
    )
    order.direct_id = call.id


def send_equipment(
    session: Session,
    actor: Actor,
    equipment_id: int,
    units: int,
    *,
    lon: float,
    lat: float,
    title: str,
    mode: str = "road",
    incident_id: int | None = None,
) -> DispatchOrder:
    """Send ``units`` of an equipment lot; the units are claimed with one guarded UPDATE so
    two orders can never take more than the lot holds. The keeping team's contact is told."""
    actor.require_write()
    if not isinstance(units, int) or units < 1:
        raise ValidationFailed(
            "数量应为正整数 / units must be a positive whole number",
            [{"row": None, "field": "units", "reason": "a positive whole number"}],
        )
    to = _destination(session, actor, lon, lat, title, mode, incident_id)
    item = session.get(Equipment, equipment_id)
    if item is None or not actor.covers(item.region_path):
        raise NotFound("装备不存在 / equipment not found")
    claimed = session.execute(
        Equipment.__table__.update()
        .where(
            Equipment.id == item.id,
            Equipment.status == ResourceStatus.available,
            Equipment.deployed + units <= Equipment.quantity,
        )
        .values(deployed=Equipment.deployed + units)
    )
    if claimed.rowcount != 1:
        raise Conflict(f"{item.name} 可调派数量不足 {units} / fewer than {units} units available")
    order = _new_order(
        session,
        actor,
        (item.lon, item.lat),
        to,
        equipment_id=item.id,
        units=units,
    )
    team = session.get(RescueTeam, item.team_id) if item.team_id else None
    if team is not None:
        _tell_team(session, team, order, what=f"{team.name}（{item.name} × {units}）")
    announce(session, order, actor.username)
    session.expire(item)
    return order


def send_materials(
    session: Session,
    actor: Actor,
    warehouse_id: int,
    items: list[dict[str, Any]],
    *,
    lon: float,
    lat: float,
    title: str,
    mode: str = "road",
    incident_id: int | None = None,
) -> DispatchOrder:
    """Release materials from one warehouse to the incident: every line allocated or none."""
    actor.require_write()
    to = _destination(session, actor, lon, lat, title, mode, incident_id)
    store = session.get(Warehouse, warehouse_id)
    if store is None or not actor.covers(store.region_path):
        raise NotFound("仓库不存在 / warehouse not found")
    if not items:
        raise ValidationFailed(
            "请列出物资 / list the materials",
            [{"row": None, "field": "items", "reason": "a non-empty list"}],
        )
    order = _new_order(
        session,
        actor,
        (store.lon, store.lat),
        to,
        warehouse_id=store.id,
    )
    for item in items:
        code = str(item.get("material_code") or "")
        for taken in stock.allocate(session, actor, store.id, code, item.get("quantity")):
            session.add(
                OrderLine(
                    order_id=order.id,
                    batch_id=taken.batch_id,
                    material_id=taken.material_id,
                    quantity=taken.quantity,
                )
            )
    session.flush()
    announce(session, order, actor.username)
    return order


def orders(
    session: Session, actor: Actor, *, active_only: bool = False, limit: int = 100
) -> list[DispatchOrder]:
    stmt = actor.by_path(select(DispatchOrder), DispatchOrder.region_path)
    if active_only:
        stmt = stmt.where(DispatchOrder.state.not_in(["released", "cancelled"]))
    return list(session.scalars(stmt.order_by(DispatchOrder.created_at.desc()).limit(limit)))


def get_order(session: Session, actor: Actor, order_id: int) -> DispatchOrder:
    order = session.get(DispatchOrder, order_id)
    if order is None or not actor.covers(order.region_path):
        raise NotFound("调度指令不存在 / order not found")
    return order


def advance(session: Session, actor: Actor, order_id: int, state: str) -> DispatchOrder:
    """Move an order to its next state; releasing or cancelling frees the team."""
    actor.require_write()
    order = get_order(session, actor, order_id)
    try:
        target = OrderState(state)
    except ValueError as exc:
        raise ValidationFailed(
            f"未知状态 {state!r} / unknown state",
            [{"row": None, "field": "state", "reason": "unknown"}],
        ) from exc
    allowed = NEXT_STATES.get(OrderState(order.state), set())
    if target not in allowed:
        names = ", ".join(sorted(s.value for s in allowed)) or "none (final)"
        raise Conflict(f"{order.state} 之后不能是 {state} / next may be: {names}")
    if order.state == OrderState.issued and order.direct_id:
        callresponse.withdraw(session, direct_id=order.direct_id)  # answered another way
    order.state = target
    order.history = [
        *order.history,
        {"state": target.value, "at": utcnow().isoformat(), "by": actor.username},
    ]
    if target in (OrderState.released, OrderState.cancelled):
        _free(session, order)
    session.flush()
    announce(session, order, actor.username)
    return order


def _free(session: Session, order: DispatchOrder) -> None:
    """Give back what a finished order held: its team, or its equipment units."""
    if order.team_id:
        session.execute(
            update(RescueTeam)
            .where(RescueTeam.id == order.team_id)
            .values(status=ResourceStatus.available)
        )
    if order.equipment_id and order.units:
        session.execute(
            update(Equipment)
            .where(Equipment.id == order.equipment_id)
            .values(deployed=Equipment.deployed - order.units)
        )


def what_is_sent(session: Session, order: DispatchOrder) -> str:
    """The order's load in a few words: the team, the equipment and units, or the store."""
    if order.equipment_id:
        item = session.get(Equipment, order.equipment_id)
        return f"{item.name if item else '装备'} × {order.units}"
    if order.team_id:
        team = session.get(RescueTeam, order.team_id)
        return team.name if team else "队伍"
    store = session.get(Warehouse, order.warehouse_id) if order.warehouse_id else None
    return f"{store.name}物资" if store else "物资"


def announce(session: Session, order: DispatchOrder, by: str) -> None:
    """Tell other domains (an incident's timeline) that the order reached its state."""
    reactions.emit(
        session,
        "dispatch.changed",
        incident_id=order.incident_id,
        order_id=order.id,
        region_path=order.region_path,
        code=order.code,
        state=str(order.state),
        what=what_is_sent(session, order),
        eta_minutes=order.eta_minutes,
        by=by,
        at=utcnow(),
    )
