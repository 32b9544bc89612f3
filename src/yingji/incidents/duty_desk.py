"""The duty desk (值班值守): who is on duty now, calls taken (a call may open an incident in
the same step), the shift log and handovers, and the live list the shift works from: open
incidents with their next reporting deadline, overdue reports and overdue tasks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import ValidationFailed
from yingji.incidents import reporting, service
from yingji.incidents.models import DutyLog, DutyLogKind, Incident
from yingji.incidents.timeline import EventKind, record
from yingji.people import duty
from yingji.regions.models import Region

LOG_WINDOW = dt.timedelta(hours=24)
"""The log shown on the desk: the last day."""
MAX_TEXT = 4000
BOARD_LIMIT = 500
"""Open incidents on the board, newest first: a city's desk in a bad flood season."""


def _home(session: Session, actor: Actor) -> Region:
    """The actor's own region: where their log entries are filed."""
    region = session.get(Region, actor.region_id) if actor.region_id else None
    if region is None:
        raise ValidationFailed(
            "账号未关联区划，不能记录值班日志 / the account has no region",
            [{"row": None, "field": "region", "reason": "no region"}],
        )
    return region


def _shift_id(session: Session, actor: Actor, at: dt.datetime) -> int | None:
    if actor.organisation_id is None:
        return None
    here = duty.on_duty(session, actor, at=at, organisation_id=actor.organisation_id)
    return here[0].shift_id if here else None


def log(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    text: str,
    caller: str | None = None,
    caller_phone: str | None = None,
    incident_id: int | None = None,
    now: dt.datetime | None = None,
) -> DutyLog:
    """One line in the duty log of the actor's region."""
    actor.require_write()
    now = now or utcnow()
    problems = []
    if kind not in {k.value for k in DutyLogKind}:
        problems.append({"row": None, "field": "kind", "reason": "call, handover or note"})
    if not text.strip():
        problems.append({"row": None, "field": "text", "reason": "必填 / required"})
    elif len(text) > MAX_TEXT:
        problems.append({"row": None, "field": "text", "reason": f"at most {MAX_TEXT}"})
    if problems:
        raise ValidationFailed("值班记录有误 / invalid duty log entry", problems)
    if incident_id is not None:
        service.get(session, actor, incident_id)
    region = _home(session, actor)
    entry = DutyLog(
        kind=kind,
        at=now,
        region_id=region.id,
        region_path=region.path,
        caller=(caller or "").strip() or None,
        caller_phone=(caller_phone or "").strip() or None,
        text=text.strip(),
        incident_id=incident_id,
        shift_id=_shift_id(session, actor, now),
        by=actor.username,
    )
    session.add(entry)
    session.flush()
    return entry


def take_call(
    session: Session,
    actor: Actor,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> tuple[DutyLog, Incident | None]:
    """A call taken at the desk: logged, and when it reports an incident (``incident``
    given), the incident is taken in by the same step, or the call is added to an existing
    one (``incident_id``)."""
    now = now or utcnow()
    incident = None
    if data.get("incident"):
        fields = {**data["incident"], "source": "duty_call"}
        incident = service.create(session, actor, fields, now=now)
    elif data.get("incident_id"):
        incident = service.get(session, actor, int(data["incident_id"]))
    entry = log(
        session,
        actor,
        kind=DutyLogKind.call,
        text=str(data.get("text") or ""),
        caller=data.get("caller"),
        caller_phone=data.get("caller_phone"),
        incident_id=incident.id if incident else None,
        now=now,
    )
    if incident is not None and not data.get("incident"):
        who = entry.caller or "来电"
        record(
            session, incident.id, EventKind.note, f"{who}：{entry.text}", by=actor.username, at=now
        )
    return entry, incident


@dataclass
class Board:
    """What the shift works from."""

    now: dt.datetime
    on_duty: list[duty.OnDuty]
    incidents: list[dict[str, Any]]
    overdue_reports: int
    overdue_tasks: list[Any] = field(default_factory=list)
    log: list[DutyLog] = field(default_factory=list)


def board(session: Session, actor: Actor, *, now: dt.datetime | None = None) -> Board:
    from yingji.incidents import tasks  # beside us; imported when used

    now = now or utcnow()
    rows = []
    overdue_reports = 0
    for incident in service.listing(session, actor, open_only=True, limit=BOARD_LIMIT):
        owed = [o for o in reporting.obligations(session, incident) if o.done_at is None]
        late = [o for o in owed if o.state(now) == "overdue"]
        overdue_reports += len(late)
        upcoming = min(owed, key=lambda o: o.due_at) if owed else None
        rows.append(
            {
                "incident": incident,
                "overdue": [o.as_dict(now) for o in late],
                "next": upcoming.as_dict(now) if upcoming else None,
            }
        )
    entries = session.scalars(
        actor.by_path(select(DutyLog), DutyLog.region_path)
        .where(DutyLog.at >= now - LOG_WINDOW)
        .order_by(DutyLog.at.desc())
        .limit(200)
    ).all()
    return Board(
        now=now,
        on_duty=duty.on_duty(session, actor, at=now),
        incidents=rows,
        overdue_reports=overdue_reports,
        overdue_tasks=tasks.overdue(session, actor, now),
        log=list(entries),
    )


def handover(
    session: Session,
    actor: Actor,
    *,
    text: str = "",
    to: str | None = None,
    now: dt.datetime | None = None,
) -> DutyLog:
    """Hand the shift over: the open items are written into the entry so the next shift
    reads them from the log, followed by the officer's own words."""
    now = now or utcnow()
    state = board(session, actor, now=now)
    lines = [f"在办事件 {len(state.incidents)} 起"]
    for row in state.incidents:
        inc = row["incident"]
        mark = "（报送超时）" if row["overdue"] else ""
        lines.append(f"· {inc.code} {inc.title}{mark}")
    lines.append(f"超时未报 {state.overdue_reports} 项；逾期任务 {len(state.overdue_tasks)} 项")
    if text.strip():
        lines.append(text.strip())
    return log(
        session,
        actor,
        kind=DutyLogKind.handover,
        text="\n".join(lines),
        caller=to,
        now=now,
    )
