"""HTTP API for tokens, the current user, users and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from yingji.api_deps import CurrentActor, DbSession
from yingji.auth import audit
from yingji.auth.models import AuditEntry, User, UserRole
from yingji.auth.service import authenticate, create_user, issue_token
from yingji.errors import AuthRequired, PermissionDenied
from yingji.paging import paginate

router = APIRouter(tags=["auth"])


class TokenIn(BaseModel):
    username: str
    password: str
    name: str = ""


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str
    role: UserRole
    region_id: int
    person_id: int | None = None
    organisation_id: int | None = None
    locale: str = "zh-CN"


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    role: str
    region_id: int
    person_id: int | None
    organisation_id: int | None
    locale: str
    active: bool


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str


@router.post("/auth/token")
def token(body: TokenIn, request: Request, session: DbSession) -> TokenOut:
    """Exchange a username and password for a bearer token (throttled after failures)."""
    ip = request.client.host if request.client else ""
    try:
        user = authenticate(session, body.username, body.password, ip)
    except AuthRequired:
        session.commit()  # the failed attempt must count even though the request fails
        raise
    return TokenOut(access_token=issue_token(session, user, body.name))


@router.get("/auth/me")
def me(session: DbSession, actor: CurrentActor) -> UserOut:
    return UserOut.model_validate(session.get(User, actor.user_id))


@router.get("/users")
def list_users(
    session: DbSession,
    actor: CurrentActor,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    stmt = actor.scoped(select(User), User.region_id, User.organisation_id).order_by(User.id)
    page = paginate(session, stmt, offset, limit)
    return page.as_dict(UserOut.model_validate)


@router.post("/users", status_code=201)
def add_user(body: UserIn, session: DbSession, actor: CurrentActor) -> UserOut:
    return UserOut.model_validate(create_user(session, actor, **body.model_dump()))


@router.get("/audit")
def list_audit(
    session: DbSession,
    actor: CurrentActor,
    entity: str | None = None,
    entity_id: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    """The audit log, newest first; system administrators only."""
    if not actor.is_admin:
        raise PermissionDenied("仅系统管理员可查看审计日志 / audit log is for administrators")
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    page = paginate(session, stmt, offset, limit)
    return page.as_dict(AuditOut.model_validate)


@router.get("/audit/verify")
def verify_audit(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    if not actor.is_admin:
        raise PermissionDenied("仅系统管理员可校验审计日志 / audit log is for administrators")
    result = audit.verify(session)
    return result.__dict__
