"""Drain the outbox of one channel: claim due deliveries, send them (within the channel's
rate limit, ``notify.ratelimit``), record what happened.

A claim is one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``
with a lease (``claimed_until``), so senders on several machines take disjoint rows; a
sender that dies leaves its rows claimed until the lease runs out, then another takes them
and sends them again under the same key, which the gateway records once (at-least-once
delivery, exactly-once at the gateway). Rows of confirmed or cancelled instructions are
never claimed: no message goes out after the answer.

Everything a batch needs (instruction, person, warning or direct message, region) comes
in one query; results are written with a handful of set-based statements, whatever the
batch size. Each channel drains separately (its own thread or task), so a slow or failing
gateway only holds its own rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, bindparam, case, exists, func, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from yingji.auth.scope import system_actor
from yingji.config import get_settings
from yingji.db import session_factory, utcnow
from yingji.jobs.runner import worker_name
from yingji.notify import events
from yingji.notify.base import (
    Channel,
    OutboundMessage,
    Recipient,
    SendResult,
    SendStatus,
    StoredChannel,
    VoiceOutcome,
    send_all,
)
from yingji.notify.models import Delivery, DeliveryState
from yingji.notify.ratelimit import TokenBucket, limiter
from yingji.notify.registry import load_channel
from yingji.people.models import Person
from yingji.regions.models import Region
from yingji.warnings.callresponse import links
from yingji.warnings.compose import Facts, compose, title
from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.instruction_models import Instruction, InstructionState
from yingji.warnings.models import EarlyWarning

log = logging.getLogger(__name__)
Bind = Engine | sessionmaker[Session]
CLOSED = (InstructionState.confirmed.value, InstructionState.cancelled.value)
"""Instructions whose deliveries must not go out any more."""
TERMINAL_TOPIC = "yingji/terminal/{code}"
COUNTS = ("claimed", "sent", "delivered", "retry", "failed")


_CHANNELS: dict[str, Channel] = {}
_CHANNELS_LOCK = threading.Lock()


def channel_named(name: str) -> Channel:
    """The process's channel backend of that name, built once from the settings."""
    with _CHANNELS_LOCK:
        if name not in _CHANNELS:
            _CHANNELS[name] = load_channel(name)
        return _CHANNELS[name]


def use_channel(channel: Channel) -> Channel:
    """Use this backend instance for its channel name in this process (tests, benchmarks,
    or a deployment that builds its gateway client itself)."""
    with _CHANNELS_LOCK:
        known = _CHANNELS.get(channel.name)
        if known is not None and known is not channel:
            known.close()
        _CHANNELS[channel.name] = channel
    return channel


def close_channels() -> None:
    with _CHANNELS_LOCK:
        for channel in _CHANNELS.values():
            channel.close()
        _CHANNELS.clear()


# --- claiming ------------------------------------------------------------------------


def _factory(bind: Bind) -> sessionmaker[Session]:
    return session_factory(bind) if isinstance(bind, Engine) else bind


def _pending_due(now: dt.datetime) -> Any:
    return and_(Delivery.state == DeliveryState.pending.value, Delivery.due_at <= now)


def _lease_expired(now: dt.datetime) -> Any:
    return and_(Delivery.state == DeliveryState.sending.value, Delivery.claimed_until < now)


