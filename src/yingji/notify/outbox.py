"""Write and withdraw deliveries inside the caller's transaction (the transactional outbox).

A delivery row commits with the instruction (or redial, or escalation) that needs it, so a
crash can neither lose a message nor invent one; the row's ``key`` is the idempotency key
the gateway sees. After the caller's commit the senders are kicked, so a message leaves at
once instead of at the next poll.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, event, update
from sqlalchemy.orm import Session

from yingji import bulk
from yingji.db import utcnow
from yingji.jobs import backend
from yingji.notify.models import Delivery, DeliveryState, Purpose

_KICK = "yingji.notify.kick"


def delivery_key(instruction_id: int, channel: str, purpose: str, batch: str = "") -> str:
    key = f"i{instruction_id}:{channel}:{purpose}"
    return f"{key}:{batch}" if batch else key


_KINDS = {
    "key": "text",
    "instruction_id": "int",
    "channel": "text",
    "purpose": "text",
    "state": "text",
    "due_at": "time",
    "attempts": "int",
    "created_at": "time",
}
"""Column types for the bulk insert (one JSON document on PostgreSQL)."""


def enqueue(
    session: Session,
    rows: Sequence[tuple[int, str]],
    purpose: Purpose | str,
    due_at: dt.datetime,
    batch: str = "",
) -> int:
    """One pending delivery per ``(instruction_id, channel)``; returns how many were new.

    Writing the same rows again (a retried job) adds nothing: the key is unique and the
    insert skips conflicts. ``batch`` tells apart several sends of one purpose (redial 2)."""
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    purpose = Purpose(purpose).value
    now = utcnow()
    values = [
        {
            "key": delivery_key(instruction_id, channel, purpose, batch),
            "instruction_id": instruction_id,
            "channel": channel,
            "purpose": purpose,
            "state": DeliveryState.pending.value,
            "due_at": due_at,
            "attempts": 0,
            "created_at": now,
        }
        for instruction_id, channel in rows
    ]
    added = bulk.insert_count(session, Delivery.__table__, values, _KINDS)
    if added:
        kick_after_commit(session, {channel for _, channel in rows})
    return added


def kick_after_commit(session: Session, channels: set[str]) -> None:
    """Wake the senders of ``channels`` once the session's transaction commits (never on a
    rollback: the rows would not be there)."""
    pending: set[str] | None = session.info.get(_KICK)
    if pending is None:
        pending = session.info[_KICK] = set()
        if not event.contains(session, "after_commit", _after_commit):
            event.listen(session, "after_commit", _after_commit)
            event.listen(session, "after_rollback", _after_rollback)
    pending.update(channels)


def _after_commit(session: Session) -> None:
    channels = session.info.pop(_KICK, None)
    if channels:
        backend.kick(channels)


def _after_rollback(session: Session) -> None:
    session.info.pop(_KICK, None)


def cancel_pending(session: Session, instruction_ids: Sequence[int] | Select[Any]) -> int:
    """Cancel the not-yet-sent deliveries of these instructions (an answer came, or the
    warning was withdrawn); returns how many rows. A row being sent right now is left
    alone; the sender's claim skips rows of confirmed or cancelled instructions anyway."""
    base = update(Delivery).where(Delivery.state == DeliveryState.pending.value)
    values = {"state": DeliveryState.cancelled.value, "claimed_by": None, "claimed_until": None}
    options = {"synchronize_session": False}
    if isinstance(instruction_ids, Select):
        stmt = base.where(Delivery.instruction_id.in_(instruction_ids)).values(**values)
        return session.execute(stmt, execution_options=options).rowcount or 0
    total = 0
    for chunk in bulk.chunks(session, list(instruction_ids)):
        stmt = base.where(bulk.among(session, Delivery.instruction_id, chunk)).values(**values)
        total += session.execute(stmt, execution_options=options).rowcount or 0
    return total


__all__ = ["cancel_pending", "delivery_key", "enqueue", "kick_after_commit"]
