"""The polling worker: a background thread inside ``yingji serve``, or the main loop of
``yingji worker`` processes on other machines. Both call :func:`run_due` (and the periodic
upkeep tasks), so any number of them may run against one PostgreSQL database."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from yingji.config import Settings
from yingji.jobs.registry import load_handlers, periodic
from yingji.jobs.runner import run_due, worker_name

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


@contextmanager
def inprocess(engine: Engine, settings: Settings) -> Iterator[Worker | None]:
    """The web app's worker for its lifetime, when ``worker_mode`` is ``inprocess``."""
    if settings.worker_mode != "inprocess":
        yield None
        return
    worker = Worker(engine, settings.worker_poll_seconds)
    worker.start()
    log.info("in-process job worker %s started", worker.name)
    try:
        yield worker
    finally:
        worker.stop()
