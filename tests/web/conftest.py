"""Fixtures for the web UI tests: an app on a copy of the test database, signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from yingji.auth.models import User, UserRole
from yingji.db import session_factory
from yingji.regions.models import Region

PASSWORD = "yingji-demo"
"""The demo users' password (see ``tests/conftest.py``)."""
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def ensure_user(engine: Engine, username: str, role: UserRole, region_code: str) -> None:
    """Create ``username`` with :data:`PASSWORD` unless the demo data already has it."""
    from yingji.auth.scope import system_actor
    from yingji.auth.service import create_user

    with session_factory(engine).begin() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            return
        region_id = session.scalar(select(Region.id).where(Region.code == region_code))
        assert region_id is not None, f"test database has no region {region_code}"
        create_user(
            session,
            system_actor(),
            username=username,
            password=PASSWORD,
            role=role,
            region_id=region_id,
        )


class WebUI:
    """One app on the per-test database, and helpers to drive its forms."""

    password = PASSWORD

    def __init__(self, engine: Engine) -> None:
        from yingji.app import create_app

        self.engine = engine
        ensure_user(engine, "admin", UserRole.system_admin, "500000")
        self.app = create_app(engine=engine)
        self._clients: list[TestClient] = []

    def client(self) -> TestClient:
        """A new browser-like client with its own cookie jar."""
        client = TestClient(self.app)
        client.__enter__()
        self._clients.append(client)
        return client

    @staticmethod
    def csrf(html: str) -> str:
        found = _CSRF.search(html)
        assert found, "page has no CSRF field"
        return found.group(1)

    def sign_in(self, client: TestClient, username: str = "admin") -> None:
        token = self.csrf(client.get("/login").text)
        reply = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf": token},
            follow_redirects=False,
        )
        assert reply.status_code == 303, reply.text

    def user(self, username: str, role: UserRole, region_code: str) -> None:
        ensure_user(self.engine, username, role, region_code)

    def close(self) -> None:
        for client in self._clients:
            client.__exit__(None, None, None)


@pytest.fixture(scope="session")
def make_user() -> Callable[[Engine, str, UserRole, str], None]:
    """:func:`ensure_user`, for fixtures of any scope."""
    return ensure_user


@pytest.fixture
def ui(sqlite_engine: Engine) -> Iterator[WebUI]:
    web = WebUI(sqlite_engine)
    yield web
    web.close()


@pytest.fixture
def admin(ui: WebUI) -> TestClient:
    """A client signed in through the form as the system administrator."""
    client = ui.client()
    ui.sign_in(client)
    return client
