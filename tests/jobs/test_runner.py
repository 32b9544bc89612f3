"""The outbox: idempotent scheduling, cancelling, running due work once, retries with
backoff, giving up, and re-running work whose worker crashed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select

from yingji import jobs
from yingji.config import get_settings
from yingji.db import session_factory, utcnow
from yingji.jobs.models import Timer
from yingji.jobs.runner import backoff, claim, run_one
from yingji.notices.models import Notice

T0 = dt.datetime(2030, 3, 1, 1, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _schedule(engine: Engine, kind: str, due: dt.datetime, key: str, **payload: object) -> int:
    with session_factory(engine).begin() as s:
        timer_id = jobs.schedule(s, kind, due, "test", 1, {"region_id": 1, **payload}, key)
    assert timer_id is not None
    return timer_id


def _row(engine: Engine, timer_id: int) -> Timer:
    with session_factory(engine)() as s:
        row = s.get(Timer, timer_id)
        assert row is not None
        return row


def _notices(engine: Engine, key: str) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).where(Notice.key == key)) or 0


def test_schedule_twice_makes_one_row_and_cancel_revives(db: Engine, seen: list[str]) -> None:
    first = _schedule(db, "test.note", T0, "k1")
    with session_factory(db).begin() as s:
        assert jobs.schedule(s, "test.note", T0 + MINUTE, "test", 1, {}, "k1") is None
        assert jobs.cancel(s, ("test", 1), ["other.kind"]) == 0
        assert jobs.cancel(s, ("test", 1)) == 1
    assert _row(db, first).state == "cancelled"
    assert jobs.run_due(db, now=T0 + MINUTE)["claimed"] == 0
    with session_factory(db).begin() as s:  # scheduling again brings the same row back
        assert jobs.schedule(s, "test.note", T0, "test", 1, {"region_id": 1}, "k1") == first
    assert jobs.run_due(db, now=T0)["done"] == 1
    with session_factory(db).begin() as s:  # finished work is never redone by scheduling
        assert jobs.schedule(s, "test.note", T0, "test", 1, {"region_id": 1}, "k1") is None
    assert jobs.run_due(db, now=T0 + MINUTE)["claimed"] == 0
    assert seen == ["k1"] and _notices(db, "k1") == 1


def test_only_due_work_runs_once_in_due_order(db: Engine, seen: list[str]) -> None:
    later = _schedule(db, "test.note", T0 + 10 * MINUTE, "later")
    _schedule(db, "test.note", T0, "first")
    _schedule(db, "test.note", T0 + MINUTE, "second")
    assert jobs.run_due(db, now=T0 + 2 * MINUTE) == {
        "claimed": 2,
        "done": 2,
        "retry": 0,
        "failed": 0,
        "lost": 0,
    }
    assert seen == ["first", "second"]
    assert _row(db, later).state == "pending"
    assert jobs.run_due(db, now=T0 + 2 * MINUTE)["claimed"] == 0


def test_failures_retry_with_backoff_then_succeed(db: Engine) -> None:
    timer_id = _schedule(db, "test.flaky", T0, "flaky", succeed_on=3)
    assert jobs.run_due(db, now=T0)["retry"] == 1
    row = _row(db, timer_id)
    assert row.state == "pending" and row.attempts == 1
    assert row.last_error == "ConnectionError: gateway down (attempt 1)"
    assert row.due_at == T0 + backoff(1) and backoff(2) == 2 * backoff(1)
    assert jobs.run_due(db, now=T0 + backoff(1) - dt.timedelta(seconds=1))["claimed"] == 0
    assert jobs.run_due(db, now=T0 + backoff(1))["retry"] == 1
    assert jobs.run_due(db, now=T0 + dt.timedelta(hours=2))["done"] == 1
    row = _row(db, timer_id)
    assert row.state == "done" and row.attempts == 3 and row.claimed_until is None


def test_gives_up_after_the_last_attempt(db: Engine) -> None:
    timer_id = _schedule(db, "test.flaky", T0, "hopeless")
    unknown = _schedule(db, "no.such.kind", T0, "unknown")
    now = T0
    for _ in range(get_settings().job_max_attempts):
        jobs.run_due(db, now=now)
        now += dt.timedelta(hours=2)
    assert _row(db, timer_id).state == "failed"
    row = _row(db, unknown)
    assert row.state == "failed" and "no handler registered" in (row.last_error or "")
    assert jobs.run_due(db, now=now + dt.timedelta(days=1))["claimed"] == 0


def test_crashed_claim_is_run_again_once(db: Engine, seen: list[str]) -> None:
    """A worker claims a row and dies; once its lease runs out another worker runs it, and
    the dead worker's late finish is refused."""
    timer_id = _schedule(db, "test.note", T0, "crash")
    factory = session_factory(db)
    with factory.begin() as s:
        assert claim(s, "dead-worker", T0, 10) == [timer_id]
    lease = dt.timedelta(seconds=get_settings().job_lease_seconds)
    assert jobs.run_due(db, now=T0 + lease - MINUTE)["claimed"] == 0  # still its claim
    counts = jobs.run_due(db, now=T0 + lease + MINUTE, worker="second-worker")
    assert counts["claimed"] == 1 and counts["done"] == 1
    row = _row(db, timer_id)
    assert row.state == "done" and row.claimed_by == "second-worker" and row.attempts == 2
    assert run_one(factory, timer_id, "dead-worker", T0) == "lost"
    assert _notices(db, "crash") == 1 and seen == ["crash", "crash"]


def test_cli_lists_and_runs_due_jobs(cli, db: Engine) -> None:
    _schedule(db, "test.note", T0, "cli-job")
    listed = cli("jobs", "list", "--state", "pending")
    assert listed.exit_code == 0 and "test.note" in listed.output
    ran = cli("jobs", "run-due", "--now", "2030-03-01T10:00:00")  # Beijing time
    assert ran.exit_code == 0, ran.output
    assert "done 1" in ran.output
    assert "test.note" in cli("jobs", "list", "--state", "done").output
    assert cli("jobs", "list", "--state", "nonsense").exit_code == 1
    assert cli("jobs", "run-due", "--now", "tomorrow").exit_code == 1
    _schedule(db, "test.note", utcnow() - MINUTE, "cli-worker")
    once = cli("worker", "--once")
    assert once.exit_code == 0 and "done 1" in once.output, once.output
