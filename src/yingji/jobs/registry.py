"""Which function runs each kind of work, and the modules that register them.

A worker process imports :data:`HANDLER_MODULES` before it claims anything, so a timer is
never claimed by a process that does not know its kind.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

HANDLER_MODULES: tuple[str, ...] = (
    "yingji.hazards.reminders",
    "yingji.stats.refresh",
    "yingji.warnings.respond",
    "yingji.warnings.callresponse.jobs",
    "yingji.warnings.polling",
    "yingji.quake.polling",
    "yingji.resources.alerts",
    "yingji.incidents.reporting",
    "yingji.incidents.task_jobs",
)
"""Modules whose import registers handlers or periodic tasks, one line per domain."""


@dataclass(frozen=True)
class Job:
    """What a handler is told about the work it runs; ``now`` is the worker's clock (the
    time a test travels to), so handlers judge "overdue" by it, not by the wall clock."""

    id: int
    kind: str
    key: str
    subject_kind: str
    subject_id: int
    payload: dict[str, Any]
    attempts: int
    due_at: dt.datetime
    now: dt.datetime


Handler = Callable[[Session, Job], None]
_HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """``@jobs.handler("hazard.urge")``: run the function for work of that kind, in the
    work's own transaction. It must be safe to run again after a crash."""

    def register(fn: Handler) -> Handler:
        known = _HANDLERS.get(kind)
        if known is not None and known.__qualname__ != fn.__qualname__:
            raise RuntimeError(f"two handlers for job kind {kind!r}")
        _HANDLERS[kind] = fn
        return fn

    return register


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def kinds() -> list[str]:
    return sorted(_HANDLERS)


Periodic = Callable[[Engine], object]
_PERIODIC: dict[str, tuple[float, Periodic]] = {}


def every(seconds: float, name: str) -> Callable[[Periodic], Periodic]:
    """``@jobs.every(300, "stats.catch_up")``: each worker runs the function about that
    often, between polls. For upkeep that must be safe to run on several machines at once
    and simply skipped when a worker is down (keeping summaries warm), not for deliveries,
    which are timer rows."""

    def register(fn: Periodic) -> Periodic:
        _PERIODIC[name] = (seconds, fn)
        return fn

    return register


def periodic() -> dict[str, tuple[float, Periodic]]:
    return dict(_PERIODIC)


def load_handlers() -> None:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
