"""Append-only, hash-chained audit log of every write.

ORM writes are captured automatically by a flush hook; bulk (Core) writes call
:func:`record_many`. Each entry's hash covers the previous entry's hash, so
``yingji audit verify`` finds the first changed, inserted or missing entry.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from yingji.auth.models import AuditEntry, AuditHead, LoginFailure
from yingji.db import Base, utcnow

GENESIS = "0" * 64
SKIPPED = {AuditEntry, AuditHead, LoginFailure}
"""Tables not audited: the log itself and sign-in noise."""
REDACTED = {"password_hash", "token_hash"}


@dataclass(frozen=True)
class Change:
    action: str  # create | update | delete
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()[:16] + f"…({len(value)} bytes)"
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(values: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if k in REDACTED else _plain(v)) for k, v in values.items()}


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _hashed_fields(
    entry_id: int, at: dt.datetime, actor_id: int | None, actor: str, change: Change
) -> dict[str, Any]:
    return {
        "id": entry_id,
        "at": at.astimezone(dt.UTC).isoformat(),
        "actor_id": actor_id,
        "actor": actor,
        "action": change.action,
        "entity": change.entity,
        "entity_id": change.entity_id,
        "before": change.before,
        "after": change.after,
    }


def record_many(session: Session, changes: Iterable[Change]) -> int:
    """Append ``changes`` to the chain in this transaction; returns how many were written."""
    changes = list(changes)
    if not changes:
        return 0
    actor = session.info.get("actor")
    actor_id = getattr(actor, "user_id", None)
    actor_name = getattr(actor, "username", "system")
    conn = session.connection()
    head = conn.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
    ).first()
    if head is None:
        conn.execute(insert(AuditHead).values(id=1, last_id=0, last_hash=GENESIS))
        last_id, last_hash = 0, GENESIS
    else:
        last_id, last_hash = head
    at = utcnow()
    rows = []
    for change in changes:
        last_id += 1
        fields = _hashed_fields(last_id, at, actor_id, actor_name, change)
        digest = entry_hash(last_hash, fields)
        rows.append({**fields, "at": at, "prev_hash": last_hash, "hash": digest})
        last_hash = digest
    conn.execute(insert(AuditEntry), rows)
    conn.execute(
        update(AuditHead).where(AuditHead.id == 1).values(last_id=last_id, last_hash=last_hash)
    )
    return len(rows)


def _columns(obj: Base) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    state = inspect(obj)
    out = {}
    for attr in mapper.column_attrs:
        if attr.key in state.unloaded:
            continue
        out[attr.key] = getattr(obj, attr.key)
    return out


def _before(obj: Base) -> dict[str, Any]:
    state = inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            out[attr.key] = hist.deleted[0] if hist.deleted else None
    return out


def _changes_in_flush(session: Session) -> Iterator[Change]:
    for obj in session.new:
        if type(obj) not in SKIPPED:
            yield Change(
                "create", type(obj).__tablename__, _ident(obj), None, snapshot(_columns(obj))
            )
    for obj in session.dirty:
        if type(obj) in SKIPPED or not session.is_modified(obj, include_collections=False):
            continue
        before = _before(obj)
        after = {k: getattr(obj, k) for k in before}
        yield Change(
            "update", type(obj).__tablename__, _ident(obj), snapshot(before), snapshot(after)
        )
    for obj in session.deleted:
        if type(obj) not in SKIPPED:
            yield Change(
                "delete", type(obj).__tablename__, _ident(obj), snapshot(_columns(obj)), None
            )


def _ident(obj: Base) -> str:
    # During the flush the identity key is not set yet; read the primary key columns.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(v) for v in key)


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, _ctx: Any) -> None:
    record_many(session, list(_changes_in_flush(session)))


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order; report the first entry whose hash, link or id is wrong."""
    expected_prev, expected_id, checked = GENESIS, 1, 0
    last_seen = 0
    while True:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_seen).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not entries:
            break
        for e in entries:
            if e.id != expected_id:
                return VerifyResult(
                    False, checked, expected_id, f"entry {expected_id} is missing (next is {e.id})"
                )
            if e.prev_hash != expected_prev:
                return VerifyResult(False, checked, e.id, "link to the previous entry is broken")
            change = Change(e.action, e.entity, e.entity_id, e.before, e.after)
            fields = _hashed_fields(e.id, e.at, e.actor_id, e.actor, change)
            if entry_hash(e.prev_hash, fields) != e.hash:
                return VerifyResult(False, checked, e.id, "content does not match its hash")
            expected_prev, expected_id = e.hash, e.id + 1
            checked += 1
        last_seen = entries[-1].id
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != expected_prev):
        return VerifyResult(
            False,
            checked,
            expected_id,
            f"entries after {expected_id - 1} are missing (head is {head.last_id})",
        )
    return VerifyResult(True, checked)
