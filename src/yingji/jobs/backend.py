"""Waking whatever drains the outbox when new deliveries commit.

In-process senders (inside ``yingji serve`` or ``yingji worker``) register a wake-up; with
a Celery broker configured, the Celery backend registers one that queues drain tasks. The
outbox calls :func:`kick` after a commit that added deliveries, so a message leaves within
moments instead of at the next poll; polling still catches anything a lost kick missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Kicker = Callable[[frozenset[str]], None]
_KICKERS: list[Kicker] = []


def on_kick(fn: Kicker) -> Kicker:
    """Register ``fn(channels)`` to be told that these channels have new deliveries."""
    if fn not in _KICKERS:
        _KICKERS.append(fn)
    return fn


def off_kick(fn: Kicker) -> None:
    if fn in _KICKERS:
        _KICKERS.remove(fn)


def kick(channels: Iterable[str]) -> None:
    wanted = frozenset(channels)
    if wanted:
        for fn in list(_KICKERS):
            fn(wanted)
