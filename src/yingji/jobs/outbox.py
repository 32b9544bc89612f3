"""Write and withdraw timers inside the caller's transaction.

Both are single set-based statements through the connection, not ORM objects: timers are
plumbing, so they stay out of the audit log (the notices they produce are audited), and
idempotency is the database's unique key rather than a read-then-write race.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from yingji.db import utcnow
from yingji.jobs.models import Timer, TimerState

Subject = tuple[str, int]


def default_key(kind: str, subject_kind: str, subject_id: int, due_at: dt.datetime) -> str:
    return f"{kind}:{subject_kind}:{subject_id}:{due_at.astimezone(dt.UTC).isoformat()}"


def schedule(
    session: Session,
    kind: str,
    due_at: dt.datetime,
    subject_kind: str,
    subject_id: int,
    payload: dict[str, Any] | None = None,
    key: str | None = None,
) -> int | None:
    """Make sure work ``key`` is pending at ``due_at``; returns its id when this call
    created it or revived a cancelled one, None when it already exists (pending, running,
    done or failed), so calling twice never makes two rows and never redoes finished work."""
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    key = key or default_key(kind, subject_kind, subject_id, due_at)
    values = {
        "kind": kind,
        "due_at": due_at,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "payload": payload or {},
        "key": key,
        "state": TimerState.pending.value,
        "attempts": 0,
        "created_at": utcnow(),
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(Timer).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Timer.key],
        set_={
            "due_at": stmt.excluded.due_at,
            "payload": stmt.excluded.payload,
            "state": TimerState.pending.value,
            "attempts": 0,
            "last_error": None,
            "claimed_by": None,
            "claimed_until": None,
            "finished_at": None,
        },
        where=Timer.state == TimerState.cancelled.value,
    ).returning(Timer.id)
    return session.execute(stmt).scalar()


def cancel(session: Session, subject: Subject, kinds: Iterable[str] | None = None) -> int:
    """Cancel the subject's pending work (of ``kinds``, or all); returns how many rows.

    Running work is left alone: its handler re-checks the subject when it runs."""
    subject_kind, subject_id = subject
    stmt = update(Timer).where(
        Timer.subject_kind == subject_kind,
        Timer.subject_id == subject_id,
        Timer.state == TimerState.pending.value,
    )
    if kinds is not None:
        stmt = stmt.where(Timer.kind.in_(list(kinds)))
    result = session.execute(
        stmt.values(state=TimerState.cancelled.value, finished_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0
