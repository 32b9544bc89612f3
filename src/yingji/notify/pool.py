"""In-process senders: one thread per channel, each draining its own outbox rows.

A thread wakes when the outbox kicks its channel (new deliveries committed in this process)
and otherwise polls every ``interval`` seconds, which also picks up rows written by other
processes and retries whose back-off has passed. One thread per channel is what keeps a slow
or failing gateway from delaying any other channel.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from sqlalchemy import Engine

from yingji.jobs import backend
from yingji.jobs.runner import worker_name
from yingji.notify.base import ChannelNotConfigured
from yingji.notify.registry import available_channels
from yingji.notify.sender import channel_named, drain

log = logging.getLogger(__name__)


def configured_channels() -> list[str]:
    """Installed channels the deployment has set up (a gateway URL, an SMTP host...)."""
    names = []
    for name in sorted(available_channels()):
        try:
            channel_named(name)
        except ChannelNotConfigured:
            continue
        except Exception:  # a broken plugin must not stop the other channels
            log.exception("channel %s cannot be loaded", name)
            continue
        names.append(name)
    return names


class SenderPool:
    """``start()`` / ``stop()``; ``wake(channels)`` drains them now."""

    def __init__(
        self,
        engine: Engine,
        channels: Iterable[str] | None = None,
        interval: float = 1.0,
        batch: int = 500,
        threads: int = 1,
    ) -> None:
        self.engine = engine
        self.channels = list(channels) if channels is not None else None
        self.interval = interval
        self.batch = batch
        self.threads = max(1, threads)
        """Threads per channel: claims are disjoint, so two overlap one batch's database
        work with another's gateway round trip."""
        self.name = worker_name()
        self._stop = threading.Event()
        self._wakes: dict[str, threading.Event] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> SenderPool:
        if self.channels is None:
            self.channels = configured_channels()
        self._stop.clear()
        for channel in self.channels:
            wake = self._wakes[channel] = threading.Event()
            for n in range(self.threads):
                thread = threading.Thread(
                    target=self._loop,
                    args=(channel, wake),
                    name=f"sender-{channel}-{n}",
                    daemon=True,
                )
                self._threads.append(thread)
                thread.start()
        backend.on_kick(self.wake)
        log.info("senders %s started for %s", self.name, ", ".join(self.channels) or "-")
        return self

    def wake(self, channels: Iterable[str] | None = None) -> None:
        for channel in self._wakes if channels is None else channels:
            event = self._wakes.get(channel)
            if event is not None:
                event.set()

    def _loop(self, channel: str, wake: threading.Event) -> None:
        while not self._stop.is_set():
            wake.clear()
            try:
                drain(
                    self.engine,
                    channel,
                    worker=self.name,
                    limit=self.batch,
                    stop=self._stop,
                )
            except Exception:  # the database or the gateway may be away for a moment
                log.exception("sender %s: draining %s failed", self.name, channel)
            wake.wait(self.interval)

    def stop(self, timeout: float = 30.0) -> None:
        backend.off_kick(self.wake)
        self._stop.set()
        for event in self._wakes.values():
            event.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self._wakes.clear()

    @property
    def alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def __enter__(self) -> SenderPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
