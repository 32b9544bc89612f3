"""Assemble the trace-back of one enterprise or risk point over a window.

The report is plain data (dataclasses of strings, dates and numbers) so the web page, the
JSON API and the PDF all show the same facts from one query pass: inspections finished in
the window, every hazard alive during it with its full timeline, the persons answerable for
the place, the notices sent about its hazards, and who verified each fix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.enterprises import service as enterprises
from yingji.enterprises.models import Enterprise
from yingji.errors import ValidationFailed
from yingji.hazards import machine
from yingji.hazards.models import GRADE_LABELS, OPEN_STATES, STATE_LABELS, Hazard, HazardEvent
from yingji.inspections.models import KIND_LABELS as INSPECTION_KIND_LABELS
from yingji.inspections.models import (
    ChecklistItem,
    Inspection,
    InspectionResult,
    InspectionState,
)
from yingji.lookups import rows_by_id, values_by_id
from yingji.notices.models import KIND_LABELS, Notice, NoticeRecipient
from yingji.people.models import ROLE_LABELS, Assignment, Person
from yingji.regions.models import Region
from yingji.risk import service as risk

SubjectKind = Literal["enterprise", "risk_point"]
SUBJECT_LABELS = {"enterprise": "企业", "risk_point": "风险点"}
PLACE_ROLE_LABELS = {**ROLE_LABELS, "principal": "主要负责人", "safety_manager": "安全管理负责人"}
MAX_WINDOW_DAYS = 3 * 366


@dataclass
class Step:
    at: dt.datetime
    action: str
    state: str
    actor: str
    comment: str | None


@dataclass
class HazardTrace:
    id: int
    code: str
    title: str
    grade: str
    state: str
    found_at: dt.datetime
    found_by: str
    owner: str | None
    deadline: dt.date | None
    missed_deadline: bool
    days_late: int
    verified_by: str | None
    verified_at: dt.datetime | None
    closed_at: dt.datetime | None
    steps: list[Step] = field(default_factory=list)


@dataclass
class InspectionTrace:
    code: str
    kind: str
    unannounced: bool
    inspector: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    failed: list[str] = field(default_factory=list)
    """``item code clause — text → hazard code`` for every failed item."""


@dataclass
class Responsibility:
    role: str
    name: str
    mobile: str
    since: dt.date | None
    until: dt.date | None


@dataclass
class NoticeTrace:
    """A notice about one of the place's hazards (the Chinese title: reports are filed)."""

    at: dt.datetime
    kind: str
    title: str
    hazard_code: str
    recipients: list[str]


