"""Chunked Core inserts with ids allocated up front, identical on SQLite and PostgreSQL.

Allocating ids in Python (max(id)+1 onward) lets children reference parents without a
round trip per row; it is safe because the demo loads in one transaction, and afterwards
PostgreSQL's sequences are moved past the ids we used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from sqlalchemy import ColumnElement, Table, func, insert, literal_column, select, text
from sqlalchemy.orm import Session

CHUNK = 5000
NOW = func.current_timestamp()
"""The transaction's time, UTC on both SQLite and PostgreSQL."""
EMPTY_JSON = literal_column("'{}'")
"""An empty JSON object, accepted as is by SQLite (text) and PostgreSQL (jsonb)."""
STAMPS = {"created_at": NOW, "updated_at": NOW}


def batched(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def insert_rows(
    session: Session, table: Table, rows: Iterable[dict[str, Any]], **same: ColumnElement[Any]
) -> int:
    """executemany of ``rows`` in chunks, so memory stays flat for a million rows.

    ``same`` holds SQL expressions for columns equal in every row (``created_at=NOW``): they
    are rendered into the statement once instead of being converted for each of a million
    rows, which halves the load time of the large demo.
    """
    conn = session.connection()
    stmt = insert(table).values(**same) if same else insert(table)
    written = 0
    for batch in batched(rows):
        conn.execute(stmt, batch)
        written += len(batch)
    return written


@contextmanager
def big_cache(session: Session, mib: int = 256) -> Iterator[None]:
    """On SQLite, a larger page cache while loading: inserting a million rows into several
    indexes in random key order otherwise thrashes the default 2 MB cache. Restored after."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.execute(text("PRAGMA cache_size")).scalar()
    session.execute(text(f"PRAGMA cache_size=-{mib * 1024}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size={int(before)}"))


def next_id(session: Session, table: Table) -> int:
    """First free id of ``table`` (the lock of the surrounding transaction keeps it free)."""
    return int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def bump_sequences(session: Session, tables: Iterable[Table]) -> None:
    """After explicit ids on PostgreSQL, move each serial sequence past the largest id."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )
        )
