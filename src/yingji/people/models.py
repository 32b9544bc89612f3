"""Organisations, persons, responsibility assignments and duty shifts."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, utcnow


class OrganisationKind(StrEnum):
    department = "department"
    committee = "committee"
    enterprise = "enterprise"
    rescue_team = "rescue_team"


class Role(StrEnum):
    """Responsibility roles. Later issues may add roles; the column is a plain string."""

    admin = "admin"  # 行政责任人
    technical = "technical"  # 技术责任人
    monitoring = "monitoring"  # 监测责任人
    grid_member = "grid_member"  # 网格员
    baobao = "baobao"  # 包保责任人 (市包县、县包乡、乡包村、村包组、组包户)
    duty_leader = "duty_leader"  # 带班领导


ROLE_LABELS = {
    Role.admin: "行政责任人",
    Role.technical: "技术责任人",
    Role.monitoring: "监测责任人",
    Role.grid_member: "网格员",
    Role.baobao: "包保责任人",
    Role.duty_leader: "带班领导",
}


class TargetKind(StrEnum):
    """What an assignment points at. Later issues add risk_point, enterprise, shelter..."""

    region = "region"
    organisation = "organisation"


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subtype: Mapped[str | None] = mapped_column(String(64))
    """E.g. 安委会 / 专委会 / 防减救灾委 for committees, the sector for departments."""
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CommitteeMember(Base):
    """A member department of a committee and the duties it carries there."""

    __tablename__ = "committee_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    duties: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("committee_id", "department_id"),)


class Person(Base):
    """A person; ``mobile`` is the normalised E.164 number and the natural key."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    mobile: Mapped[str] = mapped_column(String(20), unique=True)
    mobile_alt: Mapped[str | None] = mapped_column(String(20))
    contacts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    title: Mapped[str | None] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Assignment(Base):
    """Person × target × role with a validity period.

    ``target_kind``/``target_id`` reference any kind of target without a table per kind;
    ``region_id`` is the region the target lies in, which scopes who may see the row.
    """

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    target_kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int]
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("person_id", "role", "target_kind", "target_id", "valid_from"),
        Index("ix_assignment_target", "target_kind", "target_id", "role"),
    )


class DutyShift(Base):
    """One shift of an organisation's 24-hour duty roster (值班表)."""

    __tablename__ = "duty_shift"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    duty_officer_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    duty_leader_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    note: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_duty_shift_time", "organisation_id", "starts_at", "ends_at"),)
