"""One-page response flows (一页纸应急响应流程图) and the tasks they turn into.

A flow is a plan reduced to steps: at which response level (and for which incident types)
a step applies, who does it (an organisation, a role in the incident's region, or a named
person) and within how many minutes of activation. Declaring or raising a level creates
one task per applicable step; lowering or ending closes the tasks that no longer apply.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yingji.db import Base, JSONType, UTCDateTime, path_type, utcnow


class ResponseFlow(Base):
    __tablename__ = "response_flow"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    """Stable across versions: an edit adds version ``n + 1`` under the same code."""
    name: Mapped[str] = mapped_column(String(200))
    type_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """Incident types it serves (empty: every type)."""
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(path_type(400), index=True)
    """The owning bureau's region: the flow serves incidents in this subtree."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(default=True)
    """Only the current version of a code is active; older versions stay for their tasks."""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    steps: Mapped[list[FlowStep]] = relationship(
        back_populates="flow", cascade="all, delete-orphan", order_by="FlowStep.position"
    )

    __table_args__ = (UniqueConstraint("code", "version", name="response_flow_code_version"),)


class FlowStep(Base):
    __tablename__ = "flow_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(
        ForeignKey("response_flow.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    min_level: Mapped[int] = mapped_column(Integer)
    """The step applies when the declared level is this one or higher (1 = I is highest):
    ``declared <= min_level``."""
    type_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """Narrows the flow's types for this step (empty: the flow's)."""
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str | None] = mapped_column(String(40))
    """A responsibility role in the incident's region (e.g. ``admin``), when no unit."""
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int] = mapped_column(Integer)
    """Time limit after activation."""

    flow: Mapped[ResponseFlow] = relationship(back_populates="steps")

    __table_args__ = (
        CheckConstraint("min_level BETWEEN 1 AND 4", name="flow_step_level_range"),
        CheckConstraint("minutes > 0", name="flow_step_minutes_positive"),
    )


class TaskStatus(StrEnum):
    open = "open"  # 待办
    in_progress = "in_progress"  # 处理中
    done = "done"  # 已完成
    cancelled = "cancelled"  # 已撤销（不再适用）


class Task(Base):
    __tablename__ = "incident_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int | None] = mapped_column(ForeignKey("flow_step.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    role: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.open, index=True)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    level: Mapped[int | None] = mapped_column(Integer)
    """The response level that created it."""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("incident_id", "step_id", name="task_once_per_step"),)


class TaskUpdate(Base):
    """A progress note on a task (attachments hang on it as ``task_update`` files)."""

    __tablename__ = "incident_task_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("incident_task.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
