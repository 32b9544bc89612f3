"""The incident timeline (时间线): every event of an incident in one ordered list, written
by whichever step caused it, in that step's transaction."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.db import utcnow
from yingji.incidents.models import IncidentEvent


class EventKind(StrEnum):
    received = "received"  # 接报
    updated = "updated"  # 信息更新（伤亡、损失）
    graded = "graded"  # 定级变化
    report = "report"  # 首报 / 上报 / 续报 / 终报
    level = "level"  # 启动、调整、终止响应
    task = "task"  # 任务生成、进展、完成、撤销
    dispatch = "dispatch"  # 调度力量、物资
    warning = "warning"  # 预警、叫应
    quick_report = "quick_report"  # 灾情速报及核实
    note = "note"  # 值班记录、其他
    closed = "closed"  # 事件结束
    review = "review"  # 复盘评估


def record(
    session: Session,
    incident_id: int,
    kind: EventKind | str,
    text: str,
    *,
    data: dict[str, Any] | None = None,
    by: str | None = None,
    at: dt.datetime | None = None,
) -> IncidentEvent:
    """Add one event to the incident's timeline (only flushes)."""
    event = IncidentEvent(
        incident_id=incident_id,
        kind=EventKind(kind).value,
        text=text,
        data=data or {},
        by=by,
        at=at or utcnow(),
    )
    session.add(event)
    session.flush()
    return event


def events(
    session: Session, incident_id: int, *, kinds: list[str] | None = None
) -> list[IncidentEvent]:
    """The incident's events, oldest first."""
    stmt = select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
    if kinds:
        stmt = stmt.where(IncidentEvent.kind.in_(kinds))
    return list(session.scalars(stmt.order_by(IncidentEvent.at, IncidentEvent.id)))
