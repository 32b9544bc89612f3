"""Response instructions (响应指令): who is called, why, what they must do, and whether
they answered (叫应).

A warning calls each person once (round 0), with every reason listed, so a person who
answers for a township, a village and a risk point inside the area gets one instruction.
An unanswered call escalates: the superiors found through the assignment chain get an
instruction of round 1 listing the unanswered names (``about``), and so on upwards. A
direct-reach message (一键直达) calls persons the same way without a warning.

``key`` is the idempotency key of the row: ``w{warning}:p{person}`` for a call,
``d{direct}:p{person}`` for a direct message, with ``:r{round}:{batch}`` added for an
escalation, so writing the same call twice finds the same row.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, utcnow


class InstructionState(StrEnum):
    pending = "pending"  # 待发送
    sent = "sent"  # 已发送 (a channel accepted it)
    delivered = "delivered"  # 已送达 (a receipt, an answered call, or the inbox)
    confirmed = "confirmed"  # 已确认 (叫应)
    escalated = "escalated"  # 已上报上级 (unanswered after the redials)
    failed = "failed"  # 发送失败 (every channel failed for good)
    cancelled = "cancelled"  # 已撤销 (the warning was cancelled before an answer)


STATE_LABELS = {
    "pending": "待发送",
    "sent": "已发送",
    "delivered": "已送达",
    "confirmed": "已确认",
    "escalated": "已上报",
    "failed": "失败",
    "cancelled": "已撤销",
}
OPEN_STATES = ("pending", "sent", "delivered", "escalated")
"""States in which an answer is still awaited (an escalated person may still answer)."""


class ReasonKind(StrEnum):
    region_role = "region_role"  # 区域责任人 (by role on a region of the area)
    risk_point = "risk_point"  # 风险点责任人
    enterprise = "enterprise"  # 重点行业企业负责人
    escalation = "escalation"  # 上级 (unanswered subordinates)
    direct = "direct"  # 一键直达


class Instruction(Base):
    """A call to one person for one warning (or one direct message).

    ``reasons`` is a list of ``{"kind", "role", "target", "region", "rule"}`` (codes, so
    the list reads without joins; ``rule`` is the plan rule's index); ``layer`` is the
    region level of the highest layer the person is called at (3 county … 6 grid) and
    ``region_id`` that region, where escalation looks for the superior. ``policy`` is the
    call-response policy frozen when the call is made (channels, deadline, redials,
    escalation roles), so editing a plan never changes a call in progress.
    """

    __tablename__ = "instruction"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warning.id", ondelete="CASCADE"))
    direct_id: Mapped[int | None] = mapped_column(
        ForeignKey("direct_message.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    plan_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("response_plan_version.id", ondelete="SET NULL")
    )
    round: Mapped[int] = mapped_column(default=0)
    """0: called by the plan; n: escalation to the n-th superior."""
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    about: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    """Escalations only: the unanswered instructions ``{"id", "name", "region"}``."""
    layer: Mapped[int]
    measures: Mapped[str] = mapped_column(Text, default="")
    policy: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=InstructionState.pending)
    confirm_code: Mapped[str | None] = mapped_column(String(8))
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    """Answer expected by then (叫应时限); None: no confirmation asked (blue)."""
    next_action_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    """When call-response next looks at this row (a redial or the escalation)."""
    redials: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_via: Mapped[str | None] = mapped_column(String(16))
    """sms_code / voice_key / link / inbox."""
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """Report-back (反馈): measures taken, people moved, note."""
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_instruction_warning_round_state", "warning_id", "round", "state"),
        Index("ix_instruction_next_action", "next_action_at"),
        Index("ix_instruction_person_code", "person_id", "confirm_code"),
    )