def claim(
    session: Session, channel: str, worker: str, now: dt.datetime, limit: int, lease: float
) -> list[int]:
    """Mark up to ``limit`` due rows of ``channel`` (first those whose lease ran out) as
    ours until ``now + lease``; returns their ids. The caller commits."""
    ids: list[int] = []
    for due in (_lease_expired(now), _pending_due(now)):
        room = limit - len(ids)
        if room <= 0:
            break
        query = (
            select(Delivery.id)
            .join(Instruction, Instruction.id == Delivery.instruction_id)
            .where(Delivery.channel == channel, due, Instruction.state.not_in(CLOSED))
            .order_by(Delivery.due_at)  # the index's order: no sort of the whole backlog
            .limit(room)
        )
        if session.get_bind().dialect.name == "sqlite":
            # One statement: it runs under SQLite's write lock, so it is atomic; a SELECT
            # first would make a read transaction that cannot be upgraded once another
            # process has written.
            picked: Any = query.scalar_subquery()
        else:
            # Two statements, not UPDATE ... IN (SELECT ... LIMIT ... SKIP LOCKED), which
            # PostgreSQL may rescan and so claim more than ``room`` rows.
            picked = list(session.scalars(query.with_for_update(skip_locked=True, of=Delivery)))
            if not picked:
                continue
        stmt = (
            update(Delivery)
            .where(Delivery.id.in_(picked), due)  # re-checked: SQLite takes no row locks
            .values(
                state=DeliveryState.sending.value,
                claimed_by=worker,
                claimed_until=now + dt.timedelta(seconds=lease),
                attempts=Delivery.attempts + 1,
            )
            .returning(Delivery.id)
        )
        ids.extend(
            session.execute(stmt, execution_options={"synchronize_session": False}).scalars()
        )
    return sorted(ids)


def sweep(session: Session, channel: str, now: dt.datetime) -> int:
    """Cancel due pending rows whose instruction was answered or withdrawn (a confirmation
    normally cancels them itself; this catches rows written after it)."""
    closed = exists().where(
        Instruction.id == Delivery.instruction_id, Instruction.state.in_(CLOSED)
    )
    stmt = (
        update(Delivery)
        .where(Delivery.channel == channel, _pending_due(now), closed)
        .values(state=DeliveryState.cancelled.value)
    )
    return session.execute(stmt, execution_options={"synchronize_session": False}).rowcount or 0


# --- loading and composing -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """A claimed delivery with the facts its message is made of."""

    delivery_id: int
    instruction_id: int
    attempts: int
    confirm_code: str | None
    message: OutboundMessage


def load(session: Session, ids: Sequence[int]) -> list[Item]:
    """The claimed rows with their messages, in one query."""
    region = aliased(Region)
    region_id = func.coalesce(Instruction.region_id, Person.region_id)
    stmt = (
        select(
            Delivery.id,
            Delivery.key,
            Delivery.purpose,
            Delivery.attempts,
            Instruction.id,
            Instruction.person_id,
            Instruction.warning_id,
            Instruction.direct_id,
            Instruction.confirm_code,
            Instruction.deadline_at,
            Instruction.measures,
            Instruction.about,
            Instruction.redials,
            Person.mobile,
            Person.contacts,
            EarlyWarning.headline,
            EarlyWarning.authority,
            DirectMessage.text,
            region.id,
            region.code,
            region.path,
        )
        .join(Instruction, Instruction.id == Delivery.instruction_id)
        .join(Person, Person.id == Instruction.person_id)
        .outerjoin(EarlyWarning, EarlyWarning.id == Instruction.warning_id)
        .outerjoin(DirectMessage, DirectMessage.id == Instruction.direct_id)
        .outerjoin(region, region.id == region_id)
        .where(Delivery.id.in_(list(ids)))
        .order_by(Delivery.id)
    )
    return [_item(row, links.confirm_link) for row in session.execute(stmt)]


def _item(row: Any, sign: Any) -> Item:
    (
        delivery_id,
        key,
        purpose,
        attempts,
        instruction_id,
        person_id,
        warning_id,
        direct_id,
        code,
        deadline_at,
        measures,
        about,
        redials,
        mobile,
        contacts,
        headline,
        authority,
        direct_text,
        region_id,
        region_code,
        region_path,
    ) = row
    facts = Facts(
        purpose=purpose,
        headline=headline,
        authority=authority,
        direct_text=direct_text if direct_id is not None else None,
        measures=measures or "",
        about=about,
        redials=redials,
    )
    asks = deadline_at is not None and bool(code)
    recipient = Recipient(
        person_id=person_id,
        mobile=mobile,
        mqtt_topic=TERMINAL_TOPIC.format(code=region_code) if region_code else None,
        email=(contacts or {}).get("email"),
    )
    data = {
        "instruction_id": instruction_id,
        "warning_id": warning_id,
        "direct_id": direct_id,
        "purpose": purpose,
        "region_id": region_id,
        "region_path": region_path,
    }
    message = OutboundMessage(
        key=key,
        recipient=recipient,
        text=compose(facts),
        confirm_code=code if asks else None,
        confirm_link=sign(instruction_id) if asks else None,
        subject=title(facts),
        data=data,
    )
    return Item(delivery_id, instruction_id, attempts, code, message)


