"""Users, passwords (Argon2), bearer tokens and sign-in throttling."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from yingji.auth.models import ApiToken, LoginFailure, User, UserRole
from yingji.auth.scope import Actor
from yingji.config import get_settings
from yingji.db import utcnow
from yingji.errors import AuthRequired, Conflict, NotFound, Throttled, ValidationFailed
from yingji.regions.models import Region

_hasher = PasswordHasher()
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"密码至少 {MIN_PASSWORD} 位 / password must have at least {MIN_PASSWORD} characters",
            [{"field": "password", "reason": "too short"}],
        )
    return _hasher.hash(password)


def actor_for(session: Session, user: User) -> Actor:
    region = session.get(Region, user.region_id)
    if region is None:
        raise NotFound(f"user {user.username} has no region")
    return Actor(
        username=user.username,
        role=UserRole(user.role),
        # A system administrator runs the whole installation; everyone else their subtree.
        region_path="/" if user.role == UserRole.system_admin else region.path,
        user_id=user.id,
        region_id=user.region_id,
        organisation_id=user.organisation_id,
        person_id=user.person_id,
    )


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: UserRole,
    region_id: int,
    person_id: int | None = None,
    organisation_id: int | None = None,
    locale: str = "zh-CN",
) -> User:
    """Create a user inside the actor's scope; only a system admin creates system admins."""
    actor.check_region(session, region_id, write=True)
    if role == UserRole.system_admin and not actor.is_admin:
        raise ValidationFailed(
            "只有系统管理员可以创建系统管理员 / only admins create admins",
            [{"field": "role", "reason": "not allowed"}],
        )
    if role == UserRole.enterprise_user and organisation_id is None:
        raise ValidationFailed(
            "企业用户必须指定企业 / enterprise users need an enterprise",
            [{"field": "organisation_id", "reason": "required"}],
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名已存在 / username {username!r} already exists")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        region_id=region_id,
        person_id=person_id,
        organisation_id=organisation_id,
        locale=locale,
    )
    session.add(user)
    session.flush()
    return user


def _check_throttle(session: Session, username: str) -> None:
    settings = get_settings()
    since = utcnow() - dt.timedelta(minutes=settings.login_lock_minutes)
    failures = session.scalar(
        select(func.count()).where(LoginFailure.username == username, LoginFailure.at >= since)
    )
    if failures and failures >= settings.login_max_failures:
        raise Throttled(
            f"登录失败次数过多，请 {settings.login_lock_minutes} 分钟后再试 / too many failed "
            f"sign-ins, try again in {settings.login_lock_minutes} minutes"
        )


def authenticate(session: Session, username: str, password: str, ip: str = "") -> User:
    """The user for these credentials. Failures are recorded (the caller commits them)
    and, past the configured limit, further attempts are refused for a while."""
    _check_throttle(session, username)
    user = session.scalar(select(User).where(User.username == username))
    ok = False
    if user is not None and user.active:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    if not ok or user is None:
        session.add(LoginFailure(username=username, ip=ip))
        session.flush()
        raise AuthRequired("用户名或密码错误 / wrong username or password")
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str = "") -> str:
    """A new bearer token for ``user``; the clear text is returned once and never stored."""
    token = "yj_" + secrets.token_urlsafe(32)
    ttl = dt.timedelta(hours=get_settings().token_ttl_hours)
    session.add(
        ApiToken(user_id=user.id, token_hash=_digest(token), name=name, expires_at=utcnow() + ttl)
    )
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked or row.expires_at <= utcnow():
        raise AuthRequired("令牌无效或已过期 / invalid or expired token")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise AuthRequired("账号已停用 / account disabled")
    return user
