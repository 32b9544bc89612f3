"""Test databases: every DB test runs on SQLite, and on PostgreSQL when one is reachable.

A template database (migrated, China's regions and the tiny demo loaded) is built once per
backend per session; each test gets its own copy, so tests may commit freely.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from yingji import migrate
from yingji.auth.models import User
from yingji.db import make_engine, session_factory
from yingji.enterprises.models import Enterprise

PG_URL = os.environ.get(
    "YINGJI_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
os.environ.setdefault("YINGJI_WORKER_MODE", "off")  # tests run due jobs themselves (run_due)
_counter = itertools.count()
_pg_reason: list[str] = []


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    if _pg_reason:
        return _pg_reason[0] or None
    try:
        eng = make_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        _pg_reason.append("")
        return None
    except Exception as exc:  # any failure means: skip PostgreSQL, say why
        _pg_reason.append(f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {exc}")
        return _pg_reason[0]


def populate(session: Session) -> None:
    """What every test database starts with."""
    from yingji.demo.generate import load_demo
    from yingji.regions.china import load_china

    load_china(session)
    load_demo(session, scale="tiny")


class Template:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[str, str] = {}

    def sqlite(self) -> str:
        if "sqlite" not in self.built:
            path = self.root / "template.db"
            eng = make_engine(f"sqlite:///{path}")
            migrate.upgrade(eng)
            with session_factory(eng).begin() as session:
                populate(session)
            with eng.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            eng.dispose()
            self.built["sqlite"] = str(path)
        return self.built["sqlite"]

    def postgresql(self) -> str:
        if "postgresql" not in self.built:
            name = f"yingji_tmpl_{os.getpid()}"
            _admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
            eng = make_engine(_pg_db(name))
            migrate.upgrade(eng)
            with session_factory(eng).begin() as session:
                populate(session)
            eng.dispose()
            self.built["postgresql"] = name
        return self.built["postgresql"]


def _pg_db(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _admin(*statements: str) -> None:
    eng = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        for stmt in statements:
            conn.execute(text(stmt))
    eng.dispose()


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    tmpl = Template(tmp_path_factory.mktemp("tmpl"))
    yield tmpl
    if "postgresql" in tmpl.built:
        _admin(f'DROP DATABASE IF EXISTS "{tmpl.built["postgresql"]}"')


def _fresh_engine(backend: str, template: Template, tmp_path: Path) -> Iterator[Engine]:
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(template.sqlite(), path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    reason = _pg_available()
    if reason:
        print(f"\nSKIP postgresql: {reason}")
        pytest.skip(reason)
    tmpl = template.postgresql()
    name = f"yingji_t_{os.getpid()}_{next(_counter)}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{tmpl}" STRATEGY FILE_COPY')
    eng = make_engine(_pg_db(name))
    yield eng
    eng.dispose()
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, template: Template, tmp_path: Path) -> Iterator[Engine]:
    """A populated database on each backend."""
    yield from _fresh_engine(request.param, template, tmp_path)


@pytest.fixture
def sqlite_engine(template: Template, tmp_path: Path) -> Iterator[Engine]:
    """A populated SQLite database, for tests whose subject is not the database."""
    yield from _fresh_engine("sqlite", template, tmp_path)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the per-test database; the test decides whether to commit."""
    with session_factory(engine)() as s:
        yield s


DEMO_PASSWORD = "yingji-demo"


class ApiClients:
    """TestClients on one app, each signed in as a demo user with a bearer token."""

    def __init__(self, engine: Engine) -> None:
        from fastapi.testclient import TestClient

        from yingji.app import create_app

        self.app = create_app(engine=engine)
        self._client = TestClient
        self._clients: dict[str, object] = {}

    def anonymous(self):
        return self._client(self.app)

    def __call__(self, username: str = "admin"):
        if username not in self._clients:
            client = self._client(self.app)
            reply = client.post(
                "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
            )
            assert reply.status_code == 200, reply.text
            client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
            self._clients[username] = client
        return self._clients[username]


@pytest.fixture
def api(engine: Engine) -> ApiClients:
    """``api("twp_operator").get(...)``: API clients per demo user, on both backends."""
    return ApiClients(engine)


@pytest.fixture
def client(sqlite_engine: Engine):
    """A TestClient signed in as the demo system administrator, on SQLite."""
    return ApiClients(sqlite_engine)("admin")


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch):
    """Run ``yingji ...`` CLI commands against the per-test database."""
    from typer.testing import CliRunner

    from yingji.cli import app
    from yingji.config import get_settings
    from yingji.db import get_engine

    monkeypatch.setenv("YINGJI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    yield run
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def demo(engine: Engine) -> dict[str, Any]:
    """Ids the tests need: ent_user's enterprise and person, an operator's person."""
    with session_factory(engine)() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        ent = users["ent_user"]
        enterprise = s.scalar(
            select(Enterprise).where(Enterprise.organisation_id == ent.organisation_id)
        )
        assert enterprise is not None
        return {
            "enterprise_id": enterprise.id,
            "owner_person_id": ent.person_id,
            "twp_person_id": users["twp_operator"].person_id,
        }


@pytest.fixture
def pages(api: ApiClients):
    """``pages("cq_operator").get("/hazards")``: a browser-like client signed in through the
    login form, so pages see the session cookie and CSRF token as in real use."""

    def signed_in(username: str):
        client = api.anonymous()
        form = client.get("/login").text
        token = form.split('name="csrf" value="')[1].split('"')[0]
        reply = client.post(
            "/login",
            data={"username": username, "password": DEMO_PASSWORD, "csrf": token},
            follow_redirects=False,
        )
        assert reply.status_code == 303, reply.text
        return client

    return signed_in
