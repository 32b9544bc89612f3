"""Response instructions (响应指令): who is called for a warning, and why.

One row per person per warning, so a person answering for a township, a village and a
risk point inside the area is called once, with every reason listed. Later sends, answers
and escalations move ``state``; they never add a second row for the same person.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, utcnow


class InstructionState(StrEnum):
    pending = "pending"  # 待发送
    sent = "sent"  # 已发送
    delivered = "delivered"  # 已送达
    confirmed = "confirmed"  # 已确认 (叫应)
    escalated = "escalated"  # 已上报上级
    failed = "failed"  # 发送失败


STATE_LABELS = {
    "pending": "待发送",
    "sent": "已发送",
    "delivered": "已送达",
    "confirmed": "已确认",
    "escalated": "已上报",
    "failed": "失败",
}


class ReasonKind(StrEnum):
    region_role = "region_role"  # 区域责任人 (by role on a region of the area)
    risk_point = "risk_point"  # 风险点责任人
    enterprise = "enterprise"  # 重点行业企业负责人


class Instruction(Base):
    """A call to one person for one warning.

    ``reasons`` is a list of ``{"kind", "role", "target", "region"}`` (target and region
    are codes, so the list reads without joins); ``layer`` is the region level of the
    highest layer the person is called at (3 county … 6 grid), for statistics by layer.
    """

    __tablename__ = "instruction"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warning.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    layer: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default=InstructionState.pending)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("warning_id", "person_id", name="uq_instruction_warning_person"),
        Index("ix_instruction_warning_state", "warning_id", "state"),
    )
