"""Tasks of an incident (应急任务): what the response flows turn into when a level is
declared, plus tasks set by hand; their progress, attachments and overdue list.

:func:`apply_level` is the one entry the incident service calls whenever the declared
response level changes (``None`` when the response ends). It is idempotent: applying the
same level twice changes nothing, so a retry after a crash cannot double the tasks (the
schema also allows one task per incident and step).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session, selectinload

from yingji import clock, jobs, reactions
from yingji.auth.scope import Actor
from yingji.db import utcnow
from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, invalid
from yingji.files import service as files
from yingji.incidents import flows, timeline
from yingji.incidents import service as incidents
from yingji.incidents.flow_models import FlowStep, ResponseFlow, Task, TaskStatus, TaskUpdate
from yingji.incidents.models import Incident, IncidentStatus
from yingji.notices import service as notices
from yingji.notices.models import NoticeKind
from yingji.people.models import Assignment, Person, Role, TargetKind
from yingji.people.service import active_on
from yingji.regions.models import Region
from yingji.regions.paths import under

OPEN = (TaskStatus.open.value, TaskStatus.in_progress.value)
NO_LONGER_APPLIES = "响应级别调整，不再适用 / no longer applies at this level"
RESPONSE_ENDED = "响应结束 / response ended"
CANCELLED_BY_HAND = "人工撤销 / cancelled by hand"
NEXT = {
    TaskStatus.open.value: {TaskStatus.in_progress.value, TaskStatus.done.value},
    TaskStatus.in_progress.value: {TaskStatus.done.value},
}
"""Where progress may move a task; writers may also cancel an open task."""
STATUS_LABELS = {
    "open": "待办 / open",
    "in_progress": "处理中 / in progress",
    "done": "已完成 / done",
    "cancelled": "已撤销 / cancelled",
}
NOT_FOUND = "任务不存在 / task not found"
OWNER_KIND = "task_update"
SUBJECT = "task"
OVERDUE_JOB = "incident.task_overdue"
MAX_FILES = 10


# --- which steps apply -----------------------------------------------------------------------


def applicable_flows(session: Session, incident: Incident) -> list[ResponseFlow]:
    """Active flows of the incident's region or its ancestors that serve its type."""
    stmt = (
        select(ResponseFlow)
        .where(
            ResponseFlow.active.is_(True),
            ResponseFlow.region_path.in_(flows.ancestor_paths(incident.region_path)),
        )
        .options(selectinload(ResponseFlow.steps))
        .order_by(ResponseFlow.region_path, ResponseFlow.code)
    )
    return [
        f for f in session.scalars(stmt) if not f.type_codes or incident.type_code in f.type_codes
    ]


def applicable_steps(
    flow_list: Sequence[ResponseFlow], type_code: str, level: int | None
) -> list[FlowStep]:
    """Steps that apply at ``level`` (1 = Ⅰ highest): those starting at this level or a lower
    one (``level <= min_level``) and serving the type; none when the response has ended."""
    if level is None:
        return []
    return [
        s
        for f in flow_list
        for s in f.steps
        if level <= s.min_level and (not s.type_codes or type_code in s.type_codes)
    ]


# --- the contract with the incident service ---------------------------------------------------


