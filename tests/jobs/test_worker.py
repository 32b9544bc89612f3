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
