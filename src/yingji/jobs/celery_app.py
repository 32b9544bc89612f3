"""The Celery application used when ``YINGJI_BROKER_URL`` is set (RabbitMQ or Redis).

The database stays the source of truth: a task only says "look at channel X now" or "run
the due timers now", and the work it does claims rows with ``FOR UPDATE SKIP LOCKED`` and a
lease. So a task delivered twice, or a task whose worker died, claims nothing or retakes
expired claims; no message is lost if the broker loses a task (the ticker re-publishes).

Queues: ``yingji.jobs`` for timers and one ``yingji.send.{channel}`` per channel, so a slow
voice gateway never holds the SMS queue. Tasks are acknowledged late, one at a time, with
JSON bodies.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from celery import Celery
from kombu import Queue

log = logging.getLogger(__name__)

RUN_DUE = "yingji.run_due"
DRAIN = "yingji.drain"
DEFAULT_CHANNELS = ("sms", "voice", "terminal", "email", "inbox")
"""Channels whose queues a worker consumes besides the installed plugins' ones."""


def jobs_queue(app: Celery) -> str:
    """``yingji.jobs``: the prefix is the app's name, so two installations (or two test
    runs) can share one broker without taking each other's tasks."""
    return f"{app.main}.jobs"


def send_queue(app: Celery, channel: str) -> str:
    return f"{app.main}.send.{channel}"


def known_channels() -> list[str]:
    """Channel names a worker listens for: the built-in ones and installed plugins."""
    from yingji.notify.registry import available_channels

    return sorted({*DEFAULT_CHANNELS, *available_channels()})


def all_queues(app: Celery, channels: Iterable[str] | None = None) -> list[str]:
    return [jobs_queue(app), *(send_queue(app, c) for c in (channels or known_channels()))]


def create_celery(broker_url: str, prefix: str = "yingji", **overrides: Any) -> Celery:
    """A Celery app on ``broker_url`` with Yingji's tasks registered; its queues are named
    ``{prefix}.jobs`` and ``{prefix}.send.{channel}``."""
    app = Celery(prefix, broker=broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=f"{prefix}.jobs",
        task_create_missing_queues=True,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        # a publish from a web request must not hang when the broker is away: the ticker
        # publishes again within a second once it is back.
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        # Redis redelivers an unacknowledged task after this; drains finish well within it.
        broker_transport_options={"visibility_timeout": 3600},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        timezone="UTC",
    )
    app.conf.update(overrides)
    app.conf.task_queues = [Queue(q) for q in all_queues(app)]
    from yingji.jobs import tasks

    tasks.register(app)
    return app


@lru_cache
def get_celery(broker_url: str | None = None) -> Celery:
    """The process's Celery app for the configured broker and queue prefix."""
    from yingji.config import get_settings

    settings = get_settings()
    url = broker_url or settings.broker_url
    if not url:
        raise RuntimeError("YINGJI_BROKER_URL 未设置 / YINGJI_BROKER_URL is not set")
    return create_celery(url, settings.broker_queue_prefix)


def __getattr__(name: str) -> Celery:
    """``celery -A yingji.jobs.celery_app`` finds ``app`` (built on first use)."""
    if name == "app":
        return get_celery()
    raise AttributeError(name)
