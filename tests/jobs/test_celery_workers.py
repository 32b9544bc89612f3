"""Celery workers on RabbitMQ and on Redis run the timers and send the deliveries, each
exactly once, on PostgreSQL and on a SQLite file. The worker is a real Celery worker (a
thread pool consuming the broker's queues) started inside the test process; the broker and
the database are the machine's. Skipped, with the reason printed, when a broker is absent."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from sqlalchemy import Engine, func, select

from yingji import jobs
from yingji.db import session_factory, utcnow
from yingji.jobs import tasks
from yingji.jobs.celery_app import all_queues, send_queue
from yingji.jobs.models import Timer
from yingji.jobs.ticker import Ticker, publishing
from yingji.notify.simulator import GatewaySimulator

from .brokers import broker_url, scratch_app
from .calls import Process, assert_each_once, make_calls, sent_count, simulator_settings, wait_for


@pytest.fixture(params=["rabbitmq", "redis"])
def app(request: pytest.FixtureRequest) -> Iterator[Celery]:
    with scratch_app(broker_url(request.param)) as celery:
        yield celery


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatewaySimulator]:
    with GatewaySimulator() as simulator, simulator_settings(simulator, monkeypatch):
        yield simulator


@contextlib.contextmanager
def running(app: Celery, engine: Engine, tick: bool = True) -> Iterator[None]:
    """A Celery worker on all queues, this process announcing its deliveries, a ticker."""
    tasks.use_engine(engine)
    ticker = Ticker(app, engine, interval=0.2) if tick else None
    try:
        with (
            publishing(app, engine),
            start_worker(
                app,
                pool="threads",
                concurrency=4,
                perform_ping_check=False,
                loglevel="WARNING",
                shutdown_timeout=30,
                queues=all_queues(app),
            ),
        ):
            if ticker is not None:
                ticker.start()
            try:
                yield
            finally:
                if ticker is not None:
                    ticker.stop()
    finally:
        tasks.use_engine(None)


def _timers(engine: Engine, n: int) -> None:
    with session_factory(engine).begin() as s:
        for i in range(n):
            jobs.schedule(s, "test.note", utcnow(), "test", i, {"region_id": 1}, f"celery-{i}")


def _done(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(
            select(func.count())
            .select_from(Timer)
            .where(Timer.key.like("celery-%"), Timer.state == "done")
        )


def test_timers_run_through_run_due(app: Celery, db: Engine, seen: list[str]) -> None:
    _timers(db, 20)
    with running(app, db):
        assert wait_for(lambda: _done(db) == 20, timeout=60), f"only {_done(db)} of 20 timers ran"
    assert sorted(seen) == sorted(f"celery-{i}" for i in range(20))


def test_deliveries_are_sent_once_each(app: Celery, db: Engine, sim: GatewaySimulator) -> None:
    with running(app, db):
        make_calls(db, 200)
        assert wait_for(lambda: sent_count(db) >= 200, timeout=90), (
            f"{sent_count(db)} of 200 deliveries recorded as sent"
        )
        sim.wait_idle()
    assert_each_once(sim, db, 200)


def test_ticker_sends_what_no_kick_announced(
    app: Celery, db: Engine, sim: GatewaySimulator
) -> None:
    """Deliveries written while the broker was not told (a lost kick) go out at the tick."""
    make_calls(db, 30)  # no publishing(): nobody hears of them
    with running(app, db):
        assert wait_for(lambda: sent_count(db) >= 30, timeout=60)
        sim.wait_idle()
    assert_each_once(sim, db, 30)


def test_a_kick_fans_out_one_task_per_batch(app: Celery, db: Engine) -> None:
    """Without a worker, the tasks stay queued where they can be counted."""
    with publishing(app, db):
        make_calls(db, 1200)
    with app.connection_for_write() as conn:
        queued = conn.default_channel.queue_declare(send_queue(app, "sms"), passive=True)
    assert queued.message_count == 3  # 1,200 rows: three tasks of 500


def test_duplicate_drain_tasks_claim_nothing(
    app: Celery, db: Engine, sim: GatewaySimulator
) -> None:
    """Many drain tasks for one channel at once (a redelivered task, several tickers):
    every message still leaves once."""
    make_calls(db, 100)
    for _ in range(12):
        app.send_task("yingji.drain", args=["sms"], queue=send_queue(app, "sms"))
    with running(app, db, tick=False):
        assert wait_for(lambda: sent_count(db) >= 100, timeout=60)
        sim.wait_idle()
    assert_each_once(sim, db, 100)


def test_yingji_worker_process(app: Celery, db: Engine, sim: GatewaySimulator) -> None:
    """``yingji worker`` with a broker set is a Celery worker; SIGTERM stops it cleanly."""
    env = {
        **os.environ,
        "YINGJI_DATABASE_URL": db.url.render_as_string(hide_password=False),
        "YINGJI_BROKER_URL": app.conf.broker_url,
        "YINGJI_BROKER_QUEUE_PREFIX": app.main,
        "YINGJI_SMS_GATEWAY_URL": sim.sms_url,
    }
    with Process(["worker", "--concurrency", "2"], env) as worker:
        assert worker.wait_line(" ready."), worker.output
        with publishing(app, db):  # as `yingji serve` does
            make_calls(db, 100)
        sent = wait_for(lambda: sent_count(db) >= 100, timeout=90)
        code = worker.stop()
    assert sent, worker.output
    assert code == 0, worker.output
    sim.wait_idle()
    assert_each_once(sim, db, 100)
