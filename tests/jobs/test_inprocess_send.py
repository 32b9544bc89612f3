"""Without a broker the same work runs in-process: the web app's background (job worker and
one sender thread per channel) and ``yingji worker`` in the foreground both deliver every
message once. With a broker the app runs neither and only announces deliveries on it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from yingji.app import create_app
from yingji.config import Settings
from yingji.jobs import backend
from yingji.jobs.ticker import BrokerKicker
from yingji.notify.simulator import GatewaySimulator

from .brokers import broker_url, scratch_app
from .calls import Process, assert_each_once, make_calls, sent_count, simulator_settings, wait_for


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatewaySimulator]:
    with GatewaySimulator() as simulator, simulator_settings(simulator, monkeypatch):
        yield simulator


def test_the_app_sends_in_process(db: Engine, sim: GatewaySimulator) -> None:
    engine = db  # earlier timers (the demo's warnings) set aside: only our deliveries
    app = create_app(Settings(worker_mode="inprocess", worker_poll_seconds=0.2), engine=engine)
    with TestClient(app):
        senders = app.state.senders
        assert senders is not None and senders.alive and app.state.worker.alive
        make_calls(engine, 60)  # the commit kicks the SMS sender thread
        assert wait_for(lambda: sent_count(db) >= 60, timeout=60)
        sim.wait_idle()
    assert not senders.alive and not app.state.worker.alive
    assert senders.wake not in backend._KICKERS
    assert_each_once(sim, engine, 60)


def test_worker_once_sends_what_is_due(cli, db: Engine, sim: GatewaySimulator) -> None:
    engine = db
    make_calls(engine, 40)
    result = cli("worker", "--once")
    assert result.exit_code == 0, result.output
    assert "sms sent 40" in result.output
    assert_each_once(sim, engine, 40)


def test_foreground_worker_sends_and_stops_cleanly(db: Engine, sim: GatewaySimulator) -> None:
    """``yingji worker`` without a broker, as a separate process (another machine)."""
    engine = db
    env = {
        **os.environ,
        "YINGJI_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "YINGJI_SMS_GATEWAY_URL": sim.sms_url,
        "YINGJI_WORKER_POLL_SECONDS": "0.5",
    }
    env.pop("YINGJI_BROKER_URL", None)
    with Process(["worker"], env) as worker:
        assert worker.wait_line("started"), worker.output
        make_calls(engine, 50)  # another process's commit: found by polling
        sent = wait_for(lambda: sent_count(db) >= 50, timeout=60)
        code = worker.stop()
    assert sent, worker.output
    assert code == 0, worker.output
    assert "stopped" in worker.output
    sim.wait_idle()
    assert_each_once(sim, engine, 50)


def test_with_a_broker_the_app_only_announces(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """worker_mode does not matter once a broker is set: nothing runs in the app."""
    from yingji.config import get_settings
    from yingji.jobs.celery_app import get_celery, send_queue

    url = broker_url("redis")
    prefix = f"yingji-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("YINGJI_BROKER_QUEUE_PREFIX", prefix)
    get_settings.cache_clear()
    get_celery.cache_clear()
    settings = Settings(worker_mode="inprocess", broker_url=url)
    app = create_app(settings, engine=sqlite_engine)
    try:
        with TestClient(app):
            assert app.state.worker is None and app.state.senders is None
            kickers = [k for k in backend._KICKERS if isinstance(k, BrokerKicker)]
            assert len(kickers) == 1
            make_calls(sqlite_engine, 10)
            celery = get_celery(url)
            with celery.connection_for_write() as conn:
                queued = conn.default_channel.queue_declare(send_queue(celery, "sms"), passive=True)
            assert queued.message_count == 1
        assert not [k for k in backend._KICKERS if isinstance(k, BrokerKicker)]
    finally:
        with scratch_app(url) as scratch:  # delete the queues under that prefix
            scratch.main = prefix
        monkeypatch.delenv("YINGJI_BROKER_QUEUE_PREFIX")
        get_settings.cache_clear()
        get_celery.cache_clear()
