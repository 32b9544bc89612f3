"""The PostgreSQL server benchmarks run against: the local test server unless
``YINGJI_BENCH_PG_URL`` names another; a throw-away database is made per run."""

from __future__ import annotations

import os

from sqlalchemy import text

from yingji.db import make_engine

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_url() -> str | None:
    """The server's URL, or None when it cannot be reached (the PostgreSQL run is skipped)."""
    url = os.environ.get("YINGJI_BENCH_PG_URL", PG_DEFAULT)
    try:
        eng = make_engine(url)
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return url
    except Exception:
        return None


def pg_admin(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
    eng = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(statement))
    eng.dispose()
