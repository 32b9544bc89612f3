"""Request-scoped dependencies: the unit of work and the acting user.

The session commits after the endpoint returns (before the response is sent) and rolls
back on any error, so a request is one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for, user_for_token
from yingji.db import session_scope
from yingji.errors import AuthRequired, NotFound, PermissionDenied
from yingji.paging import MAX_LIMIT
from yingji.regions.models import Region

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
Offset = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
"""List paging parameters, the same on every list endpoint."""


def region_id_of(session: Session, code: str) -> int:
    """The id of the region ``code`` (a path or query parameter), or 404. Scope is checked
    by the service the id is handed to."""
    rid = session.scalar(select(Region.id).where(Region.code == code))
    if rid is None:
        raise NotFound(f"区划不存在 / region {code} not found")
    return rid


def under_region_id(session: Session, code: str | None) -> int | None:
    """``under=<region code>`` list filters: None when absent."""
    return None if code is None else region_id_of(session, code)


def under_path(session: Session, code: str | None) -> str | None:
    """``under=<region code>`` filters on tables that carry a region path: the path, or None."""
    if code is None:
        return None
    path = session.scalar(select(Region.path).where(Region.code == code))
    if path is None:
        raise NotFound(f"区划不存在 / region {code} not found")
    return path