def apply_level(
    session: Session, incident: Incident, level: int | None, *, by: str, now: dt.datetime
) -> dict[str, list[int]]:
    """Bring the incident's tasks in line with the newly declared response ``level``.

    Creates a task per applicable step not yet created (due ``now + minutes``), reopens the
    cancelled task of a step that applies again, cancels open tasks whose steps no longer
    apply, and when ``level`` is None (the response ended) cancels every open task, ad hoc
    ones included. Done tasks are never touched. Returns the ids per change."""
    if level is not None and not 1 <= level <= 4:
        raise invalid("level", "响应级别须为 1–4（Ⅰ–Ⅳ级）/ level must be 1..4")
    # One application at a time per incident (PostgreSQL; SQLite writes are serial anyway).
    session.execute(select(Incident.id).where(Incident.id == incident.id).with_for_update())
    steps = applicable_steps(applicable_flows(session, incident), incident.type_code, level)
    wanted = {s.id: s for s in steps}
    existing = list(session.scalars(select(Task).where(Task.incident_id == incident.id)))
    by_step = {t.step_id: t for t in existing if t.step_id is not None}
    created: list[Task] = []
    reopened: list[Task] = []
    cancelled: list[Task] = []
    for step in steps:
        task = by_step.get(step.id)
        if task is None:
            task = _from_step(incident, step, level, by, now)
            session.add(task)
            created.append(task)
        elif task.status == TaskStatus.cancelled:
            task.status = TaskStatus.open.value
            task.closed_reason = None
            task.done_at = None
            task.level = level
            task.due_at = now + dt.timedelta(minutes=step.minutes)
            reopened.append(task)
    reason = RESPONSE_ENDED if level is None else NO_LONGER_APPLIES
    for task in existing:
        if task.status not in OPEN:
            continue
        if level is None or (task.step_id is not None and task.step_id not in wanted):
            task.status = TaskStatus.cancelled.value
            task.closed_reason = reason
            cancelled.append(task)
    session.flush()
    for task in reopened:
        _note(session, task, "响应级别提升，任务恢复 / applies again, reopened", "open", by, now)
    for task in cancelled:
        _note(session, task, reason, TaskStatus.cancelled.value, by, now)
        jobs.cancel(session, (SUBJECT, task.id), [OVERDUE_JOB])
    for task in created + reopened:
        _schedule_overdue(session, task)
    notify(session, incident, created + reopened, now)
    result = {
        "created": [t.id for t in created],
        "cancelled": [t.id for t in cancelled],
        "reopened": [t.id for t in reopened],
    }
    if created or cancelled or reopened:
        timeline.record(
            session,
            incident.id,
            timeline.EventKind.task,
            _summary(level, len(created), len(reopened), len(cancelled)),
            data={"level": level, **result},
            by=by,
            at=now,
        )
        reactions.emit(session, "incident.tasks_changed", incident_id=incident.id, **result)
    return result


def _from_step(
    incident: Incident, step: FlowStep, level: int | None, by: str, now: dt.datetime
) -> Task:
    return Task(
        incident_id=incident.id,
        step_id=step.id,
        title=step.action,
        organisation_id=step.organisation_id,
        person_id=step.person_id,
        role=step.role,
        status=TaskStatus.open.value,
        due_at=now + dt.timedelta(minutes=step.minutes),
        level=level,
        created_by=by,
        created_at=now,
    )


def _summary(level: int | None, created: int, reopened: int, cancelled: int) -> str:
    if level is None:
        return f"响应结束，撤销未完成任务 {cancelled} 项 / response ended: {cancelled} cancelled"
    name = flows.LEVEL_NAMES[level]
    roman = ("I", "II", "III", "IV")[level - 1]
    return (
        f"{name}级响应：新建任务 {created} 项，恢复 {reopened} 项，撤销 {cancelled} 项 / "
        f"level {roman}: {created} tasks created, {reopened} reopened, {cancelled} cancelled"
    )


def _note(
    session: Session, task: Task, text: str, status: str | None, by: str, now: dt.datetime
) -> TaskUpdate:
    update = TaskUpdate(task_id=task.id, at=now, text=text, status=status, by=by, data={})
    session.add(update)
    return update


def _schedule_overdue(session: Session, task: Task) -> None:
    """A timer at the due time that flags the task overdue if it is still open then."""
    if task.due_at is None:
        return
    due = clock.aware(task.due_at)
    key = f"{OVERDUE_JOB}:{task.id}:{due.astimezone(dt.UTC).isoformat()}"
    jobs.schedule(session, OVERDUE_JOB, due, SUBJECT, task.id, {}, key)


# --- who is told ---------------------------------------------------------------------------


def recipients(
    session: Session, incident: Incident, task: Task, day: dt.date
) -> list[tuple[int, str]]:
    """(person id, why) of whoever answers for the task: the named person; the heads
    (admin role) of the named organisation; for a role, its holders in the incident's region
    or, when nobody holds it there, in the nearest region above that has holders."""
    if task.person_id is not None:
        return [(task.person_id, "assignee")]
    if task.organisation_id is not None:
        stmt = select(Assignment.person_id).where(
            Assignment.target_kind == TargetKind.organisation,
            Assignment.target_id == task.organisation_id,
            Assignment.role == Role.admin,
            active_on(day),
        )
        return [(pid, "organisation") for pid in sorted(set(session.scalars(stmt)))]
    if task.role:
        paths = flows.ancestor_paths(incident.region_path)
        regions = session.execute(select(Region.id, Region.path).where(Region.path.in_(paths)))
        for rid, _path in sorted(regions, key=lambda r: len(r[1]), reverse=True):
            stmt = select(Assignment.person_id).where(
                Assignment.target_kind == TargetKind.region,
                Assignment.target_id == rid,
                Assignment.role == task.role,
                active_on(day),
            )
            found = sorted(set(session.scalars(stmt)))
            if found:
                return [(pid, task.role) for pid in found]
    return []


