"""The polling worker: a background thread inside ``yingji serve``, or the main loop of
``yingji worker`` processes on other machines. Both call :func:`run_due` (and the periodic
upkeep tasks), so any number of them may run against one PostgreSQL database. Without a
broker the senders run beside it (:class:`Background`); with one, see ``celery_app``."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from yingji.config import Settings
from yingji.jobs.registry import load_handlers, periodic
from yingji.jobs.runner import run_due, worker_name

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)


class Worker:
    """Polls every ``interval`` seconds; drains in batches while work keeps coming."""

    def __init__(self, engine: Engine, interval: float = 5.0, batch: int = 100) -> None:
        self.engine = engine
        self.interval = interval
        self.batch = batch
        self.name = worker_name()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_run: dict[str, float] = {}

    def drain(self) -> dict[str, int]:
        """Run due work until a batch comes back short; returns the summed counts."""
        total: dict[str, int] = {}
        while not self._stop.is_set():
            counts = run_due(self.engine, limit=self.batch, worker=self.name)
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
            if counts["claimed"] < self.batch:
                break
        return total

    def upkeep(self) -> list[str]:
        """Run the periodic tasks whose interval has passed; returns their names."""
        ran = []
        for name, (seconds, task) in periodic().items():
            now = time.monotonic()
            if now - self._last_run.get(name, -math.inf) < seconds:
                continue
            self._last_run[name] = now
            ran.append(name)
            try:
                task(self.engine)
            except Exception:  # upkeep is retried at its next interval
                log.exception("job worker %s: periodic task %s failed", self.name, name)
        return ran

    def loop(self) -> None:
        load_handlers()
        while not self._stop.is_set():
            try:
                self.drain()
            except Exception:  # the database may be away for a moment; try again later
                log.exception("job worker %s: polling failed", self.name)
            self.upkeep()
            self._wake.wait(self.interval)
            self._wake.clear()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.loop, name=f"jobs-{self.name}", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Poll now instead of at the next interval."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


class Background:
    """Everything a process runs in-process without a broker: the job worker (timers) and
    the sender pool (one thread per channel, woken by kicks)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        from yingji.notify.pool import SenderPool

        self.worker = Worker(engine, settings.worker_poll_seconds)
        self.senders = SenderPool(engine)

    def start(self) -> Background:
        self.senders.start()
        self.worker.start()
        return self

    def stop(self) -> None:
        self.worker.stop()
        self.senders.stop()


@contextmanager
def inprocess(engine: Engine, settings: Settings) -> Iterator[Background | None]:
    """What the web app runs for its lifetime.

    The rule: with ``broker_url`` set, ``yingji serve`` runs no timers and sends nothing
    itself, whatever ``worker_mode`` says: it only announces new deliveries on the broker
    and the ``yingji worker`` processes do the work. Without a broker, ``worker_mode``
    ``inprocess`` runs the job worker and the senders in threads; ``off`` runs nothing
    (separate ``yingji worker`` processes do it)."""
    if settings.broker_url:
        from yingji.jobs.celery_app import get_celery
        from yingji.jobs.ticker import publishing

        with publishing(get_celery(settings.broker_url), engine):
            log.info("jobs and sending run in Celery workers on %s", safe_url(settings.broker_url))
            yield None
        return
    if settings.worker_mode != "inprocess":
        yield None
        return
    background = Background(engine, settings).start()
    log.info("in-process job worker %s and senders started", background.worker.name)
    try:
        yield background
    finally:
        background.stop()


def safe_url(url: str) -> str:
    """The broker URL without its password, for logs."""
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(url))


def celery_worker(
    app: Celery,
    engine: Engine,
    *,
    queues: list[str] | None = None,
    concurrency: int = 8,
    pool: str = "threads",
    loglevel: str = "INFO",
    tick_seconds: float = 1.0,
) -> int:
    """Run a Celery worker in the foreground until a signal stops it; returns its exit code.

    Besides consuming the queues it publishes new deliveries of its own tasks (a timer that
    writes escalations) and ticks (see ``ticker``). Threads by default: sending is waiting
    on gateways, and the per-channel rate limits are per process."""
    import socket

    from yingji.jobs.celery_app import all_queues
    from yingji.jobs.ticker import Ticker, publishing

    load_handlers()
    node = f"yingji-{os.getpid()}@{socket.gethostname()}"
    celery = app.Worker(
        hostname=node,
        queues=queues or all_queues(app),
        concurrency=concurrency,
        pool_cls=pool,
        loglevel=loglevel,
        without_gossip=True,
        without_mingle=True,
    )
    ticker = Ticker(app, engine, tick_seconds) if tick_seconds > 0 else None
    with publishing(app, engine):
        if ticker is not None:
            ticker.start()
        try:
            celery.start()
        finally:
            if ticker is not None:
                ticker.stop()
    return int(celery.exitcode or 0)
