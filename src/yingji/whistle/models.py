"""Whistleblower reports, their handling timeline, rewards and payouts, and the per-IP
attempt log that rate-limits the public form.

The reporter's name and phone exist only as one ciphertext (:mod:`yingji.whistle.crypto`);
the receipt code only as its SHA-256, like API tokens, so neither a database dump nor the
audit log (which snapshots every column) reveals who reported or lets anyone read the status.
"""

from __future__ import annotations

import datetime as dt
import decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, UTCDateTime, path_type, utcnow

TARGET = "whistle_report"
"""Owner kind of a report's photos, and the audited entity name."""


class WhistleState(StrEnum):
    received = "received"  # 已受理
    verifying = "verifying"  # 核查中
    accepted = "accepted"  # 属实（已转隐患）
    rejected = "rejected"  # 不属实
    duplicate = "duplicate"  # 重复举报


STATE_LABELS = {
    "received": "已受理",
    "verifying": "核查中",
    "accepted": "查证属实",
    "rejected": "不予采纳",
    "duplicate": "重复举报",
}
OPEN_STATES = frozenset({WhistleState.received, WhistleState.verifying})


class WhistleReport(Base):
    __tablename__ = "whistle_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    """JB + date received + id: the handlers' reference (the reporter holds the receipt)."""
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=WhistleState.received.value)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    region_path: Mapped[str] = mapped_column(path_type(400))
    """Copy of the region's path so scope is one prefix match."""
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    address: Mapped[str | None] = mapped_column(String(300))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    anonymous: Mapped[bool] = mapped_column(default=True)
    identity_cipher: Mapped[str | None] = mapped_column(Text)
    """Fernet token of ``{"name", "phone"}``; None for an anonymous report."""
    reject_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("whistle_report.id"))
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazard.id"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_whistle_report_path_received", "region_path", "received_at"),
        Index("ix_whistle_report_state", "state"),
    )


class WhistleEvent(Base):
    """One handling step. ``comment`` is internal; ``public_note`` is what the reporter
    reads through the receipt, which never shows who acted."""

    __tablename__ = "whistle_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("whistle_report.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    public_note: Mapped[str | None] = mapped_column(Text)


class WhistleReward(Base):
    """The reward decision for an accepted report (one per report)."""

    __tablename__ = "whistle_reward"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("whistle_report.id"), unique=True)
    amount_yuan: Mapped[decimal.Decimal] = mapped_column(Numeric(12, 2))
    basis: Mapped[str] = mapped_column(Text)
    """Why this amount: the rule and clause applied (奖励依据)."""
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WhistlePayout(Base):
    """One payment of a reward; several may settle one decision (never more than it)."""

    __tablename__ = "whistle_payout"

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("whistle_reward.id"), index=True)
    amount_yuan: Mapped[decimal.Decimal] = mapped_column(Numeric(12, 2))
    paid_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WhistleAttempt(Base):
    """A recent public submission or receipt look-up, by keyed hash of the client address.

    Written and pruned with Core statements, so the audit log never pairs an address hash
    with a report; address rows older than the window are deleted on the next write.
    """

    __tablename__ = "whistle_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    ip_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    """``submit`` or ``lookup`` (by address), or ``nonce`` (a spent form token, no address)."""
    nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    """The form token's nonce, so one token submits once."""
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_whistle_attempt_ip_kind_at", "ip_hash", "kind", "at"),)
