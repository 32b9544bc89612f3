"""Instructions as their recipients and duty officers see them: who may open one, and the
row shown in the API, the "my instructions" page and the public confirm page.

A person sees their own instructions; a signed-in user sees the others inside their region
subtree (and, with write rights, may record an answer on the person's behalf). Anything
else is reported as missing, so an id does not reveal that an instruction exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.errors import NotFound
from yingji.lookups import rows_by_id
from yingji.paging import Page, paginate
from yingji.people.models import Person
from yingji.regions.models import Region
from yingji.warnings.callresponse.service import ANSWERABLE
from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.instruction_models import STATE_LABELS, Instruction
from yingji.warnings.models import LEVEL_LABELS, LEVEL_NAMES, EarlyWarning

NOT_FOUND = "指令不存在 / instruction not found"


class InstructionOut(BaseModel):
    id: int
    key: str
    warning_id: int | None
    direct_id: int | None
    headline: str
    """The warning's headline, or the direct message's text."""
    authority: str | None
    level: int | None
    level_name: str | None
    level_label: str | None
    person_id: int
    person_name: str
    region_code: str | None
    region_name: str | None
    round: int
    layer: int
    reasons: list[dict[str, Any]]
    about: list[dict[str, Any]] | None
    measures: str
    state: str
    state_label: str
    answerable: bool
    """Still awaiting an answer (confirm button shown)."""
    deadline_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    confirmed_via: str | None
    redials: int
    escalated_at: dt.datetime | None
    report: dict[str, Any] | None
    reported_at: dt.datetime | None
    created_at: dt.datetime


class InstructionPage(BaseModel):
    items: list[InstructionOut]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class Access:
    instruction: Instruction
    own: bool
    """The actor is the person called (else a user seeing it through their scope)."""


def _path(session: Session, ins: Instruction) -> str | None:
    region_id = ins.region_id
    if region_id is None:
        region_id = session.scalar(select(Person.region_id).where(Person.id == ins.person_id))
    return session.scalar(select(Region.path).where(Region.id == region_id))


def open_for(session: Session, actor: Actor, instruction_id: int) -> Access:
    """The instruction if the actor is its person or sees its region; else NotFound."""
    ins = session.get(Instruction, instruction_id, populate_existing=True)
    if ins is None:
        raise NotFound(NOT_FOUND)
    if actor.person_id is not None and ins.person_id == actor.person_id:
        return Access(ins, True)
    path = _path(session, ins)
    if actor.role != UserRole.enterprise_user and path is not None and actor.covers(path):
        return Access(ins, False)
    raise NotFound(NOT_FOUND)


def mine(
    session: Session, actor: Actor, *, open_only: bool = False, offset: int = 0, limit: int = 50
) -> Page[Instruction]:
    """The actor's own instructions, newest first (none when the user is not a person)."""
    if actor.person_id is None:
        return Page([], 0, offset, limit)
    stmt = select(Instruction).where(Instruction.person_id == actor.person_id)
    if open_only:
        stmt = stmt.where(Instruction.state.in_(ANSWERABLE), Instruction.confirmed_at.is_(None))
    return paginate(session, stmt.order_by(Instruction.id.desc()), offset, limit)


def outs(session: Session, rows: Sequence[Instruction]) -> list[InstructionOut]:
    """API/page rows, with one look-up per referenced table."""
    warnings = rows_by_id(session, EarlyWarning, (r.warning_id for r in rows))
    directs = rows_by_id(session, DirectMessage, (r.direct_id for r in rows))
    persons = rows_by_id(session, Person, (r.person_id for r in rows))
    regions = rows_by_id(session, Region, (r.region_id for r in rows))
    out = []
    for r in rows:
        w = warnings.get(r.warning_id) if r.warning_id else None
        d = directs.get(r.direct_id) if r.direct_id else None
        region = regions.get(r.region_id) if r.region_id else None
        person = persons.get(r.person_id)
        out.append(
            InstructionOut(
                id=r.id,
                key=r.key,
                warning_id=r.warning_id,
                direct_id=r.direct_id,
                headline=w.headline if w else (d.text if d else ""),
                authority=w.authority if w else None,
                level=w.level if w else None,
                level_name=LEVEL_NAMES.get(w.level) if w else None,
                level_label=LEVEL_LABELS.get(w.level) if w else None,
                person_id=r.person_id,
                person_name=person.name if person else "",
                region_code=region.code if region else None,
                region_name=region.name if region else None,
                round=r.round,
                layer=r.layer,
                reasons=r.reasons or [],
                about=r.about,
                measures=r.measures or "",
                state=r.state,
                state_label=STATE_LABELS.get(r.state, r.state),
                answerable=r.confirmed_at is None and r.state in ANSWERABLE,
                deadline_at=r.deadline_at,
                confirmed_at=r.confirmed_at,
                confirmed_via=r.confirmed_via,
                redials=r.redials,
                escalated_at=r.escalated_at,
                report=r.report,
                reported_at=r.reported_at,
                created_at=r.created_at,
            )
        )
    return out


def one(session: Session, instruction_id: int) -> InstructionOut | None:
    """The row for the public confirm page (the token already proved the right to see it)."""
    ins = session.get(Instruction, instruction_id, populate_existing=True)
    return outs(session, [ins])[0] if ins is not None else None