# --- recording -----------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    """10 s, 20 s, 40 s ... capped at one hour."""
    return dt.timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def _mine(worker: str) -> Any:
    return and_(
        Delivery.id == bindparam("b_id"),
        Delivery.claimed_by == worker,
        Delivery.state == DeliveryState.sending.value,
    )


def record(
    session: Session,
    worker: str,
    items: Sequence[Item],
    results: Sequence[SendResult],
    now: dt.datetime,
) -> Counter[str]:
    """Write a batch's results with a few set-based statements; returns counts."""
    max_attempts = get_settings().delivery_max_attempts
    done: list[dict[str, Any]] = []
    again: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    sent_ids: set[int] = set()
    delivered_ids: set[int] = set()
    failed_ids: set[int] = set()
    presses: list[tuple[int, str]] = []
    counts: Counter[str] = Counter()
    for item, result in zip(items, results, strict=True):
        if result.status is SendStatus.ACCEPTED:
            delivered = result.delivered or result.outcome is VoiceOutcome.ANSWERED
            done.append(
                {
                    "b_id": item.delivery_id,
                    "b_state": (DeliveryState.delivered if delivered else DeliveryState.sent).value,
                    "b_gateway": result.gateway_id,
                    "b_outcome": result.outcome.value if result.outcome else None,
                    "b_key": result.key_press,
                    "b_delivered": now if delivered else None,
                }
            )
            sent_ids.add(item.instruction_id)
            if delivered:
                delivered_ids.add(item.instruction_id)
            counts["delivered" if delivered else "sent"] += 1
            if result.key_press and item.confirm_code and result.key_press == item.confirm_code:
                presses.append((item.instruction_id, result.key_press))
        elif result.status is SendStatus.RETRYABLE and item.attempts < max_attempts:
            due = now + backoff(item.attempts)
            again.append({"b_id": item.delivery_id, "b_due": due, "b_error": result.reason})
            counts["retry"] += 1
        else:
            failed.append({"b_id": item.delivery_id, "b_error": result.reason})
            failed_ids.add(item.instruction_id)
            counts["failed"] += 1
    conn = session.connection()
    table = Delivery.__table__
    released = {"claimed_by": None, "claimed_until": None}
    if done:
        conn.execute(
            update(table)
            .where(_mine(worker))
            .values(
                state=bindparam("b_state"),
                gateway_id=bindparam("b_gateway"),
                outcome=bindparam("b_outcome"),
                key_press=bindparam("b_key"),
                delivered_at=bindparam("b_delivered"),
                sent_at=now,
                last_error=None,
                **released,
            ),
            done,
        )
    if again:
        conn.execute(
            update(table)
            .where(_mine(worker))
            .values(
                state=DeliveryState.pending.value,
                due_at=bindparam("b_due"),
                last_error=bindparam("b_error"),
                **released,
            ),
            again,
        )
    if failed:
        conn.execute(
            update(table)
            .where(_mine(worker))
            .values(state=DeliveryState.failed.value, last_error=bindparam("b_error"), **released),
            failed,
        )
    mark_sent(session, sent_ids, now)
    mark_delivered(session, delivered_ids, now)
    mark_failed(session, failed_ids)
    for instruction_id, digits in presses:
        events.key_pressed(session, instruction_id, digits, now)
    return counts