@dataclass
class TraceReport:
    subject_kind: str
    subject_id: int
    subject_name: str
    region: str
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    generated_by: str
    responsible: list[Responsibility]
    inspections: list[InspectionTrace]
    hazards: list[HazardTrace]
    notices: list[NoticeTrace]
    summary: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _window(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if end < start:
        raise ValidationFailed(
            "结束日期早于开始日期 / the window ends before it starts",
            [{"field": "to", "reason": "须不早于开始日期 / must not be before from"}],
        )
    if (end - start).days > MAX_WINDOW_DAYS:
        raise ValidationFailed(
            "时间范围不超过三年 / the window is at most three years",
            [{"field": "from", "reason": "时间范围过长 / window too long"}],
        )
    tz = clock.zone()
    return (
        dt.datetime.combine(start, dt.time(), tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz),
    )


def _subject(
    session: Session, actor: Actor, kind: SubjectKind, subject_id: int
) -> tuple[str, int, Any]:
    """(name, region id, column filter) of the place, if the actor may see it."""
    if kind == "enterprise":
        view = enterprises.get_enterprise(session, actor, subject_id)
        return view.organisation.name, view.organisation.region_id, Hazard.enterprise_id
    point = risk.get_risk_point(session, actor, subject_id)
    return point.name, point.region_id, Hazard.risk_point_id


def _missed(hazard: Hazard, now: dt.datetime) -> int:
    """Days the (latest) submission came after the deadline; still-open hazards count to now."""
    if hazard.deadline is None or hazard.state == "dismissed":
        return 0
    waiting = hazard.state in ("assigned", "rectifying", "suspended")
    finished = clock.today((None if waiting else hazard.submitted_at) or now)
    return max(0, (finished - hazard.deadline).days)


def _hazards(
    session: Session, column: Any, subject_id: int, start: dt.datetime, end: dt.datetime
) -> list[Hazard]:
    alive = and_(
        column == subject_id,
        Hazard.found_at < end,
        or_(Hazard.closed_at.is_(None), Hazard.closed_at >= start),
    )
    return list(session.scalars(select(Hazard).where(alive).order_by(Hazard.found_at)))


def _hazard_traces(session: Session, found: list[Hazard], now: dt.datetime) -> list[HazardTrace]:
    ids = [h.id for h in found]
    events: dict[int, list[Step]] = {i: [] for i in ids}
    for e in session.scalars(
        select(HazardEvent).where(HazardEvent.hazard_id.in_(ids)).order_by(HazardEvent.id)
    ):
        events[e.hazard_id].append(
            Step(
                e.at,
                machine.ACTION_LABELS.get(e.action, e.action),
                STATE_LABELS.get(e.to_state, e.to_state),
                e.actor_name,
                e.comment,
            )
        )
    users = values_by_id(
        session,
        User,
        User.username,
        {h.found_by_id for h in found} | {h.verified_by_id for h in found},
    )
    owners = rows_by_id(session, Person, {h.owner_person_id for h in found})
    out = []
    for h in found:
        late = _missed(h, now)
        owner = owners.get(h.owner_person_id) if h.owner_person_id else None
        out.append(
            HazardTrace(
                id=h.id,
                code=h.code or str(h.id),
                title=h.title,
                grade=GRADE_LABELS.get(h.grade, "待定级") if h.grade else "待定级",
                state=STATE_LABELS.get(h.state, h.state),
                found_at=h.found_at,
                found_by=users.get(h.found_by_id, "") if h.found_by_id else "",
                owner=f"{owner.name} {owner.mobile}" if owner else None,
                deadline=h.deadline,
                missed_deadline=late > 0,
                days_late=late,
                verified_by=users.get(h.verified_by_id) if h.verified_by_id else None,
                verified_at=h.verified_at,
                closed_at=h.closed_at,
                steps=events[h.id],
            )
        )
    return out


def _inspections(
    session: Session,
    kind: SubjectKind,
    subject_id: int,
    start: dt.datetime,
    end: dt.datetime,
    codes: dict[int, str],
) -> list[InspectionTrace]:
    column = Inspection.enterprise_id if kind == "enterprise" else Inspection.risk_point_id
    found = list(
        session.scalars(
            select(Inspection)
            .where(column == subject_id, Inspection.started_at < end)
            .where(or_(Inspection.finished_at.is_(None), Inspection.finished_at >= start))
            .order_by(Inspection.started_at)
        )
    )
    failed: dict[int, list[str]] = {i.id: [] for i in found}
    rows = session.execute(
        select(InspectionResult, ChecklistItem)
        .join(ChecklistItem, ChecklistItem.id == InspectionResult.item_id)
        .where(
            InspectionResult.inspection_id.in_([i.id for i in found]),
            InspectionResult.result == "fail",
        )
        .order_by(ChecklistItem.position)
    ).all()
    for result, item in rows:
        target = codes.get(result.hazard_id) if result.hazard_id else None
        text = f"{item.code} {item.clause} — {item.text_zh}"
        failed[result.inspection_id].append(f"{text} → {target}" if target else text)
    return [
        InspectionTrace(
            code=i.code or str(i.id),
            kind=INSPECTION_KIND_LABELS.get(i.kind, i.kind),
            unannounced=i.unannounced,
            inspector=i.inspector_name,
            started_at=i.started_at,
            finished_at=i.finished_at if i.state == InspectionState.submitted else None,
            failed=failed[i.id],
        )
        for i in found
    ]


def _responsible(
    session: Session, kind: SubjectKind, subject_id: int, start: dt.date, end: dt.date
) -> list[Responsibility]:
    rows = list(
        session.scalars(
            select(Assignment)
            .where(
                Assignment.target_kind == kind,
                Assignment.target_id == subject_id,
                Assignment.valid_from <= end,
                or_(Assignment.valid_to.is_(None), Assignment.valid_to >= start),
            )
            .order_by(Assignment.role, Assignment.valid_from)
        )
    )
    out = []
    persons = rows_by_id(session, Person, {a.person_id for a in rows})
    for a in rows:
        p = persons[a.person_id]
        out.append(
            Responsibility(
                PLACE_ROLE_LABELS.get(a.role, a.role), p.name, p.mobile, a.valid_from, a.valid_to
            )
        )
    if kind == "enterprise":
        ent = session.get_one(Enterprise, subject_id)
        named = rows_by_id(session, Person, {ent.principal_id, ent.safety_manager_id})
        for role, pid in (
            ("principal", ent.principal_id),
            ("safety_manager", ent.safety_manager_id),
        ):
            if pid in named:
                label = PLACE_ROLE_LABELS[role]
                out.append(Responsibility(label, named[pid].name, named[pid].mobile, None, None))
    return out


def _notices(session: Session, codes: dict[int, str]) -> list[NoticeTrace]:
    found = list(
        session.scalars(
            select(Notice)
            .where(Notice.subject_kind == "hazard", Notice.subject_id.in_(list(codes)))
            .order_by(Notice.created_at)
        )
    )
    recipients: dict[int, list[str]] = {n.id: [] for n in found}
    rows = session.execute(
        select(NoticeRecipient.notice_id, Person.name, NoticeRecipient.read_at)
        .join(Person, Person.id == NoticeRecipient.person_id)
        .where(NoticeRecipient.notice_id.in_(list(recipients)))
    ).all()
    for notice_id, name, read_at in rows:
        recipients[notice_id].append(f"{name}{'（已读）' if read_at else '（未读）'}")
    return [
        NoticeTrace(
            n.created_at,
            KIND_LABELS.get(n.kind, n.kind),
            n.title.split(" / ")[0],
            codes.get(n.subject_id or 0, ""),
            recipients[n.id],
        )
        for n in found
    ]


def build(
    session: Session,
    actor: Actor,
    kind: SubjectKind,
    subject_id: int,
    start: dt.date,
    end: dt.date,
) -> TraceReport:
    """The trace-back report; the place must be in the actor's scope."""
    window = _window(start, end)
    name, region_id, column = _subject(session, actor, kind, subject_id)
    region = session.get_one(Region, region_id)
    now = utcnow()
    found = _hazards(session, column, subject_id, *window)
    traces = _hazard_traces(session, found, now)
    codes = {h.id: h.code or str(h.id) for h in found}
    all_codes = dict(
        session.execute(select(Hazard.id, Hazard.code).where(column == subject_id)).all()
    )
    inspections = _inspections(session, kind, subject_id, *window, all_codes)
    notices = _notices(session, codes)
    summary = {
        "inspections": len(inspections),
        "unannounced": sum(i.unannounced for i in inspections),
        "hazards": len(traces),
        "major": sum(h.grade == GRADE_LABELS["major"] for h in traces),
        "open": sum(h.state in OPEN_STATES for h in found),
        "missed_deadlines": sum(t.missed_deadline for t in traces),
        "notices": len(notices),
    }
    return TraceReport(
        subject_kind=kind,
        subject_id=subject_id,
        subject_name=name,
        region=f"{region.name}（{region.code}）",
        start=start,
        end=end,
        generated_at=now,
        generated_by=actor.username,
        responsible=_responsible(session, kind, subject_id, start, end),
        inspections=inspections,
        hazards=traces,
        notices=notices,
        summary=summary,
    )
