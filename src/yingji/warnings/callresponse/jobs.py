"""The call-response timers: redial, then escalate, what is still unanswered; withdraw the
calls of a cancelled warning.

One timer per subject (warning or direct message) and due time, not one per instruction:
100,000 calls sharing a deadline are one timer row whose handler works on all of them with
set-based statements, then re-arms itself at the subject's next ``next_action_at``. Timers
are rows, so a restarted worker resumes where the last one stopped; replicas on PostgreSQL
queue on the subject's row lock (``subjects.lock``) and every write carries a key or a
guard, so running the same work twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.orm import Session

from yingji import bulk, jobs
from yingji.db import utcnow
from yingji.notify import outbox
from yingji.people.models import Person
from yingji.regions.models import Region
from yingji.warnings.callresponse import service
from yingji.warnings.callresponse.escalation import DUE_STATES, Unanswered, escalate
from yingji.warnings.callresponse.policy import policy_from_text
from yingji.warnings.callresponse.subjects import Subject, lock, subject
from yingji.warnings.instruction_models import Instruction

_T = Instruction.__table__
DUE_JOB = service.DUE_JOB
WITHDRAW_JOB = "warning.withdraw"
RETRY_GAP = dt.timedelta(seconds=1)
"""When work is left due after a run (rows written meanwhile), look again this soon."""


def schedule_due(session: Session, subject_kind: str, subject_id: int, at: dt.datetime) -> None:
    """Make sure the subject's follow-up runs at ``at`` (one timer per subject and time)."""
    subject(subject_kind, subject_id)
    jobs.schedule(session, DUE_JOB, at, subject_kind, subject_id)


def _due_rows(session: Session, subj: Subject, now: dt.datetime) -> list[Any]:
    stmt = (
        select(
            _T.c.id,
            _T.c.person_id,
            Person.name,
            _T.c.region_id,
            Region.name.label("region_name"),
            Region.level.label("region_level"),
            Region.parent_id,
            _T.c.round,
            _T.c.redials,
            cast(_T.c.policy, Text).label("policy"),
            _T.c.plan_version_id,
            _T.c.next_action_at,
        )
        .join(Person, Person.id == _T.c.person_id)
        .outerjoin(Region, Region.id == _T.c.region_id)
        .where(
            subj.column == subj.id,
            _T.c.next_action_at <= now,
            _T.c.confirmed_at.is_(None),
            _T.c.state.in_(DUE_STATES),
        )
        .order_by(_T.c.id)
    )
    return session.connection().execute(stmt).all()


def _redial(session: Session, rows: list[Any], now: dt.datetime) -> int:
    """One more voice call each (``redial`` n), the next look one step later; guarded on
    the redial count so a repeated run neither calls twice nor skips a step."""
    groups: dict[tuple[int, dt.datetime], list[int]] = defaultdict(list)
    for row in rows:
        step = dt.timedelta(seconds=policy_from_text(row.policy).redial_step_seconds)
        following = row.next_action_at + step
        if following <= now:  # a worker that was down catches up without a burst
            following = now + step
        groups[(row.redials, following)].append(row.id)
    total = 0
    for (done, following), ids in groups.items():
        for chunk in bulk.chunks(session, ids):
            stmt = (
                update(_T)
                .where(
                    bulk.among(session, _T.c.id, chunk),
                    _T.c.redials == done,
                    _T.c.confirmed_at.is_(None),
                    _T.c.state.in_(DUE_STATES),
                )
                .values(redials=done + 1, next_action_at=following, updated_at=utcnow())
                .returning(_T.c.id)
            )
            changed = list(session.execute(stmt).scalars())
            total += outbox.enqueue(
                session, [(i, "voice") for i in changed], "redial", now, batch=str(done + 1)
            )
    return total


def next_due(session: Session, subj: Subject) -> dt.datetime | None:
    """When the subject next needs looking at: its earliest open ``next_action_at``."""
    return session.connection().scalar(
        select(func.min(_T.c.next_action_at)).where(
            subj.column == subj.id,
            _T.c.next_action_at.is_not(None),
            _T.c.confirmed_at.is_(None),
            _T.c.state.in_(DUE_STATES),
        )
    )


def follow_up(
    session: Session, subject_kind: str, subject_id: int, now: dt.datetime, batch: str
) -> dict[str, int]:
    """Redial or escalate every unanswered instruction of the subject due by ``now``, then
    re-arm the timer; counts of what was done. ``batch`` tells this run's escalations
    apart from other runs' (the timer id)."""
    subj = subject(subject_kind, subject_id)
    if not lock(session, subj):
        return {"redials": 0}
    rows = _due_rows(session, subj, now)
    redial, unanswered = [], []
    for row in rows:
        policy = policy_from_text(row.policy)
        if row.redials < policy.redials:
            redial.append(row)
        else:
            unanswered.append(
                Unanswered(
                    row.id,
                    row.person_id,
                    row.name,
                    row.region_id,
                    row.region_name,
                    row.region_level,
                    row.parent_id,
                    row.round,
                    policy,
                    row.policy,
                    row.plan_version_id,
                )
            )
    counts = {"redials": _redial(session, redial, now)}
    counts |= escalate(session, subj, unanswered, now, batch)
    following = next_due(session, subj)
    if following is not None:
        schedule_due(session, subj.kind, subj.id, max(following, now + RETRY_GAP))
    return counts


@jobs.handler(DUE_JOB)
def due(session: Session, job: jobs.Job) -> None:
    follow_up(session, job.subject_kind, job.subject_id, job.now, f"t{job.id}")


@jobs.handler(WITHDRAW_JOB)
def withdraw(session: Session, job: jobs.Job) -> None:
    """A cancelled warning: its calls stop (see :func:`service.withdraw`)."""
    subj = subject(job.subject_kind, job.subject_id)
    if lock(session, subj):
        service.withdraw(session, **{f"{subj.kind}_id": subj.id})
