"""The outbox: one row per piece of work due at a time, written in the same transaction as
the change that makes it necessary, so a crash can neither lose it nor run it twice."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, utcnow


class TimerState(StrEnum):
    pending = "pending"  # 待执行
    running = "running"  # 执行中 (claimed by a worker until ``claimed_until``)
    done = "done"  # 已完成
    cancelled = "cancelled"  # 已取消
    failed = "failed"  # 失败 (gave up after the last attempt)


class Timer(Base):
    """Work of ``kind`` about one subject (e.g. hazard 42), due at ``due_at``.

    ``key`` is the idempotency key: scheduling the same thing twice finds the same row.
    """

    __tablename__ = "job_timer"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=TimerState.pending.value)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_job_timer_state_due", "state", "due_at"),
        Index("ix_job_timer_subject", "subject_kind", "subject_id", "state"),
    )
