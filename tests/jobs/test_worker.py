"""The in-process worker starts and stops with the web app when configured, and not
otherwise; while it runs, due work gets done without anyone calling ``run_due``."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from yingji import jobs
from yingji.app import create_app
from yingji.config import Settings
from yingji.db import session_factory, utcnow


def test_inprocess_worker_runs_with_the_app(db: Engine, ran_signal: threading.Event) -> None:
    app = create_app(Settings(worker_mode="inprocess", worker_poll_seconds=0.2), engine=db)
    with TestClient(app):
        worker = app.state.worker
        assert worker is not None and worker.alive
        with session_factory(db).begin() as s:
            jobs.schedule(s, "test.signal", utcnow(), "test", 1, {}, "signal-1")
        worker.wake()
        assert ran_signal.wait(60), "the in-process worker did not run the due job"
    assert not worker.alive


def test_worker_off_starts_nothing(db: Engine) -> None:
    app = create_app(Settings(worker_mode="off"), engine=db)
    with TestClient(app):
        assert app.state.worker is None
    before = {t.name for t in threading.enumerate()}
    assert not any(name.startswith("jobs-") for name in before)


def test_upkeep_runs_each_periodic_task_once_per_interval(db: Engine) -> None:
    from yingji.jobs.registry import _PERIODIC
    from yingji.jobs.worker import Worker

    calls: list[Engine] = []
    jobs.every(3600, "test.upkeep")(calls.append)
    try:
        worker = Worker(db)
        assert "test.upkeep" in worker.upkeep()
        assert "test.upkeep" not in worker.upkeep()
        assert calls == [db]
    finally:
        _PERIODIC.pop("test.upkeep")


def test_stats_catch_up_is_periodic_upkeep(db: Engine) -> None:
    from yingji.jobs.registry import load_handlers, periodic

    load_handlers()
    seconds, task = periodic()["stats.catch_up"]
    assert seconds == 300
    task(db)  # brings the summaries up to date without error
