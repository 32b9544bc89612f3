"""Pydantic shapes of notices in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from yingji.notices.models import KIND_LABELS
from yingji.notices.service import NoticeView, RecipientView


class NoticeOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    subject_kind: str | None
    subject_id: int | None
    region_id: int
    data: dict[str, Any] | None
    created_at: dt.datetime
    is_recipient: bool
    """Whether the notice was addressed to the reader (else a regulator reads it by scope)."""
    read: bool
    read_at: dt.datetime | None

    @classmethod
    def of(cls, view: NoticeView) -> NoticeOut:
        n = view.notice
        return cls(
            id=n.id,
            kind=n.kind,
            kind_label=KIND_LABELS.get(n.kind, n.kind),
            title=n.title,
            body=n.body,
            subject_kind=n.subject_kind,
            subject_id=n.subject_id,
            region_id=n.region_id,
            data=n.data,
            created_at=n.created_at,
            is_recipient=view.is_recipient,
            read=view.read_at is not None,
            read_at=view.read_at,
        )


class RecipientOut(BaseModel):
    person_id: int | None
    user_id: int | None
    name: str | None
    role: str | None
    read_at: dt.datetime | None

    @classmethod
    def of(cls, view: RecipientView) -> RecipientOut:
        return cls(**view.__dict__)


class NoticeDetail(NoticeOut):
    recipients: list[RecipientOut]


class MarkReadIn(BaseModel):
    """Notices to mark read; omit ``ids`` to mark every notice of yours read."""

    ids: list[int] | None = None
