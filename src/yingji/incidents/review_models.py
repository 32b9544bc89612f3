"""After-action reviews (复盘评估): the measures taken from an incident's timeline, the
findings, and corrective actions tracked until they are closed."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, utcnow


class Review(Base):
    __tablename__ = "incident_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), unique=True
    )
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """Measured when the review is written (minutes to first report, to response...)."""
    findings: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ActionStatus(StrEnum):
    open = "open"  # 整改中
    closed = "closed"  # 已完成


class CorrectiveAction(Base):
    __tablename__ = "corrective_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("incident_review.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    """The unit or person responsible."""
    due_on: Mapped[dt.date | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.open)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_note: Mapped[str | None] = mapped_column(Text)
