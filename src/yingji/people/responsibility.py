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

from sqlalchemy import select
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
        for target_id, role, pid, name, mobile in session.execute(stmt).all():
            out[target_id].append(Responsible(pid, name, mobile, role, kind, target_id))
    return dict(out)


def _ancestor_ids(session: Session, paths: dict[int, str]) -> dict[int, list[int]]:
    """{region_id: [ids from the region itself up to the root]} from the stored paths."""
    codes = {code for path in paths.values() for code in path.strip("/").split("/")}
    id_of: dict[str, int] = {}
    code_list = sorted(codes)
    for start in range(0, len(code_list), CHUNK):
        rows = session.execute(
            select(Region.code, Region.id).where(Region.code.in_(code_list[start : start + CHUNK]))
        )
        id_of.update(rows.all())
    return {
        rid: [id_of[c] for c in reversed(path.strip("/").split("/")) if c in id_of]
        for rid, path in paths.items()
    }


def escalation_chains(
    session: Session,
    actor: Actor,
    region_ids: Iterable[int],
    roles: Sequence[str] = ESCALATION_ROLES,
    on: dt.date | None = None,
    include_self: bool = True,
) -> dict[int, list[ChainLink]]:
    """For each place, the chain from it (or its parent) up to the province: each link is
    a region and the persons holding ``roles`` there. Regions outside scope are left out."""
    ids = sorted(set(region_ids))
    paths: dict[int, str] = {}
    for chunk in _chunks(ids):
        paths.update(
            session.execute(select(Region.id, Region.path).where(Region.id.in_(chunk))).all()
        )
    ancestors = _ancestor_ids(session, paths)
    all_ids = sorted({a for chain in ancestors.values() for a in chain})
    info: dict[int, tuple[str, str, int, str]] = {}
    for chunk in _chunks(all_ids):
        info.update(
            (rid, (code, name, level, path))
            for rid, code, name, level, path in session.execute(
                select(Region.id, Region.code, Region.name, Region.level, Region.path).where(
                    Region.id.in_(chunk)
                )
            ).all()
        )
    persons = responsible_for(session, actor, TargetKind.region, all_ids, roles, on)
    chains: dict[int, list[ChainLink]] = {}
    for rid, chain in ancestors.items():
        links = []
        for aid in chain if include_self else chain[1:]:
            code, name, level, path = info[aid]
            if actor.covers(path):
                links.append(ChainLink(aid, code, name, level, persons.get(aid, [])))
        chains[rid] = links
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
