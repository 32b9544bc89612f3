"""Durable work: timers and the outbox, their handlers and the workers that run them.

``schedule`` and ``cancel`` write inside the caller's transaction; ``run_due`` claims and
runs what is due; ``@handler("kind")`` says what runs for each kind of work and
``@every(seconds, name)`` what upkeep each worker does between polls.
"""

from yingji.jobs.outbox import cancel, schedule
from yingji.jobs.registry import Job, every, handler
from yingji.jobs.runner import run_due

__all__ = ["Job", "cancel", "every", "handler", "run_due", "schedule"]
