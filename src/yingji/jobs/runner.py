"""Claim due work and run it: each row in its own transaction, done exactly once.

A claim is one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``, so
workers on several machines sharing PostgreSQL take disjoint rows without waiting for each
other; on SQLite the database serialises writers and the same conditional UPDATE makes the
claim atomic. The handler's effects and the row's ``done`` mark commit together, so a crash
before the commit leaves the row claimed, and once the claim expires another worker runs it
again from scratch.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from yingji.auth.scope import system_actor
from yingji.config import get_settings
from yingji.db import session_factory, utcnow
from yingji.jobs.models import Timer, TimerState
from yingji.jobs.registry import Job, handler_for

log = logging.getLogger(__name__)
Bind = Engine | sessionmaker[Session]


class LostClaim(RuntimeError):
    """Our claim expired and another worker took the row over; our work is rolled back."""


def worker_name() -> str:
    """host:pid:random, unique per process and readable in ``yingji jobs list``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _factory(bind: Bind) -> sessionmaker[Session]:
    return session_factory(bind) if isinstance(bind, Engine) else bind


def _due(now: dt.datetime) -> Any:
    return or_(
        and_(Timer.state == TimerState.pending.value, Timer.due_at <= now),
        and_(Timer.state == TimerState.running.value, Timer.claimed_until < now),
    )


def claim(session: Session, worker: str, now: dt.datetime, limit: int) -> list[int]:
    """Mark up to ``limit`` due rows (and rows whose claim expired) as ours; returns their
    ids. The caller commits."""
    lease = dt.timedelta(seconds=get_settings().job_lease_seconds)
    picked = (
        select(Timer.id)
        .where(_due(now))
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(Timer)
        .where(Timer.id.in_(picked), _due(now))
        .values(
            state=TimerState.running.value,
            claimed_by=worker,
            claimed_until=now + lease,
            attempts=Timer.attempts + 1,
        )
        .returning(Timer.id)
    )
    ids = session.execute(stmt, execution_options={"synchronize_session": False}).scalars()
    return sorted(ids)


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, ... capped at one hour: a failing channel is retried soon at
    first, then without hammering it."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _job(session: Session, timer_id: int, now: dt.datetime) -> Job:
    row = session.execute(
        select(
            Timer.id,
            Timer.kind,
            Timer.key,
            Timer.subject_kind,
            Timer.subject_id,
            Timer.payload,
            Timer.attempts,
            Timer.due_at,
        ).where(Timer.id == timer_id)
    ).one()
    return Job(*row, now=now)


def _finish(session: Session, timer_id: int, worker: str, values: dict[str, Any]) -> bool:
    result = session.execute(
        update(Timer)
        .where(
            Timer.id == timer_id,
            Timer.claimed_by == worker,
            Timer.state == TimerState.running.value,
        )
        .values(claimed_until=None, **values),
        execution_options={"synchronize_session": False},
    )
    return bool(result.rowcount)


def run_one(factory: sessionmaker[Session], timer_id: int, worker: str, now: dt.datetime) -> str:
    """Run one claimed row; returns done | retry | failed | lost."""
    error = ""
    with factory() as session:
        session.info["actor"] = system_actor("jobs")
        try:
            job = _job(session, timer_id, now)
            run = handler_for(job.kind)
            if run is None:
                raise LookupError(f"no handler registered for job kind {job.kind!r}")
            run(session, job)
            if not _finish(session, timer_id, worker, {"state": "done", "finished_at": utcnow()}):
                raise LostClaim(f"claim on job {timer_id} was taken over")
            session.commit()
            return "done"
        except LostClaim:
            session.rollback()
            return "lost"
        except Exception as exc:  # a failing handler must not stop the worker
            session.rollback()
            log.warning("job %s failed: %s", timer_id, exc, exc_info=True)
            error = f"{type(exc).__name__}: {exc}"[:2000]
    with factory() as session:
        attempts = session.scalar(select(Timer.attempts).where(Timer.id == timer_id)) or 0
        give_up = attempts >= get_settings().job_max_attempts
        values: dict[str, Any] = {"last_error": error}
        if give_up:
            values.update(state=TimerState.failed.value, finished_at=utcnow())
        else:
            values.update(state=TimerState.pending.value, due_at=now + backoff(attempts))
        finished = _finish(session, timer_id, worker, values)
        session.commit()
    if not finished:
        return "lost"
    return "failed" if give_up else "retry"


def run_due(
    bind: Bind, now: dt.datetime | None = None, limit: int = 100, worker: str | None = None
) -> dict[str, int]:
    """Claim up to ``limit`` due rows and run them; returns counts by outcome (claimed,
    done, retry, failed, lost). ``now`` lets tests and ``yingji jobs run-due --now``
    travel in time."""
    factory = _factory(bind)
    now = now or utcnow()
    worker = worker or worker_name()
    with factory() as session:
        ids = claim(session, worker, now, limit)
        session.commit()
    counts: Counter[str] = Counter({"claimed": len(ids)})
    for timer_id in ids:
        counts[run_one(factory, timer_id, worker, now)] += 1
    return {k: counts[k] for k in ("claimed", "done", "retry", "failed", "lost")}
