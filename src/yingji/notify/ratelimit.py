"""Per-channel rate limits of one process (gateways cap SMS at 3-100/s and calls at 1-10/s,
reference §5): a token bucket per channel, shared by the process's sender threads."""

from __future__ import annotations

import threading
import time
from typing import Any

from yingji.config import get_settings

EPSILON = 1e-6


class TokenBucket:
    """``rate`` messages per second with bursts of up to ``burst``: ``take(n)`` waits for
    at least one token and grants as many of ``n`` as are there. Shared by the threads of
    one process; ``clock`` and ``sleep`` are injectable so tests count tokens, not time."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Any = time.monotonic,
        sleep: Any = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self.tokens = self.capacity
        self.clock, self.sleep = clock, sleep
        self.stamp = clock()
        self.taken = 0
        self._lock = threading.Lock()

    def take(self, wanted: int) -> int:
        if wanted <= 0:
            return 0
        while True:
            with self._lock:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1 - EPSILON:  # float refills land a hair below whole
                    granted = min(wanted, int(self.tokens + EPSILON))
                    self.tokens = max(0.0, self.tokens - granted)
                    self.taken += granted
                    return granted
                wait = max((1 - self.tokens) / self.rate, EPSILON)
            self.sleep(wait)


LIMITERS: dict[str, TokenBucket | None] = {}
"""Per-process buckets by channel (``None``: not limited); tests may put their own."""
_LIMITERS_LOCK = threading.Lock()


def limiter(channel: str) -> TokenBucket | None:
    with _LIMITERS_LOCK:
        if channel not in LIMITERS:
            rate = get_settings().channel_rates.get(channel)
            LIMITERS[channel] = TokenBucket(rate) if rate else None
        return LIMITERS[channel]
