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
    """Persons holding an instruction for this warning's event."""
    stmt = select(_T.c.person_id).where(_T.c.warning_id.in_(event_warning_ids(session, warning)))
    return set(session.connection().execute(stmt).scalars())


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
            "warning_id": warning.id,
            "person_id": t.person_id,
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