def mark_sent(session: Session, instruction_ids: set[int], now: dt.datetime) -> None:
    if not instruction_ids:
        return
    pending = InstructionState.pending.value
    session.execute(
        update(Instruction)
        .where(Instruction.id.in_(sorted(instruction_ids)))
        .values(
            sent_at=func.coalesce(Instruction.sent_at, now),
            state=case(
                (Instruction.state == pending, InstructionState.sent.value),
                else_=Instruction.state,
            ),
        ),
        execution_options={"synchronize_session": False},
    )


def mark_delivered(session: Session, instruction_ids: set[int], now: dt.datetime) -> None:
    if not instruction_ids:
        return
    before = (InstructionState.pending.value, InstructionState.sent.value)
    session.execute(
        update(Instruction)
        .where(Instruction.id.in_(sorted(instruction_ids)))
        .values(
            sent_at=func.coalesce(Instruction.sent_at, now),
            delivered_at=func.coalesce(Instruction.delivered_at, now),
            state=case(
                (Instruction.state.in_(before), InstructionState.delivered.value),
                else_=Instruction.state,
            ),
        ),
        execution_options={"synchronize_session": False},
    )


def mark_failed(session: Session, instruction_ids: set[int]) -> None:
    """Instructions whose every delivery failed for good are failed."""
    if not instruction_ids:
        return
    other = exists().where(
        Delivery.instruction_id == Instruction.id,
        Delivery.state != DeliveryState.failed.value,
    )
    session.execute(
        update(Instruction)
        .where(
            Instruction.id.in_(sorted(instruction_ids)),
            Instruction.state.in_((InstructionState.pending.value, InstructionState.sent.value)),
            ~other,
        )
        .values(state=InstructionState.failed.value),
        execution_options={"synchronize_session": False},
    )


# --- the loop ------------------------------------------------------------------------


def _send(
    factory: sessionmaker[Session],
    channel: Channel,
    worker: str,
    items: list[Item],
    bucket: TokenBucket | None,
    now: dt.datetime | None,
) -> Counter[str]:
    counts: Counter[str] = Counter()
    start = 0
    while start < len(items):
        granted = bucket.take(len(items) - start) if bucket else len(items) - start
        chunk = items[start : start + granted]
        start += granted
        messages = [item.message for item in chunk]
        stored = isinstance(channel, StoredChannel)
        results = [] if stored else send_all(channel, messages)  # no connection held meanwhile
        with factory() as session:
            session.info["actor"] = system_actor("notify")
            at = now or utcnow()
            if isinstance(channel, StoredChannel):
                results = channel.store(session, messages, at)
            counts += record(session, worker, chunk, results, at)
            session.commit()
    return counts


def drain(
    bind: Bind,
    channel: str | Channel,
    *,
    worker: str | None = None,
    limit: int = 500,
    now: dt.datetime | None = None,
    stop: threading.Event | None = None,
) -> dict[str, int]:
    """Send the channel's due deliveries until a batch comes back short; returns counts
    (claimed, sent, delivered, retry, failed). ``now`` lets tests travel in time."""
    factory = _factory(bind)
    backend = channel_named(channel) if isinstance(channel, str) else channel
    name = backend.name
    worker = worker or worker_name()
    settings = get_settings()
    bucket = limiter(name)
    lease = float(settings.delivery_lease_seconds)
    if bucket is not None:  # a batch must go out well within its lease
        limit = max(1, min(limit, int(bucket.rate * lease / 2)))
    counts: Counter[str] = Counter()
    with factory() as session:
        sweep(session, name, now or utcnow())
        session.commit()
    while stop is None or not stop.is_set():
        with factory() as session:
            ids = claim(session, name, worker, now or utcnow(), limit, lease)
            items = load(session, ids) if ids else []
            session.commit()
        counts["claimed"] += len(ids)
        if items:
            counts += _send(factory, backend, worker, items, bucket, now)
        if len(ids) < limit:
            break
    return {key: counts[key] for key in COUNTS}
