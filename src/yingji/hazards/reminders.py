"""Deadline timers for hazards: prompt before, urge when overdue, circular after N days,
and the upward report (双报告) of a major hazard.

The service calls :func:`after_step` after every step, inside the step's transaction, so a
timer exists exactly when the state it depends on was committed. Handlers run later in a
worker and look at the hazard again: a timer left over from a closed hazard, or from a
deadline since moved, does nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import clock, jobs
from yingji.auth.scope import system_actor
from yingji.config import get_settings
from yingji.enterprises.models import Enterprise
from yingji.hazards.models import GRADE_LABELS, Hazard, HazardEvent, HazardGrade, HazardState
from yingji.notices import service as notices
from yingji.notices.models import NoticeKind
from yingji.people.models import Assignment, Organisation, OrganisationKind, Person, Role
from yingji.people.models import TargetKind as PeopleTarget
from yingji.people.responsibility import escalation_chains
from yingji.people.service import active_on
from yingji.regions.models import Region

SUBJECT = "hazard"
PROMPT, URGE, CIRCULAR, DOUBLE_REPORT = (
    "hazard.prompt",
    "hazard.urge",
    "hazard.circular",
    "hazard.double_report",
)
DEADLINE_KINDS = (PROMPT, URGE, CIRCULAR)
CLOCK_STATES = frozenset({HazardState.assigned, HazardState.rectifying, HazardState.suspended})
"""States in which the rectification deadline is running."""
SEND_AT = dt.time(8, 0)
"""Letters go out at the start of office hours, local time, so someone reads them that day."""
EMERGENCY_SUBTYPE = "应急"
"""The subtype of a region's emergency management bureau among its departments."""


def _send_time(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, SEND_AT, clock.zone()).astimezone(dt.UTC)


def due_times(deadline: dt.date) -> dict[str, dt.datetime]:
    """When each deadline letter is due: the prompt N days before, the urge on the first
    overdue day, the circular once the hazard has been overdue for the configured days."""
    settings = get_settings()
    first_overdue = deadline + dt.timedelta(days=1)
    return {
        PROMPT: _send_time(deadline - dt.timedelta(days=settings.hazard_prompt_days_before)),
        URGE: _send_time(first_overdue),
        CIRCULAR: _send_time(
            first_overdue + dt.timedelta(days=settings.hazard_circular_after_days)
        ),
    }


def _key(hazard_id: int, kind: str, deadline: dt.date | None = None) -> str:
    suffix = f":{deadline.isoformat()}" if deadline else ""
    return f"{kind}:{hazard_id}{suffix}"


# --- scheduling (inside the step's transaction) ---------------------------------------


def after_step(session: Session, hazard: Hazard, event: HazardEvent) -> None:
    """Keep this hazard's timers in step with the step just taken."""
    subject = (SUBJECT, hazard.id)
    if event.action == "confirm" and hazard.grade == HazardGrade.major:
        jobs.schedule(
            session, DOUBLE_REPORT, event.at, *subject, {}, _key(hazard.id, DOUBLE_REPORT)
        )
    was_running = event.from_state in CLOCK_STATES
    running = hazard.state in CLOCK_STATES and hazard.deadline is not None
    if was_running and not running:  # submitted, closed...: the letters are not needed
        jobs.cancel(session, subject, DEADLINE_KINDS)
    if not running or was_running:  # steps within the clock (start, progress...) keep them
        return
    if event.action == "assign":
        # A new deadline replaces any older letters (their keys name the old deadline).
        jobs.cancel(session, subject, DEADLINE_KINDS)
    deadline = hazard.deadline
    assert deadline is not None
    for kind, due in due_times(deadline).items():
        payload = {"deadline": deadline.isoformat()}
        jobs.schedule(session, kind, due, *subject, payload, _key(hazard.id, kind, deadline))


# --- who receives what -----------------------------------------------------------------


Recipients = list[tuple[int, str]]


