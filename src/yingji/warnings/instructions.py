"""Writing response instructions (响应指令) for a warning's targets.

A progressive response (分段、分级) re-runs targeting as a warning is upgraded; whoever was
already called for this warning, or for a warning it updates (the same event), is skipped,
so an upgrade calls only the persons it adds and never re-sends.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from yingji.db import utcnow
from yingji.warnings.instruction_models import Instruction, InstructionState
from yingji.warnings.models import EarlyWarning
from yingji.warnings.targeting import CHUNK, Target

_T = Instruction.__table__


def event_warning_ids(session: Session, warning: EarlyWarning) -> list[int]:
    """This warning and every warning it updates, following ``replaces_id`` upward."""
    ids = [warning.id]
    current = warning.replaces_id
    while current is not None and current not in ids:
        ids.append(current)
        current = session.scalar(select(EarlyWarning.replaces_id).where(EarlyWarning.id == current))
    return ids


def already_called(session: Session, warning: EarlyWarning) -> set[int]:
    """Persons already called (round 0) for this warning's event. A superior who only got
    an escalation about others has not been called for the warning itself."""
    stmt = select(_T.c.person_id).where(
        _T.c.warning_id.in_(event_warning_ids(session, warning)), _T.c.round == 0
    )
    return set(session.connection().execute(stmt).scalars())


def call_key(warning_id: int, person_id: int) -> str:
    """The idempotency key of a warning's call to a person (see ``Instruction``)."""
    return f"w{warning_id}:p{person_id}"


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def write_instructions(session: Session, warning: EarlyWarning, targets: Sequence[Target]) -> int:
    """Insert a pending instruction for each target not yet called for this event, with one
    executemany per chunk; how many were written. Only flushes; the caller commits."""
    session.flush()
    skip = already_called(session, warning)
    now = utcnow()
    rows = [
        {
            "key": call_key(warning.id, t.person_id),
            "warning_id": warning.id,
            "person_id": t.person_id,
            "region_id": t.region_id,
            "reasons": t.reasons,
            "layer": t.layer,
            "state": InstructionState.pending.value,
            "created_at": now,
            "updated_at": now,
        }
        for t in targets
        if t.person_id not in skip
    ]
    conn = session.connection()
    for batch in _batches(rows):
        conn.execute(insert(_T), batch)
    return len(rows)
