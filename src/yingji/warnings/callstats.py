"""Call-response statistics (预警叫应统计) over a period and a region subtree.

Warnings issued (by level), direct messages, instructions, person-times (messages that
left for a person), delivery success rate, confirmation rate, median time to confirm and
escalations, with a breakdown by county or township. The period is local calendar days
(both ends included); an instruction counts in the period it was written, with everything
that happened to it since. Figures are the board's set-based tallies (:mod:`tally`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import NotFound, PermissionDenied, ValidationFailed
from yingji.notify.models import Delivery, DeliveryState
from yingji.regions.models import Region
from yingji.warnings import service, tally
from yingji.warnings.direct import scoped as direct_scoped
from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.instruction_models import Instruction
from yingji.warnings.models import LEVEL_LABELS, LEVEL_NAMES, EarlyWarning, WarningRegion
from yingji.warnings.tally import I

DEFAULT_DAYS = 30
MAX_DAYS = 3660
NAME_NATIONAL = "全国 / national"


def window(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period (first and last local day); by default the last 30 days to today."""
    end = end or clock.today()
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationFailed(
            "开始日期晚于结束日期 / the start is after the end",
            [{"row": None, "field": "start", "reason": "start after end"}],
        )
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(
            "统计期过长 / the period is too long",
            [{"row": None, "field": "start", "reason": f"at most {MAX_DAYS} days"}],
        )
    return start, end


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = clock.zone()
    first = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return first, after


def region_of(session: Session, actor: Actor, code: str | None) -> dict[str, Any]:
    """The subtree counted: ``code``, or the actor's own region (the whole country for a
    national actor); refused outside the actor's subtree."""
    if code:
        region = session.scalar(select(Region).where(Region.code == code))
        if region is None:
            raise NotFound(f"区划不存在 / region {code} not found")
        if not actor.covers(region.path):
            raise PermissionDenied(f"区划 {code} 不在本账号辖区 / region {code} outside your area")
        return {
            "code": region.code,
            "name": region.name,
            "level": region.level,
            "path": region.path,
        }
    if actor.region_path == "/":
        return {"code": "", "name": NAME_NATIONAL, "level": 0, "path": "/"}
    own = session.scalar(select(Region).where(Region.path == actor.region_path))
    if own is None:
        raise NotFound("本账号区划不存在 / your region is missing")
    return {"code": own.code, "name": own.name, "level": own.level, "path": own.path}


def _ancestor_paths(path: str) -> list[str]:
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def _warnings(
    session: Session, actor: Actor, path: str, first: dt.datetime, after: dt.datetime
) -> dict[str, Any]:
    """Warnings sent in the period touching the subtree (a region at or below it, or one
    above it), by level."""
    stmt = service.scoped(
        actor, select(EarlyWarning.level, func.count()).group_by(EarlyWarning.level)
    ).where(
        EarlyWarning.sent >= first,
        EarlyWarning.sent < after,
        EarlyWarning.cap_status == "Actual",
    )
    if path != "/":
        touching = select(WarningRegion.warning_id).where(
            or_(
                WarningRegion.path.startswith(path, autoescape=True),
                WarningRegion.path.in_(_ancestor_paths(path)),
            )
        )
        stmt = stmt.where(EarlyWarning.id.in_(touching))
    counts = {int(level): int(n) for level, n in session.execute(stmt)}
    return {
        "total": sum(counts.values()),
        "by_level": [
            {
                "level": level,
                "level_name": LEVEL_NAMES[level],
                "label": LEVEL_LABELS[level],
                "count": counts.get(level, 0),
            }
            for level in sorted(LEVEL_LABELS)
        ],
    }


def _directs(
    session: Session, actor: Actor, path: str, first: dt.datetime, after: dt.datetime
) -> int:
    stmt = direct_scoped(actor, select(func.count()).select_from(DirectMessage)).where(
        DirectMessage.created_at >= first, DirectMessage.created_at < after
    )
    if path != "/":
        stmt = stmt.where(DirectMessage.region_path.startswith(path, autoescape=True))
    return int(session.scalar(stmt) or 0)


def _deliveries(session: Session, where: list[ColumnElement[bool]]) -> dict[str, int]:
    """Person-times (deliveries that left: sent or delivered) and failed deliveries."""
    left = Delivery.sent_at.is_not(None) | Delivery.state.in_(
        [DeliveryState.sent.value, DeliveryState.delivered.value]
    )
    stmt = (
        select(
            func.sum(tally.case_flag(left)),
            func.sum(tally.case_flag(Delivery.state == DeliveryState.delivered.value)),
            func.sum(tally.case_flag(Delivery.state == DeliveryState.failed.value)),
        )
        .select_from(Delivery)
        .join(Instruction, Instruction.id == Delivery.instruction_id)
        .where(*where)
    )
    sent, delivered, failed = session.execute(stmt).one()
    return {
        "person_times": int(sent or 0),
        "deliveries_delivered": int(delivered or 0),
        "deliveries_failed": int(failed or 0),
    }


def stats(
    session: Session,
    actor: Actor,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    under: str | None = None,
    level: int | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Every figure of the period (see the module docstring). ``level`` is the region level
    of the breakdown: by default the counties of a province or city, else the townships."""
    start, end = window(start, end)
    first, after = _bounds(start, end)
    region = region_of(session, actor, under)
    path = region["path"]
    now = now or utcnow()
    where: list[ColumnElement[bool]] = [I.created_at >= first, I.created_at < after]
    inside = tally.under_clause(path)
    if inside is not None:
        where.append(inside)
    calls = [*where, I.round == 0]
    rows = tally.grouped(session, calls, now)
    figures = tally.empty()
    for r in rows:
        tally.add(figures, r)
    counts = session.execute(
        select(
            func.count(),
            func.sum(tally.case_flag(I.round >= 1)),
            func.sum(tally.case_flag(I.direct_id.is_not(None) & (I.round == 0))),
        ).where(*where)
    ).one()
    if level is None:
        level = 3 if region["level"] < 3 else min(region["level"] + 1, 6)
    used, groups = tally.roll_up(session, rows, level)
    return {
        "region": {k: region[k] for k in ("code", "name", "level")},
        "window": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "days": (end - start).days + 1,
        },
        "warnings": _warnings(session, actor, path, first, after),
        "direct_messages": _directs(session, actor, path, first, after),
        "figures": {
            **tally.with_rates(figures),
            "instructions": int(counts[0] or 0),
            "escalation_instructions": int(counts[1] or 0),
            "direct_instructions": int(counts[2] or 0),
            **_deliveries(session, where),
            "median_confirm_seconds": tally.median_seconds(session, calls),
        },
        "region_level": used,
        "by_region": [
            {"code": g.code, "name": g.name, "level": g.level, **tally.with_rates(g.figures)}
            for g in groups
        ],
    }