def _department_people(session: Session, department_id: int, on: dt.date) -> Recipients:
    """The department's responsible persons (admin role) and its own staff."""
    responsible = session.scalars(
        select(Assignment.person_id).where(
            Assignment.target_kind == PeopleTarget.organisation,
            Assignment.target_id == department_id,
            Assignment.role == Role.admin,
            active_on(on),
        )
    )
    staff = session.scalars(select(Person.id).where(Person.organisation_id == department_id))
    return [(pid, "department") for pid in [*responsible, *staff]]


def _upper_level(session: Session, region_id: int, on: dt.date) -> tuple[Region | None, Recipients]:
    """The government one level above the region: the first region up the chain with
    someone responsible, its responsible persons and its emergency bureau's head."""
    chains = escalation_chains(
        session, system_actor("jobs"), [region_id], on=on, include_self=False
    )
    for link in chains.get(region_id, []):
        bureau_heads = session.scalars(
            select(Assignment.person_id)
            .join(Organisation, Organisation.id == Assignment.target_id)
            .where(
                Assignment.target_kind == PeopleTarget.organisation,
                Assignment.role == Role.admin,
                Organisation.kind == OrganisationKind.department,
                Organisation.subtype == EMERGENCY_SUBTYPE,
                Organisation.region_id == link.region_id,
                active_on(on),
            )
        ).all()
        people = [(p.person_id, "upper_level") for p in link.persons]
        people += [(pid, "upper_level") for pid in bureau_heads]
        if people:
            return session.get(Region, link.region_id), people
    return None, []


# --- the letters ------------------------------------------------------------------------


def _place(session: Session, hazard: Hazard) -> tuple[str, Enterprise | None]:
    """The enterprise's name (or the region's) for the letter's text, and the enterprise."""
    if hazard.enterprise_id is not None:
        enterprise = session.get(Enterprise, hazard.enterprise_id)
        if enterprise is not None:
            org = session.get(Organisation, enterprise.organisation_id)
            return (org.name if org else ""), enterprise
    region = session.get(Region, hazard.region_id)
    return (region.name if region else ""), None


def _live(session: Session, job: jobs.Job) -> Hazard | None:
    """The hazard, when its deadline letter still applies: the clock is running and the
    deadline is the one the timer was set for."""
    hazard = session.get(Hazard, job.subject_id)
    if hazard is None or hazard.state not in CLOCK_STATES or hazard.deadline is None:
        return None
    if hazard.deadline.isoformat() != job.payload.get("deadline"):
        return None
    return hazard


def _facts(hazard: Hazard, where: str, today: dt.date) -> dict[str, object]:
    assert hazard.deadline is not None
    return {
        "code": hazard.code,
        "title": hazard.title,
        "place": where,
        "deadline": hazard.deadline.isoformat(),
        "days_left": (hazard.deadline - today).days,
        "days_overdue": (today - hazard.deadline).days,
    }


def _issue(
    session: Session,
    job: jobs.Job,
    hazard: Hazard,
    kind: NoticeKind,
    *,
    title: str,
    body: str,
    persons: Recipients,
    data: dict[str, object],
) -> None:
    """One notice about ``hazard`` for this job; the job's key makes a re-run write none."""
    notices.issue(
        session,
        kind=kind,
        title=title,
        body=body,
        region_id=hazard.region_id,
        key=job.key,
        persons=persons,
        subject=(SUBJECT, hazard.id),
        data=data,
        now=job.now,
    )


@jobs.handler(PROMPT)
def send_prompt(session: Session, job: jobs.Job) -> None:
    """提示单 to the rectification owner while the deadline is still ahead."""
    hazard = _live(session, job)
    today = clock.today(job.now)
    if hazard is None or hazard.deadline is None or today > hazard.deadline:
        return
    where, _enterprise = _place(session, hazard)
    facts = _facts(hazard, where, today)
    _issue(
        session,
        job,
        hazard,
        NoticeKind.prompt,
        title=f"隐患整改提示单：{hazard.title} / Rectification prompt: {hazard.code}",
        body=(
            f"{where}隐患「{hazard.title}」（编号 {hazard.code}）的整改时限为 "
            f"{facts['deadline']}，还有 {facts['days_left']} 天。请按期整改到位并提交验收。\n"
            f"Hazard {hazard.code} must be rectified by {facts['deadline']} "
            f"({facts['days_left']} days left); please finish and submit it for verification."
        ),
        persons=[(hazard.owner_person_id, "owner")] if hazard.owner_person_id else [],
        data=facts,
    )


