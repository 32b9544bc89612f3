"""Reactions between domains: one domain says what happened, others act on it in the same
transaction, and neither imports the other.

Call-response sits below resources and incidents (they send through it), so it cannot call
them; it announces ``instruction.confirmed`` instead, and a dispatch order whose call was
answered moves to acknowledged. The listening modules are named in :data:`MODULES` and
imported on the first announcement, so a worker process that takes an SMS reply reacts
exactly as the web process does.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

MODULES: tuple[str, ...] = ("yingji.resources.reactions", "yingji.incidents.reactions")
"""Modules whose import registers listeners, one line per domain."""

Listener = Callable[..., None]
_LISTENERS: dict[str, list[Listener]] = defaultdict(list)
_loaded: list[bool] = []


def on(event: str) -> Callable[[Listener], Listener]:
    """Register ``fn(session, **data)`` for ``event``."""

    def register(fn: Listener) -> Listener:
        if fn not in _LISTENERS[event]:
            _LISTENERS[event].append(fn)
        return fn

    return register


def emit(session: Session, event: str, **data: Any) -> None:
    """Run every listener of ``event`` in the caller's transaction; an error in one rolls
    the whole step back, as it would if the code were inline."""
    if not _loaded:
        for name in MODULES:
            importlib.import_module(name)
        _loaded.append(True)
    for fn in list(_LISTENERS[event]):
        fn(session, **data)
