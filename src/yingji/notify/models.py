"""Deliveries (投递): the outbox of messages, one row per instruction per channel per send.

A row is written in the same transaction as the instruction (or the redial, or the
escalation) that needs it; senders claim rows per channel with ``FOR UPDATE SKIP LOCKED``,
so a slow channel only holds its own rows. ``key`` travels to the gateway as the
idempotency key: a row sent twice after a crash is recorded once there.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, UTCDateTime, utcnow


class DeliveryState(StrEnum):
    pending = "pending"  # 待发送 (due at ``due_at``)
    sending = "sending"  # 发送中 (claimed until ``claimed_until``)
    sent = "sent"  # 已发送 (gateway accepted)
    delivered = "delivered"  # 已送达 (receipt / answered call / inbox)
    failed = "failed"  # 失败 (permanent, or retries used up)
    cancelled = "cancelled"  # 已取消 (answered, or the warning was cancelled)


DELIVERY_STATE_LABELS = {
    "pending": "待发送",
    "sending": "发送中",
    "sent": "已发送",
    "delivered": "已送达",
    "failed": "失败",
    "cancelled": "已取消",
}


class Purpose(StrEnum):
    call = "call"  # 首次通知
    redial = "redial"  # 重拨
    escalation = "escalation"  # 上报上级


class Delivery(Base):
    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    instruction_id: Mapped[int] = mapped_column(
        ForeignKey("instruction.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16), default=Purpose.call)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.pending)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    gateway_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(16))
    """Voice: answered / no_answer / busy."""
    key_press: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_delivery_channel_state_due", "channel", "state", "due_at"),
        Index("ix_delivery_gateway_id", "gateway_id"),
    )