def notify(session: Session, incident: Incident, tasks: Iterable[Task], now: dt.datetime) -> int:
    """An inbox notice (应急任务) per new or reopened task to whoever answers for it;
    returns how many notices were issued."""
    day = clock.today(now)
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    issued = 0
    for task in tasks:
        persons = recipients(session, incident, task, day)
        if not persons:
            continue
        due = clock.aware(task.due_at).astimezone(clock.zone()) if task.due_at else None
        due_text = due.strftime("%Y-%m-%d %H:%M") if due else "—"
        body = (
            f"事件：{incident.title}\n任务：{task.title}\n"
            f"请于 {due_text} 前完成并在“我的任务”中反馈（/tasks）。\n"
            f"/ Incident: {incident.title}\nTask: {task.title}\n"
            f"Due by {due_text}; report progress under My tasks (/tasks)."
        )
        notices.issue(
            session,
            kind=NoticeKind.task.value,
            title=f"应急任务：{task.title[:120]} / Response task",
            body=body,
            region_id=incident.region_id,
            key=f"task:{task.id}:{stamp}",
            persons=persons,
            subject=(SUBJECT, task.id),
            data={"incident_id": incident.id, "task_id": task.id, "due_at": due_text},
            now=now,
        )
        issued += 1
    return issued


# --- reading -------------------------------------------------------------------------------


def _mine(session: Session, actor: Actor, day: dt.date) -> ColumnElement[bool]:
    """Tasks addressed to the actor: as the named person, as a member of the named
    organisation, or as holder of the named role in the incident's region or above."""
    if actor.person_id is None:
        return false()
    clauses: list[ColumnElement[bool]] = [Task.person_id == actor.person_id]
    org = session.scalar(select(Person.organisation_id).where(Person.id == actor.person_id))
    if org is not None:
        clauses.append(Task.organisation_id == org)
    held = session.execute(
        select(Assignment.role, Region.path)
        .join(Region, Region.id == Assignment.target_id)
        .where(
            Assignment.person_id == actor.person_id,
            Assignment.target_kind == TargetKind.region,
            active_on(day),
        )
    ).all()
    for role, path in held:
        clauses.append(and_(Task.role == role, under(Incident.region_path, path)))
    return or_(*clauses)


def _base() -> Select[Any]:
    return select(Task).join(Incident, Incident.id == Task.incident_id)


def _visible(session: Session, actor: Actor, stmt: Select[Any], now: dt.datetime) -> Select[Any]:
    """Tasks of incidents in the actor's subtree, and tasks addressed to the actor."""
    if actor.region_path == "/":
        return stmt
    return stmt.where(
        or_(under(Incident.region_path, actor.region_path), _mine(session, actor, clock.today(now)))
    )


def get_task(
    session: Session, actor: Actor, task_id: int, *, now: dt.datetime | None = None
) -> Task:
    stmt = _visible(session, actor, _base().where(Task.id == task_id), now or utcnow())
    task = session.scalar(stmt)
    if task is None:
        raise NotFound(NOT_FOUND)
    return task


def is_mine(session: Session, actor: Actor, task: Task, now: dt.datetime | None = None) -> bool:
    stmt = _base().where(Task.id == task.id, _mine(session, actor, clock.today(now)))
    return session.scalar(stmt) is not None


def tasks_for(session: Session, incident: Incident) -> list[Task]:
    """The incident's tasks, soonest due first (the caller has checked the incident)."""
    stmt = select(Task).where(Task.incident_id == incident.id)
    return list(session.scalars(stmt.order_by(Task.due_at.is_(None), Task.due_at, Task.id)))


def overdue(session: Session, actor: Actor, now: dt.datetime, *, limit: int = 500) -> list[Task]:
    """Open or in-progress tasks past their due time, the most overdue first."""
    stmt = _base().where(Task.status.in_(OPEN), Task.due_at < now)
    stmt = _visible(session, actor, stmt, now).order_by(Task.due_at, Task.id).limit(limit)
    return list(session.scalars(stmt))


def mine(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    *,
    open_only: bool = True,
    limit: int = 500,
) -> list[Task]:
    """Tasks addressed to the actor, soonest due first."""
    stmt = _base().where(_mine(session, actor, clock.today(now)))
    if open_only:
        stmt = stmt.where(Task.status.in_(OPEN))
    stmt = stmt.order_by(Task.due_at.is_(None), Task.due_at, Task.id).limit(limit)
    return list(session.scalars(stmt))


