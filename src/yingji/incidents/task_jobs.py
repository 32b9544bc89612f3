"""The overdue alert of a task (任务超时督办): a timer set at the task's due time; if the task
is still open when it fires, the assignee gets a 督促函 in the inbox and the incident's
timeline says the task is overdue. Finishing or cancelling the task cancels the timer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from yingji import clock, jobs
from yingji.incidents import tasks, timeline
from yingji.incidents.flow_models import Task
from yingji.incidents.models import Incident
from yingji.notices import service as notices
from yingji.notices.models import NoticeKind


@jobs.handler(tasks.OVERDUE_JOB)
def flag_overdue(session: Session, job: jobs.Job) -> None:
    """Tell the assignee once per due time; safe to run again (the notice key repeats)."""
    task = session.get(Task, job.subject_id)
    if task is None or task.status not in tasks.OPEN or task.due_at is None:
        return
    due = clock.aware(task.due_at)
    if due > job.now:  # the due time moved later (reopened): its own timer will come
        return
    incident = session.get(Incident, task.incident_id)
    if incident is None:
        return
    persons = tasks.recipients(session, incident, task, clock.today(job.now))
    due_text = due.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")
    _notice, created = notices.issue(
        session,
        kind=NoticeKind.urge.value,
        title=f"任务超时：{task.title[:120]} / Task overdue",
        body=(
            f"事件：{incident.title}\n任务：{task.title}\n时限 {due_text} 已过，请尽快完成并反馈。"
            f"\n/ Incident: {incident.title}\nTask: {task.title}\n"
            f"Due {due_text} has passed; finish it and report back."
        ),
        region_id=incident.region_id,
        key=f"task-overdue:{task.id}:{due.astimezone(dt.UTC).isoformat()}",
        persons=persons,
        subject=(tasks.SUBJECT, task.id),
        data={"incident_id": incident.id, "task_id": task.id, "due_at": due_text},
        now=job.now,
    )
    if created:
        timeline.record(
            session,
            incident.id,
            timeline.EventKind.task,
            f"任务超时未完成：{task.title[:120]} / task overdue",
            data={"task_id": task.id, "overdue": True, "due_at": due.isoformat()},
            by="system",
            at=job.now,
        )
