"""The PostgreSQL server benchmarks run against: the local test server unless
``YINGJI_BENCH_PG_URL`` names another; a throw-away database is made per run."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from yingji import migrate
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


def throwaway_engines(prefix: str, migrated: bool = True) -> Iterator[tuple[str, Engine]]:
    """``("sqlite", engine)`` on a temporary file, then ``("pg", engine)`` on a throw-away
    database when the server answers, each dropped afterwards; ``BACKENDS=sqlite`` or
    ``postgresql`` keeps one. ``migrated``: the schema is created first."""
    backends = os.environ.get("BACKENDS", "sqlite,postgresql").split(",")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            if migrated:
                migrate.upgrade(engine)
            yield "sqlite", engine
            engine.dispose()
    url = pg_url() if "postgresql" in backends else None
    if url:
        name = f"{prefix}_{os.getpid()}"
        pg_admin(url, f'CREATE DATABASE "{name}"')
        try:
            engine = make_engine(make_url(url).set(database=name).render_as_string(False))
            if migrated:
                migrate.upgrade(engine)
            yield "pg", engine
            engine.dispose()
        finally:
            pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
