"""Quick reports from the grassroots (灾情速报): a village or grid reporter's figures for
their place, verified by the township. Figures are cumulative for a place, so the latest
verified report of each place counts and places add up; never reports."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, UTCDateTime, path_type, utcnow


class QuickReportStatus(StrEnum):
    submitted = "submitted"  # 已上报
    verified = "verified"  # 已核实
    rejected = "rejected"  # 已退回


class QuickReport(Base):
    __tablename__ = "quick_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), index=True
    )
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    """The place reported on (a village or grid; a township for its seat)."""
    region_path: Mapped[str] = mapped_column(path_type(400), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reporter: Mapped[str] = mapped_column(String(100))
    """The user who sent it."""
    dead: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    injured: Mapped[int] = mapped_column(Integer, default=0)
    trapped: Mapped[int] = mapped_column(Integer, default=0)
    affected: Mapped[int] = mapped_column(Integer, default=0)
    evacuated: Mapped[int] = mapped_column(Integer, default=0)
    houses_collapsed: Mapped[int] = mapped_column(Integer, default=0)
    houses_damaged: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=QuickReportStatus.submitted)
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    """The verifier's note (why it was sent back)."""

    __table_args__ = (
        CheckConstraint(
            "dead >= 0 AND missing >= 0 AND injured >= 0 AND trapped >= 0",
            name="quick_report_casualties_nonneg",
        ),
        CheckConstraint(
            "affected >= 0 AND evacuated >= 0 AND houses_collapsed >= 0 AND houses_damaged >= 0",
            name="quick_report_impact_nonneg",
        ),
        Index("ix_quick_report_place_at", "region_id", "at"),
    )
