"""A notice issued about a subject (a hazard) and who received it.

Recipients are persons (so a letter reaches whoever later signs in as that person) or,
where no person record exists, users; each recipient row carries its own ``read_at``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, path_type, utcnow


class NoticeKind(StrEnum):
    prompt = "prompt"  # 提示单: the deadline is near
    urge = "urge"  # 督促函: the deadline has passed
    circular = "circular"  # 通报: long overdue, told to the upper-level government
    double_report = "double_report"  # 重大隐患报告: a major hazard reported upward
    instruction = "instruction"  # 响应指令: a warning's or direct message's call (叫应)
    report_due = "report_due"  # 事件报送提醒: an incident report upward is overdue
    task = "task"  # 应急任务: a response task assigned when a level is declared


KIND_LABELS = {
    "prompt": "提示单",
    "urge": "督促函",
    "circular": "通报",
    "double_report": "重大隐患报告",
    "instruction": "响应指令",
    "report_due": "事件报送提醒",
    "task": "应急任务",
}


class Notice(Base):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    subject_kind: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    """Issuing region: the place the subject lies in; regulators see its subtree's notices."""
    region_path: Mapped[str] = mapped_column(path_type(400))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    """Idempotency key: delivering the same notice twice finds this row."""
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """Facts behind the text (deadline, overdue days...), for the UI and exports."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_notice_subject", "subject_kind", "subject_id"),
        Index("ix_notice_region_path", "region_path"),
    )


class NoticeRecipient(Base):
    __tablename__ = "notice_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(32))
    """Why this recipient got it: owner, principal, department, upper_level."""
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("notice_id", "person_id"),
        UniqueConstraint("notice_id", "user_id"),
    )
