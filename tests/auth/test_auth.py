"""Sign-in, tokens, throttling, CSRF on cookie sessions, and the error format."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from yingji.auth.models import UserRole
from yingji.auth.scope import system_actor
from yingji.auth.service import authenticate, create_user, hash_password
from yingji.db import session_factory
from yingji.errors import AuthRequired, Throttled, ValidationFailed


def test_passwords_are_argon2_and_checked(engine: Engine) -> None:
    assert hash_password("correct horse").startswith("$argon2")
    with pytest.raises(ValidationFailed):
        hash_password("short")
    with session_factory(engine).begin() as session:
        assert authenticate(session, "admin", "yingji-demo").username == "admin"
    with session_factory(engine).begin() as session, pytest.raises(AuthRequired):
        authenticate(session, "admin", "wrong-password")


def test_login_is_throttled_after_repeated_failures(api) -> None:
    anon = api.anonymous()
    for _ in range(5):
        reply = anon.post("/api/v1/auth/token", json={"username": "viewer", "password": "nope"})
        assert reply.status_code == 401
        assert reply.json()["error"]["code"] == "auth_required"
    reply = anon.post("/api/v1/auth/token", json={"username": "viewer", "password": "yingji-demo"})
    assert reply.status_code == 429, reply.text
    # other accounts are unaffected
    assert (
        anon.post(
            "/api/v1/auth/token", json={"username": "admin", "password": "yingji-demo"}
        ).status_code
        == 200
    )


def test_api_requires_authentication(api) -> None:
    anon = api.anonymous()
    reply = anon.get("/api/v1/persons")
    assert reply.status_code == 401
    assert set(reply.json()["error"]) == {"code", "message", "details"}
    anon.headers["Authorization"] = "Bearer yj_not-a-token"
    assert anon.get("/api/v1/persons").status_code == 401


def test_me_and_token(api) -> None:
    me = api("admin").get("/api/v1/auth/me").json()
    assert me["username"] == "admin" and me["role"] == "system_admin"


def test_cookie_session_writes_need_csrf(api, engine: Engine) -> None:
    """A browser session (cookie) may read, but a write without the CSRF header fails."""
    client = api.anonymous()
    page = client.get("/login")
    assert page.status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    reply = client.post(
        "/login",
        data={"username": "admin", "password": "yingji-demo", "csrf": token},
        follow_redirects=False,
    )
    assert reply.status_code in (302, 303), reply.text
    assert client.get("/api/v1/auth/me").status_code == 200
    body = {"name": "李四", "mobile": "13900139000", "region_id": 1}
    reply = client.post("/api/v1/persons", json=body)
    assert reply.status_code == 403 and "CSRF" in reply.json()["error"]["message"]


def test_only_admins_create_admins(engine: Engine) -> None:
    from sqlalchemy import select

    from yingji.auth.models import User
    from yingji.auth.service import actor_for

    with session_factory(engine).begin() as session:
        op = actor_for(session, session.scalar(select(User).where(User.username == "cq_operator")))
        with pytest.raises(ValidationFailed):
            create_user(
                session,
                op,
                username="x1",
                password="long-enough",
                role=UserRole.system_admin,
                region_id=op.region_id,
            )
        user = create_user(
            session,
            system_actor(),
            username="x2",
            password="long-enough",
            role=UserRole.viewer,
            region_id=op.region_id,
        )
        assert user.id


def test_throttle_error_type(engine: Engine) -> None:
    with session_factory(engine)() as session:
        for _ in range(5):
            with pytest.raises(AuthRequired):
                authenticate(session, "grid_user", "bad")
        with pytest.raises(Throttled):
            authenticate(session, "grid_user", "yingji-demo")