def is_overdue(task: Task, now: dt.datetime) -> bool:
    return task.status in OPEN and task.due_at is not None and clock.aware(task.due_at) < now


def updates_for(session: Session, task_ids: Iterable[int]) -> dict[int, list[TaskUpdate]]:
    ids = sorted(set(task_ids))
    out: dict[int, list[TaskUpdate]] = defaultdict(list)
    if not ids:
        return out
    stmt = select(TaskUpdate).where(TaskUpdate.task_id.in_(ids))
    for upd in session.scalars(stmt.order_by(TaskUpdate.at, TaskUpdate.id)):
        out[upd.task_id].append(upd)
    return out


def task_dict(
    task: Task, who: flows.Names, now: dt.datetime, incident: Incident | None = None
) -> dict[str, Any]:
    due = clock.aware(task.due_at) if task.due_at else None
    out = {
        "id": task.id,
        "incident_id": task.incident_id,
        "step_id": task.step_id,
        "title": task.title,
        "organisation_id": task.organisation_id,
        "person_id": task.person_id,
        "role": task.role,
        "responsible": who.of(task),
        "status": task.status,
        "due_at": due.isoformat() if due else None,
        "overdue": is_overdue(task, now),
        "level": task.level,
        "created_by": task.created_by,
        "created_at": clock.aware(task.created_at).isoformat() if task.created_at else None,
        "done_at": clock.aware(task.done_at).isoformat() if task.done_at else None,
        "closed_reason": task.closed_reason,
    }
    if incident is not None:
        out["incident"] = {"id": incident.id, "code": incident.code, "title": incident.title}
    return out


def update_dict(update: TaskUpdate, attachments: Sequence[Any] = ()) -> dict[str, Any]:
    return {
        "id": update.id,
        "task_id": update.task_id,
        "at": clock.aware(update.at).isoformat(),
        "text": update.text,
        "status": update.status,
        "by": update.by,
        "attachments": [files.as_dict(a) for a in attachments],
    }


# --- writing by hand -----------------------------------------------------------------------


