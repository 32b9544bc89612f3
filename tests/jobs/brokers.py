"""The machine's RabbitMQ and Redis for the Celery tests, each on queues of its own name so
that test runs (and a real installation) sharing a broker never take each other's tasks."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import ClassVar

import pytest
from celery import Celery, bootsteps
from kombu import Connection

from yingji.jobs.celery_app import all_queues, create_celery

BROKERS = {
    "rabbitmq": os.environ.get("YINGJI_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
    "redis": os.environ.get("YINGJI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
}
_reasons: dict[str, str] = {}


def broker_url(name: str) -> str:
    """The broker's URL, or skip the test (saying why) when it does not answer."""
    url = BROKERS[name]
    if name not in _reasons:
        try:
            with Connection(url, connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
            _reasons[name] = ""
        except Exception as exc:  # any failure means: skip this broker, say why
            _reasons[name] = f"{name} not reachable at {url}: {type(exc).__name__}: {exc}"
    if _reasons[name]:
        print(f"\nSKIP {name}: {_reasons[name]}")
        pytest.skip(_reasons[name])
    return url


class QuickStop(bootsteps.StartStopStep):
    """Wakes the worker's event loop five times a second, so a worker stopped from another
    thread (no signal to interrupt its poll) stops at once instead of within 10 s."""

    requires: ClassVar[set[str]] = {"celery.worker.components:Hub"}

    def start(self, worker: object) -> None:
        hub = getattr(worker, "hub", None)
        if hub is not None:
            hub.call_repeatedly(0.2, _nothing)


def _nothing() -> None:
    return None


@contextlib.contextmanager
def scratch_app(url: str) -> Iterator[Celery]:
    """A Celery app with queues named for this test; the queues are deleted afterwards."""
    app = create_celery(url, prefix=f"yingji-test-{uuid.uuid4().hex[:8]}")
    app.steps["worker"].add(QuickStop)
    try:
        yield app
    finally:
        with contextlib.suppress(Exception), app.connection_for_write() as conn:
            channel = conn.default_channel
            for queue in all_queues(app):
                with contextlib.suppress(Exception):
                    channel.queue_delete(queue)
        app.close()
