"""Issue notices idempotently and read them: each recipient their own, regulators their
region's.

A recipient is matched by user or by the person the user stands for, so a letter to the
enterprise's principal reaches whichever account is linked to that person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, false, func, or_, select, update
from sqlalchemy.orm import Session

from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import NotFound, ValidationFailed
from yingji.notices.models import Notice, NoticeKind, NoticeRecipient
from yingji.paging import Page
from yingji.people.models import Person
from yingji.regions.models import Region

SCOPE_ROLES = frozenset({UserRole.system_admin, UserRole.operator, UserRole.viewer})
"""Roles that read every notice issued in their region subtree, not only their own."""
_SCOPE = "不存在或不在您的管辖范围内 / not found or outside your scope"


@dataclass(frozen=True)
class NoticeView:
    """A notice as one reader sees it: read or not, and whether it was addressed to them."""

    notice: Notice
    is_recipient: bool
    read_at: dt.datetime | None


def issue(
    session: Session,
    *,
    kind: str,
    title: str,
    body: str,
    region_id: int,
    key: str,
    persons: Iterable[tuple[int, str]] = (),
    users: Iterable[tuple[int, str]] = (),
    subject: tuple[str, int] | None = None,
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> tuple[Notice, bool]:
    """The notice ``key`` with its recipients ((person or user id, reason) pairs); returns
    (notice, created). A second delivery of the same key returns the first notice."""
    NoticeKind(kind)
    found = session.scalar(select(Notice).where(Notice.key == key))
    if found is not None:
        return found, False
    region = session.get(Region, region_id)
    if region is None:
        raise NotFound(f"区划 {region_id} 不存在 / region not found")
    notice = Notice(
        kind=kind,
        title=title[:300],
        body=body,
        subject_kind=subject[0] if subject else None,
        subject_id=subject[1] if subject else None,
        region_id=region.id,
        region_path=region.path,
        key=key,
        data=data,
        created_at=now or utcnow(),
    )
    session.add(notice)
    session.flush()
    seen_persons: set[int] = set()
    for person_id, role in persons:
        if person_id not in seen_persons:
            seen_persons.add(person_id)
            session.add(NoticeRecipient(notice_id=notice.id, person_id=person_id, role=role))
    seen_users: set[int] = set()
    for user_id, role in users:
        if user_id not in seen_users:
            seen_users.add(user_id)
            session.add(NoticeRecipient(notice_id=notice.id, user_id=user_id, role=role))
    session.flush()
    return notice, True


# --- reading -------------------------------------------------------------------------


def _mine(actor: Actor) -> ColumnElement[bool]:
    """Recipient rows addressed to the actor, as user or as their person."""
    clauses = []
    if actor.user_id is not None:
        clauses.append(NoticeRecipient.user_id == actor.user_id)
    if actor.person_id is not None:
        clauses.append(NoticeRecipient.person_id == actor.person_id)
    return or_(*clauses) if clauses else false()


def _my_rows() -> Any:
    """Per notice, the actor's reading: read when every row addressed to them is read."""
    return select(
        NoticeRecipient.notice_id.label("notice_id"),
        case(
            (
                func.count(NoticeRecipient.id) == func.count(NoticeRecipient.read_at),
                func.max(NoticeRecipient.read_at),
            ),
            else_=None,
        ).label("read_at"),
    ).group_by(NoticeRecipient.notice_id)


def _visible(actor: Actor, box: str) -> Select[Any]:
    mine = _my_rows().where(_mine(actor)).subquery()
    stmt = select(Notice, mine.c.notice_id, mine.c.read_at)
    if box == "all" and actor.role in SCOPE_ROLES:
        stmt = stmt.outerjoin(mine, mine.c.notice_id == Notice.id)
        if actor.region_path != "/":
            stmt = stmt.where(
                or_(
                    Notice.region_path.startswith(actor.region_path, autoescape=True),
                    mine.c.notice_id.is_not(None),
                )
            )
        return stmt
    return stmt.join(mine, mine.c.notice_id == Notice.id)


def _view(row: Any) -> NoticeView:
    notice, mine_id, read_at = row
    return NoticeView(notice, mine_id is not None, read_at)


def list_notices(
    session: Session,
    actor: Actor,
    *,
    box: str = "mine",
    unread: bool = False,
    kind: str | None = None,
    subject: tuple[str, int] | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[NoticeView]:
    """The actor's notices (``box="mine"``), or every notice they may read (``"all"``:
    regulators get their subtree's too), newest first."""
    if box not in ("mine", "all"):
        reason = "box 须为 mine 或 all / box must be mine or all"
        raise ValidationFailed(reason, [{"field": "box", "reason": reason}])
    stmt = _visible(actor, box)
    if unread:
        stmt = stmt.where(stmt.selected_columns[1].is_not(None), stmt.selected_columns[2].is_(None))
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    if subject:
        stmt = stmt.where(Notice.subject_kind == subject[0], Notice.subject_id == subject[1])
    limit = max(1, min(limit, 1000))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Notice.created_at.desc(), Notice.id.desc()).offset(offset).limit(limit)
    ).all()
    return Page([_view(r) for r in rows], total, offset, limit)


def get(session: Session, actor: Actor, notice_id: int) -> NoticeView:
    row = session.execute(_visible(actor, "all").where(Notice.id == notice_id)).first()
    if row is None:
        raise NotFound(f"通知 {notice_id} {_SCOPE}")
    return _view(row)


def unread_count(session: Session, actor: Actor) -> int:
    stmt = select(func.count(func.distinct(NoticeRecipient.notice_id))).where(
        _mine(actor), NoticeRecipient.read_at.is_(None)
    )
    return session.scalar(stmt) or 0


def mark_read(
    session: Session, actor: Actor, notice_ids: Sequence[int] | None, now: dt.datetime | None = None
) -> int:
    """Mark the actor's copies of ``notice_ids`` (all, when None) read; returns how many
    notices changed. Reading someone else's notice marks nothing."""
    stmt = update(NoticeRecipient).where(_mine(actor), NoticeRecipient.read_at.is_(None))
    if notice_ids is not None:
        stmt = stmt.where(NoticeRecipient.notice_id.in_(list(notice_ids)))
    result = session.execute(
        stmt.values(read_at=now or utcnow()).returning(NoticeRecipient.notice_id),
        execution_options={"synchronize_session": False},
    )
    return len(set(result.scalars()))


@dataclass(frozen=True)
class RecipientView:
    person_id: int | None
    user_id: int | None
    name: str | None
    role: str | None
    read_at: dt.datetime | None


def recipients(session: Session, actor: Actor, notice_id: int) -> list[RecipientView]:
    """Who a notice went to and who has read it: for regulators in scope (a recipient sees
    only their own row)."""
    view = get(session, actor, notice_id)
    stmt = (
        select(
            NoticeRecipient.person_id,
            NoticeRecipient.user_id,
            Person.name,
            NoticeRecipient.role,
            NoticeRecipient.read_at,
        )
        .outerjoin(Person, Person.id == NoticeRecipient.person_id)
        .where(NoticeRecipient.notice_id == view.notice.id)
        .order_by(NoticeRecipient.id)
    )
    if actor.role not in SCOPE_ROLES or not actor.covers(view.notice.region_path):
        stmt = stmt.where(_mine(actor))
    return [RecipientView(*row) for row in session.execute(stmt)]
