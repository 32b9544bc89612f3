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


def canonical(fields: dict[str, Any]) -> str:
    """The one JSON text of an entry that is hashed and stored."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, record: str) -> str:
    return hashlib.sha256((prev_hash + record).encode()).hexdigest()


def _fields(
    entry_id: int, at: str, actor_id: int | None, actor: str, change: Change
) -> dict[str, Any]:
    return {
        "id": entry_id,
        "at": at,
        "actor_id": actor_id,
        "actor": actor,
        "action": change.action,
        "entity": change.entity,
        "entity_id": change.entity_id,
        "before": change.before,
        "after": change.after,
    }


COPIED = ("id", "actor_id", "actor", "action", "entity", "entity_id")
"""Record fields also kept as columns for querying; verify checks they still agree."""


def record_many(session: Session, changes: Iterable[Change]) -> int:
    """Append ``changes`` to the chain in this transaction; returns how many were written.

    The chain's tip is read with a row lock, so concurrent writers queue instead of forking.
    """
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
    at_text = at.isoformat()
    rows = []
    for change in changes:
        last_id += 1
        record = canonical(_fields(last_id, at_text, actor_id, actor_name, change))
        digest = entry_hash(last_hash, record)
        rows.append(
            {
                "id": last_id,
                "at": at,
                "actor_id": actor_id,
                "actor": actor_name,
                "action": change.action,
                "entity": change.entity,
                "entity_id": change.entity_id,
                "record": record,
                "prev_hash": last_hash,
                "hash": digest,
            }
        )
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
    """Walk the chain in id order; report the first entry whose hash, link, id or copied
    columns are wrong, and a tail cut off behind the recorded tip."""
    expected_prev, expected_id, checked = GENESIS, 1, 0
    columns = [getattr(AuditEntry, c) for c in COPIED]
    while True:
        rows = session.execute(
            select(*columns, AuditEntry.record, AuditEntry.prev_hash, AuditEntry.hash)
            .where(AuditEntry.id >= expected_id)
            .order_by(AuditEntry.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            entry_id, record, prev_hash, digest = row[0], row[-3], row[-2], row[-1]
            if entry_id != expected_id:
                return VerifyResult(
                    False,
                    checked,
                    expected_id,
                    f"entry {expected_id} is missing (next is {entry_id})",
                )
            if prev_hash != expected_prev:
                return VerifyResult(
                    False, checked, entry_id, "link to the previous entry is broken"
                )
            if entry_hash(prev_hash, record) != digest:
                return VerifyResult(False, checked, entry_id, "content does not match its hash")
            fields = json.loads(record)
            if tuple(fields[c] for c in COPIED) != tuple(row[: len(COPIED)]):
                return VerifyResult(
                    False, checked, entry_id, "columns differ from the hashed record"
                )
            expected_prev, expected_id = digest, entry_id + 1
            checked += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != expected_prev):
        return VerifyResult(
            False,
            checked,
            expected_id,
            f"entries after {expected_id - 1} are missing (head is {head.last_id})",
        )
    return VerifyResult(True, checked)
