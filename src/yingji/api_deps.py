"""Request-scoped dependencies: the unit of work and the acting user.

The session commits after the endpoint returns (before the response is sent) and rolls
back on any error, so a request is one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for, user_for_token
from yingji.db import session_scope
from yingji.errors import AuthRequired, PermissionDenied

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_HEADER = "X-CSRF-Token"


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(get_session, scope="function")]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (double-submit via header or form)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def _cookie_user(request: Request, session: Session) -> User | None:
    uid = request.session.get("uid")
    if uid is None:
        return None
    user = session.get(User, uid)
    if user is None or not user.active:
        request.session.clear()
        return None
    return user


def get_actor(request: Request, session: DbSession) -> Actor:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        user = user_for_token(session, auth[7:].strip())
    else:
        user = _cookie_user(request, session)
        if user is None:
            raise AuthRequired("请先登录 / please sign in")
        if request.method in UNSAFE:
            sent = request.headers.get(CSRF_HEADER, "")
            if not sent or not secrets.compare_digest(sent, request.session.get("csrf", "")):
                raise PermissionDenied("CSRF 校验失败 / CSRF check failed")
    actor = actor_for(session, user)
    session.info["actor"] = actor
    return actor


CurrentActor = Annotated[Actor, Depends(get_actor)]
