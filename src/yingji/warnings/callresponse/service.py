"""Answers to instructions (叫应): confirmations by every channel, report-back, withdrawal.

The first answer wins: a confirmation is one conditional UPDATE (``confirmed_at IS NULL``),
so two answers arriving together (an SMS code and a key press) confirm once, and the same
transaction cancels every pending delivery of the instruction, so no redial, SMS or
escalation leaves after the answer. The redial/escalation follow-up skips confirmed rows,
and its own guarded UPDATEs re-check ``confirmed_at`` under the row lock.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from yingji import jobs, reactions
from yingji.auth import audit
from yingji.db import utcnow
from yingji.errors import invalid
from yingji.notify import events, outbox
from yingji.people.models import Person
from yingji.people.phones import PhoneError, normalise
from yingji.warnings.callresponse.subjects import Subject
from yingji.warnings.instruction_models import OPEN_STATES, Instruction, InstructionState

_T = Instruction.__table__
CODE_LENGTH = 6
VIAS = ("sms_code", "voice_key", "link", "inbox", "manual")
"""How an answer came: SMS reply with the code, key-press on the voice call, the signed
link, the in-app inbox, or recorded by a duty officer on the person's behalf."""
ANSWERABLE = (*OPEN_STATES, InstructionState.failed.value)
"""States an answer is still taken in: a call whose channels all failed may be answered
in the inbox all the same; a withdrawn call cannot be."""
DUE_JOB = "callresponse.due"
TEXT_LIMIT = 2000


def _audit(session: Session, instruction_id: int, after: dict[str, Any]) -> None:
    """Answers are written with Core statements (first-wins conditions), so they enter the
    audit chain here rather than through the ORM flush hook."""
    change = audit.Change("update", _T.name, str(instruction_id), None, audit.snapshot(after))
    audit.record_many(session, [change])


def confirm(session: Session, instruction_id: int, via: str, at: dt.datetime | None = None) -> bool:
    """Record the answer and cancel what was still to be sent; True when this call
    confirmed it, False when it was already answered, withdrawn or does not exist."""
    if via not in VIAS:
        raise invalid("via", f"未知确认方式 / unknown confirmation channel {via!r}")
    at = at or utcnow()
    stmt = (
        update(_T)
        .where(
            _T.c.id == instruction_id,
            _T.c.confirmed_at.is_(None),
            _T.c.state.in_(ANSWERABLE),
        )
        .values(
            state=InstructionState.confirmed.value,
            confirmed_at=at,
            confirmed_via=via,
            next_action_at=None,
            updated_at=utcnow(),
        )
        .returning(_T.c.id)
    )
    if session.execute(stmt).first() is None:
        return False
    outbox.cancel_pending(session, [instruction_id])
    _audit(
        session,
        instruction_id,
        {"state": InstructionState.confirmed.value, "confirmed_at": at, "confirmed_via": via},
    )
    reactions.emit(session, "instruction.confirmed", instruction_id=instruction_id, via=via, at=at)
    return True


def code_in(text: str | None) -> str | None:
    """The confirm code in an SMS reply: ``123456``, ``收到 123456``, ``123 456`` and
    full-width digits all give ``123456``; None when no code can be read."""
    if not text:
        return None
    runs = re.findall(r"\d+", unicodedata.normalize("NFKC", text))
    exact = [run for run in runs if len(run) == CODE_LENGTH]
    if exact:
        return exact[0]
    joined = "".join(runs)
    return joined if len(joined) == CODE_LENGTH else None


