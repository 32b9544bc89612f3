"""Who answers for a place: responsible persons by role, and the escalation chain upward.

Both are set-based and built for bulk use (warning targeting and escalation of unanswered
calls resolve thousands of places per call): one query per chunk of targets, never per row.
Visibility follows the assignment's target region, so an operator sees the county leader
assigned to their own township even though that leader lives outside their subtree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.people.models import Assignment, Person, Role, TargetKind
from yingji.people.service import active_on
from yingji.regions.models import Region

CHUNK = 5000
ESCALATION_ROLES: tuple[str, ...] = (Role.admin, Role.baobao, Role.duty_leader)
"""Roles that answer for a place when a call to someone below goes unanswered."""


@dataclass(frozen=True)
class Responsible:
    person_id: int
    name: str
    mobile: str
    role: str
    target_kind: str
    target_id: int


@dataclass(frozen=True)
class ChainLink:
    region_id: int
    code: str
    name: str
    level: int
    persons: list[Responsible]


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def responsible_for(
    session: Session,
    actor: Actor,
    kind: str,
    target_ids: Iterable[int],
    roles: Sequence[str] | None = None,
    on: dt.date | None = None,
) -> dict[int, list[Responsible]]:
    """{target_id: [Responsible...]} for every target of ``kind`` with a valid assignment."""
    day = on or dt.date.today()
    ids = sorted(set(target_ids))
    out: dict[int, list[Responsible]] = defaultdict(list)
    for chunk in _chunks(ids):
        stmt = (
            select(Assignment.target_id, Assignment.role, Person.id, Person.name, Person.mobile)
            .join(Person, Person.id == Assignment.person_id)
            .where(
                Assignment.target_kind == kind,
                Assignment.target_id.in_(chunk),
                active_on(day),
            )
            .order_by(Assignment.target_id, Assignment.role, Person.id)
        )
        if roles:
            stmt = stmt.where(Assignment.role.in_(list(roles)))
        stmt = actor.scoped(stmt, Assignment.region_id, Person.organisation_id)
        for target_id, role, pid, name, mobile in _rows(session, stmt):
            out[target_id].append(Responsible(pid, name, mobile, role, kind, target_id))
    return dict(out)


def _rows(session: Session, stmt: Select[Any]) -> list[Any]:
    """Plain tuples straight from the connection: no ORM row processing on bulk reads."""
    return session.connection().execute(stmt).all()


def escalation_chains(
    session: Session,
    actor: Actor,
    region_ids: Iterable[int],
    roles: Sequence[str] = ESCALATION_ROLES,
    on: dt.date | None = None,
    include_self: bool = True,
) -> dict[int, list[ChainLink]]:
    """For each place, the chain from it (or its parent) up to the province: each link is
    a region and the persons holding ``roles`` there. Regions outside scope are left out.

    Two reads of the region table in all: the places' paths, then every ancestor named in
    those paths (by code, which the paths hold).
    """
    ids = sorted(set(region_ids))
    paths: dict[int, str] = {}
    for chunk in _chunks(ids):
        paths.update(_rows(session, select(Region.id, Region.path).where(Region.id.in_(chunk))))
    codes = sorted({code for path in paths.values() for code in path.strip("/").split("/")})
    info: dict[str, tuple[int, str, int, str]] = {}
    for start in range(0, len(codes), CHUNK):
        stmt = select(Region.code, Region.id, Region.name, Region.level, Region.path).where(
            Region.code.in_(codes[start : start + CHUNK])
        )
        info.update(
            (code, (rid, name, level, path))
            for code, rid, name, level, path in _rows(session, stmt)
        )
    persons = responsible_for(
        session, actor, TargetKind.region, [v[0] for v in info.values()], roles, on
    )
    links: dict[str, ChainLink | None] = {
        code: ChainLink(rid, code, name, level, persons.get(rid, []))
        if actor.covers(path)
        else None
        for code, (rid, name, level, path) in info.items()
    }
    chains: dict[int, list[ChainLink]] = {}
    for rid, path in paths.items():
        chain = [links.get(c) for c in reversed(path.strip("/").split("/"))]
        chains[rid] = [link for link in (chain if include_self else chain[1:]) if link]
    return chains


def escalation_chain_for_person(
    session: Session,
    actor: Actor,
    person_id: int,
    roles: Sequence[str] = ESCALATION_ROLES,
    on: dt.date | None = None,
) -> list[ChainLink]:
    """Who is above this person: the chain starting one level above the lowest region
    they answer for (or, with no region assignment, above their home region)."""
    day = on or dt.date.today()
    lowest = session.execute(
        select(Region.id)
        .join(
            Assignment,
            (Assignment.target_id == Region.id) & (Assignment.target_kind == TargetKind.region),
        )
        .where(Assignment.person_id == person_id, active_on(day))
        .order_by(Region.level.desc(), Region.id)
        .limit(1)
    ).scalar()
    if lowest is None:
        lowest = session.scalar(select(Person.region_id).where(Person.id == person_id))
    if lowest is None:
        return []
    chain = escalation_chains(session, actor, [lowest], roles, day, include_self=False)
    return [
        ChainLink(
            link.region_id,
            link.code,
            link.name,
            link.level,
            [p for p in link.persons if p.person_id != person_id],
        )
        for link in chain.get(lowest, [])
    ]
