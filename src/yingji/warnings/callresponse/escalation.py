"""Escalation (上报上级): unanswered calls go to the superiors up the assignment chain.

The superiors of an instruction are the persons holding one of the policy's escalation
roles on the PARENT of the region the person was called at; a parent with nobody passes
the search on to its own parent, up to the province. Each superior gets ONE instruction per
round and batch listing every unanswered name (``about``), with its own code, deadline and
deliveries, so a township head with thirty silent grid members gets one call, not thirty.

Set-based for 100,000 unanswered calls sharing a deadline: the region chains are read a
level at a time, the superiors in one query (chunked by id), and the new instructions and
their deliveries are written with executemany; the loops in between are over plain tuples.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yingji import bulk, clock
from yingji.db import utcnow
from yingji.notify import outbox
from yingji.people.models import Assignment, TargetKind
from yingji.people.service import active_on
from yingji.regions.models import Region
from yingji.warnings.callresponse.policy import Policy
from yingji.warnings.callresponse.subjects import Subject
from yingji.warnings.instruction_models import Instruction, InstructionState, ReasonKind

_T = Instruction.__table__
COLUMNS = {
    "key": "text",
    "warning_id": "int",
    "direct_id": "int",
    "person_id": "int",
    "region_id": "int",
    "plan_version_id": "int",
    "round": "int",
    "reasons": "json",
    "about": "json",
    "layer": "int",
    "measures": "text",
    "policy": "json",
    "state": "text",
    "confirm_code": "text",
    "deadline_at": "time",
    "next_action_at": "time",
    "redials": "int",
    "created_at": "time",
    "updated_at": "time",
}
"""The columns of an escalation instruction row, typed for PostgreSQL's arrays."""
DUE_STATES = (
    InstructionState.pending.value,
    InstructionState.sent.value,
    InstructionState.delivered.value,
    InstructionState.failed.value,
)
"""Unanswered states still followed up (escalated rows have handed over to the superior)."""
TOP_LEVEL = 1
"""The search for a superior stops at the province."""
FALLBACK_DEADLINE_MINUTES = 5.0


@dataclass(frozen=True, slots=True)
class Unanswered:
    """An instruction whose redials are used up."""

    id: int
    person_id: int
    name: str
    region_id: int | None
    region_name: str | None
    region_level: int | None
    parent_id: int | None
    """The parent of the region the person was called at: where the search starts."""
    round: int
    policy: Policy
    policy_text: str
    plan_version_id: int | None


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    parent_id: int | None
    level: int
    code: str
    name: str


@dataclass
class Call:
    """One escalation instruction being assembled: a superior for one round."""

    person_id: int
    round: int
    region: Place
    policy: Policy
    policy_text: str
    plan_version_id: int | None
    roles: set[str] = field(default_factory=set)
    about: list[dict[str, Any]] = field(default_factory=list)


def confirm_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def places(session: Session, region_ids: Iterable[int]) -> dict[int, Place]:
    """The regions and all their ancestors, one query per level (per chunk)."""
    found: dict[int, Place] = {}
    wanted = {r for r in region_ids if r is not None}
    conn = session.connection()
    cols = (Region.id, Region.parent_id, Region.level, Region.code, Region.name)
    while wanted:
        for chunk in bulk.chunks(session, sorted(wanted)):
            for row in conn.execute(select(*cols).where(bulk.among(session, Region.id, chunk))):
                found[row[0]] = Place(*row)
        wanted = {p.parent_id for p in found.values() if p.parent_id is not None} - found.keys()
    return found


def holders(
    session: Session, region_ids: Iterable[int], roles: Iterable[str], on: dt.date
) -> dict[int, list[tuple[int, str]]]:
    """``{region id: [(person id, role)]}`` of active region assignments in ``roles``."""
    out: dict[int, list[tuple[int, str]]] = {}
    ids = sorted(set(region_ids))
    roles = sorted(set(roles))
    if not ids or not roles:
        return out
    conn = session.connection()
    for chunk in bulk.chunks(session, ids):
        stmt = (
            select(Assignment.target_id, Assignment.person_id, Assignment.role)
            .where(
                Assignment.target_kind == TargetKind.region.value,
                bulk.among(session, Assignment.target_id, chunk),
                Assignment.role.in_(roles),
                active_on(on),
            )
            .order_by(Assignment.target_id, Assignment.person_id)
        )
        for region_id, person_id, role in conn.execute(stmt):
            out.setdefault(region_id, []).append((person_id, role))
    return out


class Chain:
    """Who stands above each region, for the escalation roles of a policy."""

    def __init__(self, found: dict[int, Place], held: dict[int, list[tuple[int, str]]]) -> None:
        self.found = found
        self.held = held

    def superiors(self, row: Unanswered) -> tuple[Place, list[tuple[int, str]]] | None:
        """The nearest ancestor holding someone other than the person in the policy's
        escalation roles, and them; None at the top."""
        if row.region_level is None or row.region_level <= TOP_LEVEL:
            return None
        roles = row.policy.escalation_roles
        parent_id = row.parent_id
        while parent_id is not None:
            parent = self.found.get(parent_id)
            if parent is None:
                return None
            people = [
                (p, role)
                for p, role in self.held.get(parent.id, [])
                if role in roles and p != row.person_id
            ]
            if people:
                return parent, people
            if parent.level <= TOP_LEVEL:
                return None
            parent_id = parent.parent_id
        return None