def _due(data: dict[str, Any], now: dt.datetime) -> dt.datetime | None:
    minutes, due_at = data.get("minutes"), data.get("due_at")
    if minutes not in (None, ""):
        if isinstance(minutes, bool) or not isinstance(minutes, int | str):
            raise invalid("minutes", "时限须为正整数（分钟）/ minutes must be a whole number")
        try:
            n = int(minutes)
        except ValueError:
            raise invalid(
                "minutes", "时限须为正整数（分钟）/ minutes must be a whole number"
            ) from None
        if not 0 < n <= flows.MAX_MINUTES:
            raise invalid("minutes", "时限须在 1 分钟到 30 天之间 / minutes must be 1..43200")
        return now + dt.timedelta(minutes=n)
    if due_at in (None, ""):
        return None
    try:
        when = dt.datetime.fromisoformat(str(due_at))
    except ValueError:
        raise invalid("due_at", "截止时间格式不正确 / due_at is not an ISO date-time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=clock.zone())
    return when


def create_task(
    session: Session,
    actor: Actor,
    incident_id: int,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> Task:
    """An ad hoc task on an incident, by a writer of its region; its assignee is told."""
    now = now or utcnow()
    incident = incidents.get(session, actor, incident_id)
    actor.require_write()
    if incident.status == IncidentStatus.closed:
        raise Conflict("事件已结束，不能再派任务 / the incident is closed")
    title = data.get("title")
    title = title.strip() if isinstance(title, str) else ""
    problems = flows._Problems([])
    if not title or len(title) > 2000:
        problems.add(None, "title", "须填写任务内容（最多 2000 字）", "a title (max 2000)")
    who = flows.responsible(session, actor, data, problems, None)
    if problems.items:
        raise ValidationFailed(problems.items[0]["reason"], problems.items)
    task = Task(
        incident_id=incident.id,
        step_id=None,
        title=title,
        status=TaskStatus.open.value,
        due_at=_due(data, now),
        level=incident.response_level,
        created_by=actor.username,
        created_at=now,
        **who,
    )
    session.add(task)
    session.flush()
    _schedule_overdue(session, task)
    notify(session, incident, [task], now)
    timeline.record(
        session,
        incident.id,
        timeline.EventKind.task,
        f"派发任务：{title[:200]} / task assigned",
        data={"task_id": task.id, "created": [task.id]},
        by=actor.username,
        at=now,
    )
    reactions.emit(session, "incident.tasks_changed", incident_id=incident.id, created=[task.id])
    return task


def update_task(
    session: Session,
    actor: Actor,
    task_id: int,
    data: dict[str, Any],
    *,
    uploads: Sequence[tuple[str, bytes]] = (),
    now: dt.datetime | None = None,
) -> tuple[TaskUpdate, list[Any]]:
    """A progress note, a status change (open → in_progress → done, or cancelled by a
    writer) and attachments; by a writer of the incident's region or the task's assignee."""
    now = now or utcnow()
    task = get_task(session, actor, task_id, now=now)
    session.refresh(task, with_for_update=True)  # two hands on one task: one at a time
    incident = session.get(Incident, task.incident_id)
    assert incident is not None
    writer = actor.can_write and actor.covers(incident.region_path)
    if not writer and not is_mine(session, actor, task, now):
        raise PermissionDenied("只有任务承办人或本级值班人员可以反馈 / not your task")
    text = data.get("text")
    text = text.strip() if isinstance(text, str) else ""
    status = data.get("status") or None
    if status is not None and status not in STATUS_LABELS:
        raise invalid("status", f"未知状态 {status!r} / unknown status")
    if status == task.status:
        status = None
    if status is not None:
        allowed = set(NEXT.get(task.status, set()))
        if writer and task.status in OPEN:
            allowed.add(TaskStatus.cancelled.value)
        if status not in allowed:
            raise Conflict(
                f"任务{STATUS_LABELS[task.status].split(' / ')[0]}，不能改为"
                f"{STATUS_LABELS[status].split(' / ')[0]} / a task {task.status} cannot "
                f"become {status}",
                {"allowed": sorted(allowed)},
            )
    if len(uploads) > MAX_FILES:
        raise invalid("files", f"一次最多上传 {MAX_FILES} 个附件 / at most {MAX_FILES} files")
    if not text and status is None and not uploads:
        raise invalid(
            "text", "请填写进展、更改状态或上传附件 / write a note, change status or attach"
        )
    if len(text) > 4000:
        raise invalid("text", "进展说明过长（最多 4000 字）/ note too long (max 4000)")
    before = task.status
    if status is not None:
        task.status = status
        if status == TaskStatus.done:
            task.done_at = now
        if status == TaskStatus.cancelled:
            task.closed_reason = (text or CANCELLED_BY_HAND)[:200]
        if status not in OPEN:
            jobs.cancel(session, (SUBJECT, task.id), [OVERDUE_JOB])
    update = TaskUpdate(
        task_id=task.id,
        at=now,
        text=text or STATUS_LABELS.get(status or "", "附件 / attachment"),
        status=status,
        by=actor.username,
        data={"from": before} if status else {},
    )
    session.add(update)
    session.flush()
    stored = [files.store(session, actor, OWNER_KIND, update.id, n, b) for n, b in uploads]
    if stored:
        update.data = {**update.data, "attachments": [a.id for a in stored]}
    what = STATUS_LABELS[status] if status else "进展 / progress"
    zh, en = what.split(" / ")
    late = status == TaskStatus.done and task.due_at is not None and clock.aware(task.due_at) < now
    timeline.record(
        session,
        incident.id,
        timeline.EventKind.task,
        f"任务{zh}：{task.title[:120]}{'（超时）' if late else ''}"
        f"{'，' + text[:200] if text else ''} / task {en}{' (late)' if late else ''}",
        data={
            "task_id": task.id,
            "update_id": update.id,
            "status": status,
            "from": before,
            "on_time": (not late) if status == TaskStatus.done else None,
            "attachments": [a.id for a in stored],
        },
        by=actor.username,
        at=now,
    )
    if status is not None:
        reactions.emit(
            session, "incident.tasks_changed", incident_id=incident.id, updated=[task.id]
        )
    session.flush()
    return update, stored


def _check_visible(session: Session, actor: Actor, update_id: int) -> None:
    """Attachments of a task update are visible to whoever may see the task."""
    update = session.get(TaskUpdate, update_id)
    if update is None:
        raise NotFound(NOT_FOUND)
    get_task(session, actor, update.task_id)


files.register_owner(OWNER_KIND, _check_visible)

# The overdue timers' handler lives with the jobs; importing it here means every process
# that can create tasks can also run their timers (workers import it via HANDLER_MODULES).
from yingji.incidents import task_jobs  # noqa: E402, F401