@jobs.handler(URGE)
def send_urge(session: Session, job: jobs.Job) -> None:
    """督促函 to the enterprise's principal and the supervising department once overdue."""
    hazard = _live(session, job)
    today = clock.today(job.now)
    if hazard is None or hazard.deadline is None or today <= hazard.deadline:
        return
    where, enterprise = _place(session, hazard)
    people: Recipients = []
    if enterprise is not None and enterprise.principal_id is not None:
        people.append((enterprise.principal_id, "principal"))
    if hazard.department_id is not None:
        people += _department_people(session, hazard.department_id, today)
    facts = _facts(hazard, where, today)
    _issue(
        session,
        job,
        hazard,
        NoticeKind.urge,
        title=f"隐患整改督促函：{hazard.title} / Urge letter: {hazard.code} is overdue",
        body=(
            f"{where}隐患「{hazard.title}」（编号 {hazard.code}）整改时限 {facts['deadline']} "
            f"已过，已逾期 {facts['days_overdue']} 天。请督促落实整改措施、资金和责任人，"
            f"尽快整改到位并提交验收。\n"
            f"Hazard {hazard.code} is {facts['days_overdue']} days past its deadline "
            f"{facts['deadline']}; see that it is rectified and submitted without delay."
        ),
        persons=people,
        data=facts,
    )


@jobs.handler(CIRCULAR)
def send_circular(session: Session, job: jobs.Job) -> None:
    """通报 to the upper-level government when the hazard stays overdue."""
    hazard = _live(session, job)
    today = clock.today(job.now)
    if hazard is None or hazard.deadline is None or today <= hazard.deadline:
        return
    where, _enterprise = _place(session, hazard)
    upper, people = _upper_level(session, hazard.region_id, today)
    facts = {**_facts(hazard, where, today), "upper_region": upper.name if upper else None}
    _issue(
        session,
        job,
        hazard,
        NoticeKind.circular,
        title=f"逾期隐患通报：{hazard.title} / Circular: {hazard.code} long overdue",
        body=(
            f"{where}隐患「{hazard.title}」（编号 {hazard.code}）整改时限 {facts['deadline']}，"
            f"已逾期 {facts['days_overdue']} 天仍未整改完成，现予通报，请督促属地和行业"
            f"主管部门依法处置。\n"
            f"Hazard {hazard.code} is still not rectified {facts['days_overdue']} days after "
            f"its deadline {facts['deadline']}; reported to the upper-level government."
        ),
        persons=people,
        data=facts,
    )


@jobs.handler(DOUBLE_REPORT)
def report_major_upward(session: Session, job: jobs.Job) -> None:
    """双报告: a major hazard is reported to the upper-level government once; the hazard
    records when."""
    hazard = session.get(Hazard, job.subject_id)
    if (
        hazard is None
        or hazard.grade != HazardGrade.major
        or hazard.reported_up_at is not None
        or hazard.state == HazardState.dismissed
    ):
        return
    where, _enterprise = _place(session, hazard)
    upper, people = _upper_level(session, hazard.region_id, clock.today(job.now))
    criterion = hazard.criterion or ""
    _issue(
        session,
        job,
        hazard,
        NoticeKind.double_report,
        title=f"重大事故隐患报告：{hazard.title} / Major hazard report: {hazard.code}",
        body=(
            f"{where}发现{GRADE_LABELS['major']}「{hazard.title}」（编号 {hazard.code}），"
            f"判定依据：{criterion}。现按规定报告，请督促落实整改措施、资金、责任人、时限和"
            f"应急预案（五落实）。\n"
            f"Major hazard {hazard.code} ({criterion}) is reported to the upper-level "
            f"government, as the rules for major hazards require."
        ),
        persons=people,
        data={
            "code": hazard.code,
            "title": hazard.title,
            "place": where,
            "criterion": criterion,
            "upper_region": upper.name if upper else None,
        },
    )
    if people:  # with nobody above to receive it, the report stays on record but unsent
        hazard.reported_up_at = job.now
