"""Reporting deadlines (报送时限): who must have the incident report by when.

Order 493 (reference §3): the unit reports to the county regulator within 1 hour of the
accident, each level passes it up within 2 hours, and casualty changes are reported for 30
days (7 for road traffic and fire). How far up it goes follows the grade (Art. 10): an
especially major or major incident reaches the State Council's department (level 0), a
large one the province (1), a general one the city (2). Natural disasters and ungraded
incidents follow the same chain by their response grade.

Obligations are computed from the incident and its reports, never stored, so a late
report or a regrade moves them at once; a timer at each due time alerts the owing level's
duty desk when the report is still missing then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import jobs
from yingji.auth.models import User
from yingji.config import get_settings
from yingji.incidents import types
from yingji.incidents.models import Incident, IncidentReport, IncidentStatus
from yingji.notices import service as notices
from yingji.people.models import DutyShift, Organisation
from yingji.regions.models import Region

FIRST_REPORT = dt.timedelta(hours=1)
PASS_UP = dt.timedelta(hours=2)
LEVEL_NAMES = {3: "县级", 2: "市级", 1: "省级", 0: "国务院有关部门"}
TOP_LEVEL_BY_GRADE = {1: 0, 2: 0, 3: 1, 4: 2}
"""The highest level an incident of each grade is reported to (ungraded: the city)."""
DUE_JOB = "incident.report_due"
SUBJECT = "incident"


@dataclass(frozen=True)
class Obligation:
    kind: str
    """``first`` (to the county), ``upward`` (each level above), ``follow_up`` (续报)."""
    to_level: int
    due_at: dt.datetime
    done_at: dt.datetime | None

    def state(self, now: dt.datetime) -> str:
        if self.done_at is not None:
            return "done" if self.done_at <= self.due_at else "late"
        return "overdue" if now > self.due_at else "due"

    def minutes_left(self, now: dt.datetime) -> float:
        return round((self.due_at - now).total_seconds() / 60.0, 1)

    def as_dict(self, now: dt.datetime) -> dict[str, object]:
        return {
            "kind": self.kind,
            "to_level": self.to_level,
            "to": LEVEL_NAMES[self.to_level],
            "due_at": self.due_at.isoformat(),
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "state": self.state(now),
            "minutes_left": self.minutes_left(now) if self.done_at is None else None,
        }


def top_level(incident: Incident) -> int:
    return TOP_LEVEL_BY_GRADE.get(incident.grade or 4, 2)


def follow_up_until(incident: Incident) -> dt.datetime:
    """The end of the window in which casualty changes are reported."""
    days = types.get(incident.type_code).follow_up_days
    return incident.occurred_at + dt.timedelta(days=days)


def _reports(session: Session, incident_id: int) -> list[IncidentReport]:
    stmt = select(IncidentReport).where(IncidentReport.incident_id == incident_id)
    return list(session.scalars(stmt.order_by(IncidentReport.at, IncidentReport.id)))


def obligations(session: Session, incident: Incident) -> list[Obligation]:
    """The chain from the county up to the level the grade requires, then the follow-up
    report owed for the latest casualty change (inside the follow-up window)."""
    reports = _reports(session, incident.id)
    first_at: dict[int, dt.datetime] = {}
    for r in reports:
        first_at.setdefault(r.to_level, r.at)
    out: list[Obligation] = []
    due = incident.occurred_at + FIRST_REPORT
    for level in range(3, top_level(incident) - 1, -1):
        done = first_at.get(level)
        out.append(Obligation("first" if level == 3 else "upward", level, due, done))
        due = (done or due) + PASS_UP
    changed = incident.figures_changed_at
    if changed is not None and changed <= follow_up_until(incident):
        after = [r.at for r in reports if r.at >= changed]
        wait = dt.timedelta(minutes=get_settings().follow_up_report_minutes)
        out.append(Obligation("follow_up", 3, changed + wait, min(after) if after else None))
    return out


def overdue(session: Session, incident: Incident, now: dt.datetime) -> list[Obligation]:
    if incident.status == IncidentStatus.closed:
        return []
    return [o for o in obligations(session, incident) if o.state(now) == "overdue"]


# --- timers and alerts -------------------------------------------------------------------


def _key(incident_id: int, o: Obligation) -> str:
    return f"{DUE_JOB}:{incident_id}:{o.kind}:{o.to_level}:{o.due_at.isoformat()}"


def schedule(session: Session, incident: Incident) -> None:
    """A timer at each open obligation's due time (keys name the due time, so a moved
    deadline gets a new timer and the old one finds nothing owed)."""
    if incident.status == IncidentStatus.closed:
        return
    for o in obligations(session, incident):
        if o.done_at is None:
            payload = {"kind": o.kind, "to_level": o.to_level, "due_at": o.due_at.isoformat()}
            jobs.schedule(
                session, DUE_JOB, o.due_at, SUBJECT, incident.id, payload, _key(incident.id, o)
            )


def owing_region(session: Session, incident: Incident, to_level: int) -> Region | None:
    """The region that must send a report to ``to_level``: the one just below it on the
    incident's chain (the county sends to the city...), the incident's county for the first
    report."""
    codes = [c for c in incident.region_path.split("/") if c]
    regions = {r.level: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    sender_level = 3 if to_level == 3 else to_level + 1
    return regions.get(sender_level) or regions.get(max(regions)) if regions else None


def _desk(session: Session, region: Region, at: dt.datetime) -> tuple[list, list]:
    """Who is told: the duty officers and leaders on shift in the region's organisations,
    and the accounts of the region's own bureau."""
    shifts = session.execute(
        select(DutyShift.duty_officer_id, DutyShift.duty_leader_id)
        .join(Organisation, Organisation.id == DutyShift.organisation_id)
        .where(
            Organisation.region_id == region.id,
            DutyShift.starts_at <= at,
            DutyShift.ends_at > at,
        )
    ).all()
    persons = {(o, "duty_officer") for o, _ in shifts} | {
        (leader, "duty_leader") for _, leader in shifts if leader
    }
    users = session.scalars(select(User.id).where(User.region_id == region.id)).all()
    return sorted(persons), [(u, "duty_desk") for u in users]


@jobs.handler(DUE_JOB)
def alert_overdue(session: Session, job: jobs.Job) -> None:
    """At a due time: if that report is still missing, tell the owing level's duty desk."""
    incident = session.get(Incident, job.subject_id)
    if incident is None or incident.status == IncidentStatus.closed:
        return
    owed = [
        o
        for o in obligations(session, incident)
        if o.done_at is None
        and o.kind == job.payload.get("kind")
        and o.to_level == job.payload.get("to_level")
        and o.due_at.isoformat() == job.payload.get("due_at")
    ]
    if not owed:
        return
    o = owed[0]
    region = owing_region(session, incident, o.to_level) or session.get(Region, incident.region_id)
    assert region is not None
    persons, users = _desk(session, region, job.now)
    what = "续报" if o.kind == "follow_up" else f"向{LEVEL_NAMES[o.to_level]}报告"
    notices.issue(
        session,
        kind="report_due",
        title=f"【报送超时】{incident.title}：{what}已超时",
        body=(
            f"{incident.title}（{incident.code}）应于 {o.due_at:%Y-%m-%d %H:%M} UTC 前{what}，"
            "至今未报，请立即报送。"
        ),
        region_id=region.id,
        key=job.key,
        persons=persons,
        users=users,
        subject=(SUBJECT, incident.id),
        data={"incident_id": incident.id, **job.payload},
        now=job.now,
    )
