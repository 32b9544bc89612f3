"""Queries that flag a broken chain: overdue hazards, false closures, places nobody
inspected in time, and major hazards nobody reported upward.

Each returns plain rows (dicts) so the API, the web page and the CLI print the same thing;
all are scoped to the actor and optionally to a region subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session, aliased

from yingji import clock
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import ValidationFailed
from yingji.hazards import queries
from yingji.hazards.models import GRADE_LABELS, STATE_LABELS, Hazard, HazardGrade, HazardState
from yingji.inspections import service as inspections
from yingji.regions.paths import under

LIMIT = 1000


class Flag(StrEnum):
    overdue = "overdue"  # 逾期未整改
    false_closure = "false_closure"  # 销号后同一检查项复现（假整改）
    not_inspected = "not_inspected"  # 超期未检查
    major_not_reported = "major_not_reported"  # 重大隐患未上报


FLAG_LABELS = {
    "overdue": "逾期未整改",
    "false_closure": "验收后同项复现（疑似假整改）",
    "not_inspected": "超期未检查",
    "major_not_reported": "重大隐患未向上级报告",
}


def _row(h: Hazard, today: dt.date, **extra: Any) -> dict[str, Any]:
    return {
        "hazard_id": h.id,
        "code": h.code,
        "title": h.title,
        "grade": GRADE_LABELS.get(h.grade) if h.grade else None,
        "state": STATE_LABELS.get(h.state, h.state),
        "region_path": h.region_path,
        "enterprise_id": h.enterprise_id,
        "risk_point_id": h.risk_point_id,
        "deadline": h.deadline.isoformat() if h.deadline else None,
        "days_overdue": (today - h.deadline).days if h.deadline and h.deadline < today else 0,
        **extra,
    }


def overdue(session: Session, actor: Actor, under_path: str | None = None) -> list[dict]:
    """Open hazards whose deadline has passed, longest overdue first."""
    today = clock.today()
    filters = queries.HazardFilter(under_path=under_path, overdue=True)
    stmt = filters.apply(queries.scoped(actor), today).order_by(Hazard.deadline, Hazard.id)
    return [_row(h, today) for h in session.scalars(stmt.limit(LIMIT))]


def false_closures(
    session: Session, actor: Actor, under_path: str | None = None, days: int = 90
) -> list[dict]:
    """A hazard found on the same checklist item of the same place within ``days`` of an
    earlier one there being verified: the earlier fix probably was not real."""
    if days < 1:
        raise ValidationFailed(
            "天数须为正数 / days must be positive", [{"field": "days", "reason": "≥ 1"}]
        )
    earlier = aliased(Hazard)
    later = queries.scoped(actor).where(Hazard.checklist_item_id.is_not(None))
    if under_path:
        later = later.where(under(Hazard.region_path, under_path))
    same_place = (earlier.enterprise_id == Hazard.enterprise_id) | (
        earlier.risk_point_id == Hazard.risk_point_id
    )
    stmt = (
        later.add_columns(earlier.id, earlier.code, earlier.verified_at)
        .join(
            earlier,
            (earlier.checklist_item_id == Hazard.checklist_item_id)
            & same_place
            & (earlier.id != Hazard.id)
            & earlier.verified_at.is_not(None)
            & (earlier.verified_at < Hazard.found_at),
        )
        .order_by(Hazard.found_at.desc())
    )
    today = clock.today()
    out = []
    for h, earlier_id, earlier_code, verified_at in session.execute(stmt):
        gap = (h.found_at - verified_at).days
        if gap <= days:
            out.append(
                _row(
                    h,
                    today,
                    earlier_hazard_id=earlier_id,
                    earlier_code=earlier_code,
                    earlier_verified_at=verified_at.isoformat(),
                    days_after_verification=gap,
                )
            )
    return out[:LIMIT]


def not_inspected(session: Session, actor: Actor, under_path: str | None = None) -> list[dict]:
    """Places whose inspection schedule is overdue (never-inspected first)."""
    due = inspections.not_inspected(session, actor, under_path=under_path)
    return [asdict(p) for p in due if p.overdue][:LIMIT]


def major_not_reported(
    session: Session, actor: Actor, under_path: str | None = None, grace_hours: int = 24
) -> list[dict]:
    """Major hazards confirmed more than ``grace_hours`` ago with no upward report."""
    cutoff = utcnow() - dt.timedelta(hours=grace_hours)
    stmt = queries.scoped(actor).where(
        Hazard.grade == HazardGrade.major,
        Hazard.state != HazardState.dismissed,
        Hazard.confirmed_at <= cutoff,
        Hazard.reported_up_at.is_(None),
    )
    if under_path:
        stmt = stmt.where(under(Hazard.region_path, under_path))
    today = clock.today()
    return [
        _row(h, today) for h in session.scalars(stmt.order_by(Hazard.confirmed_at).limit(LIMIT))
    ]


def run(
    session: Session, actor: Actor, flag: str, under_path: str | None = None, days: int = 90
) -> list[dict]:
    """One flag query by name."""
    if flag not in Flag.__members__:
        reason = "须为 " + " / ".join(Flag) + " / must be one of " + ", ".join(Flag)
        raise ValidationFailed(reason, [{"field": "flag", "reason": reason}])
    if flag == Flag.false_closure:
        return false_closures(session, actor, under_path, days)
    return {
        Flag.overdue: overdue,
        Flag.not_inspected: not_inspected,
        Flag.major_not_reported: major_not_reported,
    }[Flag(flag)](session, actor, under_path)
