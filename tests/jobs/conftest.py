"""Job kinds for the scheduler's own tests, and a database whose earlier timers are set
aside so counts are about the test's jobs only."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from set_aside import set_aside_demo_calls
from yingji import jobs
from yingji.jobs.models import Timer
from yingji.notices import service as notices

SEEN: list[str] = []
"""Keys the ``test.note`` handler ran for, in order (a crash rolls back the notice, not
this list, so it counts real runs)."""
SIGNAL = threading.Event()


@jobs.handler("test.note")
def note(session: Session, job: jobs.Job) -> None:
    """Deliver a notice keyed like the job, so a repeated delivery is visible."""
    SEEN.append(job.key)
    notices.issue(
        session,
        kind="circular",
        title=f"test {job.key}",
        body="test",
        region_id=job.payload["region_id"],
        key=job.key,
        subject=(job.subject_kind, job.subject_id),
    )


@jobs.handler("test.flaky")
def flaky(session: Session, job: jobs.Job) -> None:
    """Fails until the attempt named in the payload."""
    if job.attempts < job.payload.get("succeed_on", 10**6):
        raise ConnectionError(f"gateway down (attempt {job.attempts})")


@jobs.handler("test.signal")
def signal(session: Session, job: jobs.Job) -> None:
    SIGNAL.set()


@pytest.fixture(autouse=True)
def _no_demo_calls(request: pytest.FixtureRequest) -> None:
    """The demo's red warning leaves deliveries and timers; tests here count their own."""
    for name in ("engine", "sqlite_engine"):
        if name in request.fixturenames:
            set_aside_demo_calls(request.getfixturevalue(name))


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    with engine.begin() as conn:
        conn.execute(update(Timer).values(state="cancelled"))
    SEEN.clear()
    SIGNAL.clear()
    yield engine


@pytest.fixture
def seen() -> list[str]:
    """The keys ``test.note`` ran for during this test."""
    return SEEN


@pytest.fixture
def ran_signal() -> threading.Event:
    """Set when a ``test.signal`` job has run."""
    return SIGNAL
