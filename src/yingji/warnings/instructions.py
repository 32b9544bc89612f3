"""Writing response instructions (响应指令) for a warning's targets.

A progressive response (分段、分级) re-runs targeting as a warning is upgraded; whoever was
already called for this warning, or for a warning it updates (the same event), is skipped,
so an upgrade calls only the persons it adds and never re-sends.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from yingji.db import utcnow
from yingji.warnings.instruction_models import Instruction, InstructionState
from yingji.warnings.models import EarlyWarning
from yingji.warnings.targeting import CHUNK, Target

_T = Instruction.__table__


def event_warning_ids(session: Session, warning: EarlyWarning) -> list[int]:
    """This warning and every warning it updates, following ``replaces_id`` upward."""
    ids = [warning.id]
    current = warning.replaces_id
    while current is not None and current not in ids:
        ids.append(current)
        current = session.scalar(select(EarlyWarning.replaces_id).where(EarlyWarning.id == current))
    return ids


def already_called(session: Session, warning: EarlyWarning) -> set[int]:
    """Persons already called (round 0) for this warning's event. A superior who only got
    an escalation about others has not been called for the warning itself."""
    stmt = select(_T.c.person_id).where(
        _T.c.warning_id.in_(event_warning_ids(session, warning)), _T.c.round == 0
    )
    return set(session.connection().execute(stmt).scalars())


def call_key(warning_id: int, person_id: int) -> str:
    """The idempotency key of a warning's call to a person (see ``Instruction``)."""
    return f"w{warning_id}:p{person_id}"


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def write_instructions(session: Session, warning: EarlyWarning, targets: Sequence[Target]) -> int:
    """Insert a pending instruction for each target not yet called for this event, with one
    executemany per chunk; how many were written. Only flushes; the caller commits."""
    session.flush()
    skip = already_called(session, warning)
    now = utcnow()
    rows = [
        {
            "key": call_key(warning.id, t.person_id),
            "warning_id": warning.id,
            "person_id": t.person_id,
            "region_id": t.region_id,
            "reasons": t.reasons,
            "layer": t.layer,
            "state": InstructionState.pending.value,
            "created_at": now,
            "updated_at": now,
        }
        for t in targets
        if t.person_id not in skip
    ]
    conn = session.connection()
    for batch in _batches(rows):
        conn.execute(insert(_T), batch)
    return len(rows)


# --- bulk writing (respond, direct reach) ----------------------------------------------------

COLUMNS: tuple[str, ...] = (
    "key",
    "warning_id",
    "direct_id",
    "person_id",
    "region_id",
    "plan_version_id",
    "round",
    "reasons",
    "about",
    "layer",
    "measures",
    "policy",
    "state",
    "confirm_code",
    "deadline_at",
    "next_action_at",
    "redials",
    "created_at",
    "updated_at",
)
"""The columns :func:`insert_rows` writes; every row dict carries all of them."""
_JSON = frozenset({"reasons", "about", "policy"})
_TIMES = frozenset({"deadline_at", "next_action_at", "created_at", "updated_at"})
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy stores a DateTime in SQLite (naive UTC, as ``UTCDateTime`` binds it)."""


class _Values:
    """Row dicts as DB-API tuples, converting each distinct policy and time once: 100,000
    calls share a handful of policies and deadlines, and per-value type processing was
    most of the cost of writing them."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self._json: dict[int, tuple[Any, str]] = {}
        self._times: dict[dt.datetime, Any] = {}

    def json(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, dict):  # policies: shared objects
            hit = self._json.get(id(value))
            if hit is None or hit[0] is not value:
                hit = (value, json.dumps(value, ensure_ascii=False))
                self._json[id(value)] = hit
            return hit[1]
        return json.dumps(value, ensure_ascii=False)

    def time(self, value: dt.datetime | None) -> Any:
        if value is None:
            return None
        hit = self._times.get(value)
        if hit is None:
            utc = value.astimezone(dt.UTC)
            hit = utc.replace(tzinfo=None).strftime(_SQLITE_TIME) if self.sqlite else utc
            self._times[value] = hit
        return hit

    def row(self, row: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for col in COLUMNS:
            value = row[col]
            if col in _JSON:
                value = self.json(value)
            elif col in _TIMES:
                value = self.time(value)
            out.append(value)
        return tuple(out)


def insert_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert instruction rows (dicts with every column of :data:`COLUMNS`); a row whose key
    exists is left alone. Straight through the driver: ``executemany`` on SQLite, ``COPY``
    into a temporary table then one ``INSERT … SELECT … ON CONFLICT`` on PostgreSQL."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _copy_postgresql(conn, rows)
        return
    values = _Values(sqlite=True)
    cols = ", ".join(COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS)
    sql = f"INSERT INTO instruction ({cols}) VALUES ({marks}) ON CONFLICT (key) DO NOTHING"
    for start in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(sql, [values.row(r) for r in rows[start : start + CHUNK]])


def _copy_postgresql(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    values = _Values(sqlite=False)
    cols = ", ".join(COLUMNS)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:  # type: ignore[union-attr]
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS instruction_load "
            "(LIKE instruction INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        cur.execute("TRUNCATE instruction_load")
        with cur.copy(f"COPY instruction_load ({cols}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(values.row(r))
        cur.execute(
            f"INSERT INTO instruction ({cols}) SELECT {cols} FROM instruction_load "
            "ON CONFLICT (key) DO NOTHING"
        )