def chain_for(session: Session, rows: Sequence[Unanswered], on: dt.date) -> Chain:
    """The regions above the rows' regions (read from their parents up, so 100,000 grids
    cost their 10,000 villages and what is above) and who holds the escalation roles there."""
    found = places(session, {r.parent_id for r in rows if r.parent_id is not None})
    roles = {role for r in rows for role in r.policy.escalation_roles}
    return Chain(found, holders(session, found.keys(), roles, on))


def _mark(session: Session, ids: list[int], now: dt.datetime, escalated: bool) -> set[int]:
    """Hand the rows over (escalated) or stop following them (no superior, last round),
    guarded so a row answered meanwhile is left alone; returns the ids changed."""
    values: dict[str, Any] = {"next_action_at": None, "updated_at": utcnow()}
    if escalated:
        values |= {"state": InstructionState.escalated.value, "escalated_at": now}
    done: set[int] = set()
    for chunk in bulk.chunks(session, sorted(ids)):
        stmt = (
            update(_T)
            .where(
                bulk.among(session, _T.c.id, chunk),
                _T.c.confirmed_at.is_(None),
                _T.c.state.in_(DUE_STATES),
                _T.c.next_action_at <= now,
            )
            .values(**values)
            .returning(_T.c.id)
        )
        done.update(session.execute(stmt).scalars())
    return done


def _about(rows: Sequence[Unanswered]) -> dict[int, dict[str, Any]]:
    return {r.id: {"id": r.id, "name": r.name, "region": r.region_name} for r in rows}


def _measures(about: list[dict[str, Any]]) -> str:
    names = "、".join(str(a["name"]) for a in about[:20])
    if len(about) > 20:
        names += f"等{len(about)}人"
    return f"以下责任人未在时限内确认，请立即督促落实并确认：{names}"


def escalate(
    session: Session, subj: Subject, rows: Sequence[Unanswered], now: dt.datetime, batch: str
) -> dict[str, int]:
    """Escalate ``rows`` (redials used up) one level; counts of escalated / stopped rows and
    of the superiors' instructions and deliveries written."""
    counts = {"escalated": 0, "stopped": 0, "superior_calls": 0, "deliveries": 0}
    if not rows:
        return counts
    climbing = [r for r in rows if r.round < r.policy.max_rounds]
    chain = chain_for(session, climbing, clock.today(now)) if climbing else Chain({}, {})
    targets: dict[int, tuple[Place, list[tuple[int, str]]]] = {}
    for r in climbing:
        found = chain.superiors(r)
        if found is not None:
            targets[r.id] = found
    escalated = _mark(session, list(targets), now, escalated=True)
    stopped = _mark(session, [r.id for r in rows if r.id not in targets], now, escalated=False)
    counts["escalated"], counts["stopped"] = len(escalated), len(stopped)
    if not escalated:
        return counts

    about = _about([r for r in rows if r.id in escalated])
    calls: dict[tuple[int, int], Call] = {}
    for r in rows:
        if r.id not in escalated:
            continue
        region, people = targets[r.id]
        for person_id, role in people:
            call = calls.get((person_id, r.round + 1))
            if call is None:
                call = calls[(person_id, r.round + 1)] = Call(
                    person_id, r.round + 1, region, r.policy, r.policy_text, r.plan_version_id
                )
            call.roles.add(role)
            call.about.append(about[r.id])

    written = write_calls(session, subj, list(calls.values()), now, batch)
    counts["superior_calls"] = len(written)
    deliveries = [(i, ch) for i, call in written for ch in call.policy.channels]
    counts["deliveries"] = outbox.enqueue(session, deliveries, "escalation", now)
    return counts


def write_calls(
    session: Session, subj: Subject, calls: Sequence[Call], now: dt.datetime, batch: str
) -> list[tuple[int, Call]]:
    """Insert the superiors' instructions (``{prefix}:p{person}:r{round}:{batch}``, skipped
    when the key exists); returns (new id, call) for the rows written."""
    rows = []
    by_key: dict[str, Call] = {}
    for call in calls:
        key = f"{subj.key_prefix}:p{call.person_id}:r{call.round}:{batch}"
        by_key[key] = call
        minutes = call.policy.deadline_minutes or FALLBACK_DEADLINE_MINUTES
        deadline = now + dt.timedelta(minutes=minutes)
        reasons = [
            {
                "kind": ReasonKind.escalation.value,
                "role": role,
                "target": call.region.code,
                "region": call.region.code,
                "rule": None,
            }
            for role in sorted(call.roles)
        ]
        rows.append(
            {
                "key": key,
                **subj.values,
                "person_id": call.person_id,
                "region_id": call.region.id,
                "plan_version_id": call.plan_version_id,
                "round": call.round,
                "reasons": reasons,
                "about": call.about,
                "layer": call.region.level,
                "measures": _measures(call.about),
                "policy": json.loads(call.policy_text)
                if call.policy_text
                else call.policy.as_json(),
                "state": InstructionState.pending.value,
                "confirm_code": confirm_code(),
                "deadline_at": deadline,
                "next_action_at": deadline,
                "redials": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
    by_id = bulk.insert_new(session, _T, rows, COLUMNS)
    return [(new_id, by_key[key]) for new_id, key in by_id]
