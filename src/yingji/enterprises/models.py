"""Enterprises: the production-safety facts about an organisation of kind ``enterprise``."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from yingji.db import Base, UTCDateTime, utcnow
from yingji.people import targets
from yingji.people.models import Organisation


class RiskGrade(StrEnum):
    """Enterprise safety-risk grade: 重大 red, 较大 orange, 一般 yellow, 低 blue."""

    major = "major"
    large = "large"
    general = "general"
    low = "low"


RISK_GRADE_LABELS = {
    RiskGrade.major: ("重大风险", "red"),
    RiskGrade.large: ("较大风险", "orange"),
    RiskGrade.general: ("一般风险", "yellow"),
    RiskGrade.low: ("低风险", "blue"),
}


class Enterprise(Base):
    """One row per enterprise organisation; name and region stay on the organisation, so
    scope and enterprise users work exactly as for every other organisation."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), unique=True
    )
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    industry_code: Mapped[str] = mapped_column(String(4), index=True)
    """GB/T 4754-2017 code, 2 to 4 digits (division, group or class)."""
    supervising_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    risk_grade: Mapped[str] = mapped_column(String(16), default=RiskGrade.general)
    principal_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    """主要负责人."""
    safety_manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    """安全管理负责人."""
    address: Mapped[str | None] = mapped_column(String(300))
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    employees: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def _regions_of(session: Session, ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Enterprise.id, Organisation.region_id)
        .join(Organisation, Organisation.id == Enterprise.organisation_id)
        .where(Enterprise.id.in_(ids))
    ).all()
    return dict(rows)


targets.register("enterprise", _regions_of)
