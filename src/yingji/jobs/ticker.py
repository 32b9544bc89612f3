"""What publishes the Celery tasks: a kick when deliveries commit, and a tick every second.

The kick (registered with :func:`yingji.jobs.backend.on_kick` in every process that writes
deliveries: ``yingji serve`` and the workers themselves) publishes drain tasks at once,
one per 500 due rows of a channel (capped), so several workers share one big dispatch.

The ticker runs in each ``yingji worker``: every second it looks at the database and
publishes ``run_due`` when timers are due and a drain task per channel with due rows
(retries after their back-off, claims left by a crashed worker, rows written by a process
that could not reach the broker). With several workers each ticks; the duplicates are
harmless (they claim nothing) and short-lived: tick tasks expire after a few seconds, so
they never pile up in a queue behind a long dispatch.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from celery import Celery
from sqlalchemy import Engine, and_, func, or_, select

from yingji.db import utcnow
from yingji.jobs import backend
from yingji.jobs.models import Timer, TimerState
from yingji.jobs.tasks import publish_drains, publish_run_due

log = logging.getLogger(__name__)


def due_deliveries(
    engine: Engine, now: dt.datetime | None = None, channels: Iterable[str] | None = None
) -> dict[str, int]:
    """Due rows per channel: pending and due, or claimed by a worker whose lease ran out."""
    from yingji.notify.models import Delivery, DeliveryState

    now = now or utcnow()
    due = or_(
        and_(Delivery.state == DeliveryState.pending.value, Delivery.due_at <= now),
        and_(Delivery.state == DeliveryState.sending.value, Delivery.claimed_until < now),
    )
    stmt = select(Delivery.channel, func.count()).where(due).group_by(Delivery.channel)
    if channels is not None:
        stmt = stmt.where(Delivery.channel.in_(list(channels)))
    with engine.connect() as conn:
        return {channel: count for channel, count in conn.execute(stmt)}


def timers_due(engine: Engine, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    due = or_(
        and_(Timer.state == TimerState.pending.value, Timer.due_at <= now),
        and_(Timer.state == TimerState.running.value, Timer.claimed_until < now),
    )
    with engine.connect() as conn:
        return conn.execute(select(Timer.id).where(due).limit(1)).first() is not None


class BrokerKicker:
    """``backend.kick(channels)`` → drain tasks for those channels, sized by their rows."""

    def __init__(self, app: Celery, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    def __call__(self, channels: frozenset[str]) -> None:
        try:
            counts = due_deliveries(self.engine, channels=channels)
            publish_drains(self.app, {c: counts.get(c, 0) for c in sorted(channels)})
        except Exception:  # the broker or database is away: the workers' ticks catch up
            log.warning("could not publish drain tasks for %s", sorted(channels), exc_info=True)


@contextmanager
def publishing(app: Celery, engine: Engine) -> Iterator[BrokerKicker]:
    """While inside, new deliveries in this process are announced on the broker."""
    kicker = BrokerKicker(app, engine)
    backend.on_kick(kicker)
    try:
        yield kicker
    finally:
        backend.off_kick(kicker)


class Ticker:
    """Publishes due work every ``interval`` seconds and runs the periodic upkeep."""

    def __init__(self, app: Celery, engine: Engine, interval: float = 1.0) -> None:
        from yingji.jobs.worker import Worker
        from yingji.notify.pool import configured_channels

        self.app = app
        self.engine = engine
        self.interval = interval
        self.expires = max(5.0, 5 * interval)
        self._upkeep = Worker(engine)
        self.channels = set(configured_channels())
        """Channels this worker can send (assumed the same on every worker): rows of others
        wait rather than make a task fail every second."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Publish once; returns the tasks published per queue kind."""
        now = now or utcnow()
        run_due = timers_due(self.engine, now)
        if run_due:
            publish_run_due(self.app, expires=self.expires)
        # one task per channel per tick: the kick did the fan-out; a backlog gains a
        # drainer each second until the worker's slots are busy.
        counts = {c: 1 for c in due_deliveries(self.engine, now) if c in self.channels}
        drains = publish_drains(self.app, counts, expires=self.expires)
        return {"run_due": int(run_due), "drain": drains}

    def loop(self) -> None:
        from yingji.jobs.registry import load_handlers

        load_handlers()
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # the broker or database is away for a moment
                log.warning("ticker: could not publish due work", exc_info=True)
            self._upkeep.upkeep()
            self._stop.wait(self.interval)

    def start(self) -> Ticker:
        self._thread = threading.Thread(target=self.loop, name="yingji-ticker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
