"""Celery tasks and their publishers: ``drain(channel)`` sends a channel's due deliveries,
``run_due()`` runs the due timers.

A task carries no rows, only "look now": the rows are claimed from the database with
``SKIP LOCKED`` and a lease, so a duplicate or re-delivered task claims nothing and a task
lost with its worker is made up for by the next tick.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

from celery import Celery
from celery.signals import worker_process_init
from sqlalchemy import Engine

from yingji.jobs.celery_app import DRAIN, RUN_DUE, jobs_queue, send_queue

log = logging.getLogger(__name__)

BATCH = 500
"""Rows one drain task claims at a time; a kick publishes one task per this many rows."""
MAX_FANOUT = 16
"""At most this many drain tasks per channel per kick, however big the dispatch."""

_ENGINE: list[Engine] = []


def use_engine(engine: Engine | None) -> None:
    """Make tasks in this process use ``engine`` (tests, benchmarks); None: the settings'."""
    _ENGINE.clear()
    if engine is not None:
        _ENGINE.append(engine)


def engine() -> Engine:
    if _ENGINE:
        return _ENGINE[0]
    from yingji.db import get_engine

    return get_engine()


@worker_process_init.connect
def _fresh_connections(**_: object) -> None:
    """A forked pool process must not reuse its parent's database connections."""
    engine().dispose(close=False)


def drain_channel(channel: str) -> dict[str, int]:
    """Send ``channel``'s due deliveries until a short batch (body of the drain task)."""
    from yingji.jobs.runner import worker_name
    from yingji.notify.base import ChannelNotConfigured
    from yingji.notify.sender import drain

    try:
        return drain(engine(), channel, worker=worker_name(), limit=BATCH)
    except ChannelNotConfigured as exc:  # rows wait for a worker that has the channel
        log.warning("drain %s skipped: %s", channel, exc.message)
        return {}


def run_due_timers() -> dict[str, int]:
    """Run the due timers until a short batch (body of the run_due task)."""
    from yingji.jobs.registry import load_handlers
    from yingji.jobs.worker import Worker

    load_handlers()
    return Worker(engine()).drain()


def register(app: Celery) -> None:
    app.task(name=DRAIN, ignore_result=True)(drain_channel)
    app.task(name=RUN_DUE, ignore_result=True)(run_due_timers)


def fanout(pending: int) -> int:
    """How many drain tasks share ``pending`` due rows: one per batch, at least one."""
    return max(1, min(math.ceil(pending / BATCH), MAX_FANOUT))


def publish_drains(app: Celery, pending: Mapping[str, int], expires: float | None = None) -> int:
    """Queue drain tasks for each channel's ``pending`` count; returns how many."""
    sent = 0
    for channel, count in pending.items():
        for _ in range(fanout(count)):
            app.send_task(DRAIN, args=[channel], queue=send_queue(app, channel), expires=expires)
            sent += 1
    return sent


def publish_run_due(app: Celery, expires: float | None = None) -> None:
    app.send_task(RUN_DUE, queue=jobs_queue(app), expires=expires)