def confirm_by_code(
    session: Session, mobile: str, code: str, at: dt.datetime | None = None
) -> bool:
    """Confirm the open instruction(s) of the person with this mobile that carry ``code``
    (the code alone or the whole reply text); True when one was confirmed."""
    digits = code_in(code)
    if digits is None:
        return False
    try:
        number = normalise(mobile)
    except PhoneError:
        return False
    persons = select(Person.id).where(or_(Person.mobile == number, Person.mobile_alt == number))
    ids = session.execute(
        select(_T.c.id).where(
            _T.c.person_id.in_(persons),
            _T.c.confirm_code == digits,
            _T.c.confirmed_at.is_(None),
            _T.c.state.in_(ANSWERABLE),
        )
    ).scalars()
    return any([confirm(session, i, "sms_code", at) for i in ids])


def confirm_by_key(session: Session, instruction_id: int, digits: str, at: dt.datetime) -> bool:
    """Keys pressed on the voice call: the instruction's code (``#`` and ``*`` ignored)."""
    pressed = re.sub(r"\D", "", unicodedata.normalize("NFKC", digits or ""))
    code = session.scalar(select(_T.c.confirm_code).where(_T.c.id == instruction_id))
    if not code or pressed != code:
        return False
    return confirm(session, instruction_id, "voice_key", at)


def _text(field: str, value: str | None, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise invalid(field, f"{field}: 必填 / required")
    if len(value) > TEXT_LIMIT:
        raise invalid(field, f"{field}: 不超过 {TEXT_LIMIT} 字 / at most {TEXT_LIMIT} characters")
    return value


def report(
    session: Session,
    instruction_id: int,
    *,
    measures_taken: str,
    people_moved: int | None = 0,
    note: str | None = None,
    via: str = "inbox",
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Store the recipient's report-back (反馈) with the instruction; reporting is also an
    answer, so an unconfirmed instruction is confirmed ``via`` the same channel. A later
    report replaces the earlier one. Returns the stored report."""
    at = at or utcnow()
    moved = 0 if people_moved is None else people_moved
    if isinstance(moved, bool) or not isinstance(moved, int) or moved < 0:
        raise invalid("people_moved", "people_moved: 应为非负整数 / must be a whole number ≥ 0")
    stored = {
        "measures_taken": _text("measures_taken", measures_taken, required=True),
        "people_moved": moved,
        "note": _text("note", note),
    }
    result = session.execute(
        update(_T)
        .where(_T.c.id == instruction_id, _T.c.state != InstructionState.cancelled.value)
        .values(report=stored, reported_at=at, updated_at=utcnow())
    )
    if not result.rowcount:
        raise invalid("instruction", "指令已撤销或不存在 / instruction withdrawn or unknown")
    _audit(session, instruction_id, {"report": stored, "reported_at": at})
    confirm(session, instruction_id, via, at)
    return stored


def withdraw(session: Session, warning_id: int | None = None, direct_id: int | None = None) -> int:
    """Stop the calls of a cancelled warning (or direct message): its unanswered
    instructions are withdrawn, their pending deliveries and follow-up timers cancelled.
    Returns how many instructions were withdrawn. Safe to run twice."""
    if (warning_id is None) == (direct_id is None):
        raise ValueError("withdraw needs exactly one of warning_id and direct_id")
    subj = Subject("warning", warning_id) if warning_id is not None else None
    subj = subj or Subject("direct", direct_id or 0)
    result = session.execute(
        update(_T)
        .where(subj.column == subj.id, _T.c.confirmed_at.is_(None), _T.c.state.in_(ANSWERABLE))
        .values(state=InstructionState.cancelled.value, next_action_at=None, updated_at=utcnow())
    )
    outbox.cancel_pending(session, select(_T.c.id).where(subj.column == subj.id))
    jobs.cancel(session, (subj.kind, subj.id), kinds=[DUE_JOB])
    return result.rowcount or 0


@events.on_reply
def _on_reply(session: Session, mobile: str, text: str, at: dt.datetime) -> bool:
    return confirm_by_code(session, mobile, text, at)


@events.on_key_press
def _on_key_press(session: Session, instruction_id: int, digits: str, at: dt.datetime) -> bool:
    return confirm_by_key(session, instruction_id, digits, at)
