"""Statements over many ids or rows that stay fast on both databases.

On PostgreSQL an id list is ONE array parameter (``id = ANY(:ids)``) and many rows are one
``INSERT … SELECT FROM unnest(:col1, :col2, …)``: psycopg converts every ``%(name)s`` of a
statement in Python, so a 5,000-item IN list or a 1,000-row multi-VALUES insert costs tens
of milliseconds before the server sees it, and 100,000 rows cost seconds. SQLite binds in C
and gets the plain forms, chunked below its bound-parameter limit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Integer, String, Table, any_, bindparam, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

SQLITE_CHUNK = 5000
"""Ids per IN list on SQLite: far below its 32,766 bound parameters."""
PG_CHUNK = 100_000
"""Ids per array on PostgreSQL: one parameter however many, kept to a sane message size."""


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def chunks(session: Session, ids: Sequence[Any]) -> Iterator[list[Any]]:
    size = PG_CHUNK if is_pg(session) else SQLITE_CHUNK
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def among(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values``: one array parameter on PostgreSQL."""
    if not is_pg(session):
        return column.in_(list(values))
    kind = String() if values and isinstance(values[0], str) else Integer()
    return column == any_(bindparam(None, list(values), type_=ARRAY(kind)))


_PG_TYPES = {"int": "integer", "text": "text", "json": "jsonb", "time": "timestamptz"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} in a JSON row")


def insert_new(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    kinds: dict[str, str],
    conflict: str = "key",
) -> list[tuple[int, str]]:
    """Insert ``rows`` skipping those whose ``conflict`` column exists; returns
    ``(id, conflict value)`` of the rows written. ``kinds`` names each column's type
    (``int``, ``text``, ``json``, ``time``) for PostgreSQL, which receives the rows as one
    JSON document (``jsonb_to_recordset``): a single text parameter, where arrays of JSON
    texts would cost seconds of quoting."""
    out: list[tuple[int, str]] = []
    for result in _inserts(session, table, rows, kinds, conflict, returning=True):
        out.extend((r[0], r[1]) for r in result)
    return out


def insert_count(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    kinds: dict[str, str],
    conflict: str = "key",
) -> int:
    """As :func:`insert_new`, returning only how many rows were written: without
    RETURNING, SQLite takes each chunk as one plain executemany."""
    return sum(
        r.rowcount or 0 for r in _inserts(session, table, rows, kinds, conflict, returning=False)
    )


def _inserts(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    kinds: dict[str, str],
    conflict: str,
    returning: bool,
) -> Iterator[Any]:
    """The results of inserting ``rows`` chunk by chunk (see :func:`insert_new`)."""
    if not rows:
        return
    columns = list(kinds)
    if not is_pg(session):
        stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=[conflict])
        if returning:
            stmt = stmt.returning(table.c.id, table.c[conflict])
        conn = session.connection()
        for start in range(0, len(rows), SQLITE_CHUNK):
            yield conn.execute(stmt, list(rows[start : start + SQLITE_CHUNK]))
        return
    names = ", ".join(columns)
    shape = ", ".join(f"{c} {_PG_TYPES[kinds[c]]}" for c in columns)
    tail = f" RETURNING id, {conflict}" if returning else ""
    sql = text(
        f"INSERT INTO {table.name} ({names}) "
        f"SELECT {names} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({shape}) "
        f"ON CONFLICT ({conflict}) DO NOTHING{tail}"
    )
    for start in range(0, len(rows), PG_CHUNK):
        part = [{c: row.get(c) for c in columns} for row in rows[start : start + PG_CHUNK]]
        document = json.dumps(part, ensure_ascii=False, default=_plain)
        yield session.execute(sql, {"rows": document})
