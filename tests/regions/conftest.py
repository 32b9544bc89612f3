"""A database holding only China's regions (no demo data), built once per backend per
session: the region tests check figures that demo data would disturb. Tests get a session
that is rolled back afterwards (services never commit), so they may write freely."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from yingji import migrate
from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.db import make_engine, session_factory

PG_URL = os.environ.get(
    "YINGJI_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _admin(*statements: str) -> None:
    eng = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        for stmt in statements:
            conn.execute(text(stmt))
    eng.dispose()


def _pg_reason() -> str | None:
    try:
        _admin("select 1")
        return None
    except Exception as exc:  # any failure means: skip PostgreSQL, say why
        return f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {exc}"


def _load(engine: Engine) -> None:
    from yingji.regions.china import load_china

    migrate.upgrade(engine)
    with session_factory(engine).begin() as session:
        load_china(session)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def china_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """China's provinces, prefectures and counties on each backend, loaded once."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("regions") / "china.db"
        eng = make_engine(f"sqlite:///{path}")
        _load(eng)
        yield eng
        eng.dispose()
        return
    reason = _pg_reason()
    if reason:
        pytest.skip(reason)
    name = f"yingji_regions_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    eng = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    _load(eng)
    yield eng
    eng.dispose()
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(china_engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back at the end of the test."""
    session = session_factory(china_engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def actor_for_path(path: str, role: UserRole = UserRole.operator) -> Actor:
    return Actor(username=f"test-{role}", role=role, region_path=path)
