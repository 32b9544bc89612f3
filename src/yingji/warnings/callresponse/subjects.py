"""What instructions are about: a warning or a direct message (the timers' subject).

Call-response handles both the same way; this module maps the subject kind to the
instruction column, the subject's table and the instruction key prefix, and takes the
subject's lock that serialises its follow-up across worker replicas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.instruction_models import Instruction
from yingji.warnings.models import EarlyWarning

_T = Instruction.__table__


@dataclass(frozen=True)
class Subject:
    kind: str
    """"warning" or "direct" (the timer's ``subject_kind``)."""
    id: int

    @property
    def column(self) -> Any:
        return _T.c.warning_id if self.kind == "warning" else _T.c.direct_id

    @property
    def table(self) -> Table:
        return EarlyWarning.__table__ if self.kind == "warning" else DirectMessage.__table__

    @property
    def key_prefix(self) -> str:
        """``w12`` / ``d3``: how instruction keys of this subject start."""
        return f"{'w' if self.kind == 'warning' else 'd'}{self.id}"

    @property
    def values(self) -> dict[str, int | None]:
        """The subject columns of an instruction row."""
        return {
            "warning_id": self.id if self.kind == "warning" else None,
            "direct_id": self.id if self.kind == "direct" else None,
        }


def subject(kind: str, subject_id: int) -> Subject:
    if kind not in ("warning", "direct"):
        raise ValueError(f"call-response subject must be warning or direct, not {kind!r}")
    return Subject(kind, subject_id)


def lock(session: Session, subj: Subject) -> bool:
    """Hold the subject's row until this transaction ends; False when it does not exist.

    Worker replicas following up the same warning queue here, so the second one reads what
    the first committed and finds nothing left to do. PostgreSQL locks the row FOR NO KEY
    UPDATE, which still lets instructions referencing it be inserted meanwhile; SQLite
    takes its single write lock by writing the row unchanged."""
    table = subj.table
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        found = conn.execute(
            select(table.c.id).where(table.c.id == subj.id).with_for_update(key_share=True)
        ).first()
        return found is not None
    result = conn.execute(
        update(table).where(table.c.id == subj.id).values(created_at=table.c.created_at)
    )
    return bool(result.rowcount)
