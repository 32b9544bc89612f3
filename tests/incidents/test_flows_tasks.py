"""Tasks by hand: progress through open → in_progress → done by the assignee or a writer,
cancelling by writers only, attachments on updates seen by whoever sees the task, ad hoc
tasks, "my tasks", and the timeline lines each change writes."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from flow_helpers import T0, ZHONGHE, actor, flow, incident, person_of, step
from PIL import Image
from sqlalchemy import select

from yingji.config import get_settings
from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yingji.files import service as files
from yingji.incidents import tasks, timeline
from yingji.incidents.flow_models import Task

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def storage(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("YINGJI_STORAGE_ROOT", str(tmp_path / "storage"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def role_task(session) -> Task:
    """A Ⅳ step for the township's administrative lead (twp_operator holds that role in
    中和街道), activated on an incident there."""
    flow(session, actor(session, "wz_operator"), [step(4, "组织巡查转移", 30, role="admin")])
    inc = incident(session, region_code=ZHONGHE)
    created = tasks.apply_level(session, inc, 4, by="duty", now=T0)["created"]
    return session.get(Task, created[0])


def test_the_assignee_moves_the_task_along(session, role_task) -> None:
    town = actor(session, "twp_operator")
    assert [t.id for t in tasks.mine(session, town, T0)] == [role_task.id]
    upd, stored = tasks.update_task(
        session, town, role_task.id, {"status": "in_progress", "text": "已出发"}, now=T0 + MIN
    )
    assert role_task.status == "in_progress" and upd.status == "in_progress" and stored == []
    with pytest.raises(Conflict):
        tasks.update_task(session, town, role_task.id, {"status": "open"}, now=T0 + MIN)
    tasks.update_task(session, town, role_task.id, {"text": "已转移 12 人"}, now=T0 + 20 * MIN)
    tasks.update_task(session, town, role_task.id, {"status": "done"}, now=T0 + 40 * MIN)
    assert role_task.status == "done" and role_task.done_at == T0 + 40 * MIN
    with pytest.raises(Conflict):
        tasks.update_task(session, town, role_task.id, {"status": "in_progress"}, now=T0)
    notes = tasks.updates_for(session, [role_task.id])[role_task.id]
    assert [n.status for n in notes] == ["in_progress", None, "done"]
    assert [n.by for n in notes] == ["twp_operator"] * 3
    lines = [e for e in timeline.events(session, role_task.incident_id, kinds=["task"])]
    last = lines[-1]
    assert last.data["task_id"] == role_task.id and last.data["status"] == "done"
    assert last.data["on_time"] is False and "超时" in last.text  # 40 min > 30 min limit
    assert tasks.mine(session, town, T0) == []  # done: no longer open
    assert [t.id for t in tasks.mine(session, town, T0, open_only=False)] == [role_task.id]


def test_who_may_update(session, role_task) -> None:
    with pytest.raises(NotFound):  # another township neither sees nor holds it
        tasks.update_task(session, actor(session, "twp2_operator"), role_task.id, {"text": "x"})
    with pytest.raises(PermissionDenied):  # a reader of the city sees it but may not act
        tasks.update_task(session, actor(session, "viewer"), role_task.id, {"text": "x"})
    with pytest.raises(ValidationFailed):
        tasks.update_task(session, actor(session, "twp_operator"), role_task.id, {"text": " "})
    county = actor(session, "wz_operator")
    tasks.update_task(
        session, county, role_task.id, {"status": "cancelled", "text": "已由消防接手"}, now=T0
    )
    assert role_task.status == "cancelled" and role_task.closed_reason == "已由消防接手"


def test_a_person_task_is_the_persons_even_outside_their_area(session) -> None:
    """A county step naming a township official: they see and answer it, though the
    incident lies in another township."""
    county = actor(session, "wz_operator")
    pid = person_of(session, "twp2_operator")
    flow(session, county, [step(4, "溪口镇支援中和街道", 60, person_id=pid)])
    inc = incident(session, region_code=ZHONGHE)
    task_id = tasks.apply_level(session, inc, 4, by="duty", now=T0)["created"][0]
    other = actor(session, "twp2_operator")
    assert [t.id for t in tasks.mine(session, other, T0)] == [task_id]
    assert tasks.get_task(session, other, task_id).id == task_id
    with pytest.raises(Conflict):  # an assignee outside the area reports, only writers cancel
        tasks.update_task(session, other, task_id, {"status": "cancelled"}, now=T0 + MIN)
    tasks.update_task(session, other, task_id, {"status": "done"}, now=T0 + MIN)
    assert [t.id for t in tasks.overdue(session, other, T0 + 90 * MIN)] == []


def test_attachments_follow_the_task(session, role_task, storage) -> None:
    town = actor(session, "twp_operator")
    upd, stored = tasks.update_task(
        session,
        town,
        role_task.id,
        {"text": "现场照片"},
        uploads=[("scene.png", _png())],
        now=T0 + MIN,
    )
    assert [a.filename for a in stored] == ["scene.png"]
    assert upd.data["attachments"] == [stored[0].id]
    assert files.get(session, town, stored[0].id).id == stored[0].id
    assert files.get(session, actor(session, "wz_operator"), stored[0].id)
    with pytest.raises(NotFound):
        files.get(session, actor(session, "twp2_operator"), stored[0].id)
    with pytest.raises(ValidationFailed):
        tasks.update_task(session, town, role_task.id, {}, uploads=[("x.txt", b"plain text")])


def test_ad_hoc_tasks(session) -> None:
    county = actor(session, "wz_operator")
    inc = incident(session, region_code=ZHONGHE)
    task = tasks.create_task(
        session,
        county,
        inc.id,
        {"title": "协调电力抢修", "organisation_code": "ORG-500101-ZJW", "minutes": 45},
        now=T0,
    )
    assert task.step_id is None and task.due_at == T0 + 45 * MIN
    assert task.created_by == "wz_operator"
    assert tasks.tasks_for(session, inc) == [task]
    event = timeline.events(session, inc.id, kinds=["task"])[-1]
    assert event.data["created"] == [task.id]
    with pytest.raises(ValidationFailed) as caught:
        tasks.create_task(session, county, inc.id, {"title": ""}, now=T0)
    assert {d["field"] for d in caught.value.details} == {"title", "responsible"}
    with pytest.raises(ValidationFailed):
        tasks.create_task(session, county, inc.id, {"title": "x", "role": "admin", "minutes": 0})
    with pytest.raises(PermissionDenied):
        tasks.create_task(
            session, actor(session, "viewer"), inc.id, {"title": "x", "role": "admin"}
        )
    with pytest.raises(NotFound):
        tasks.create_task(
            session, actor(session, "twp2_operator"), inc.id, {"title": "x", "role": "admin"}
        )
    # level changes leave ad hoc tasks alone; the end of the response closes them
    tasks.apply_level(session, inc, 4, by="duty", now=T0)
    tasks.apply_level(session, inc, 3, by="duty", now=T0)
    assert session.get(Task, task.id).status == "open"
    tasks.apply_level(session, inc, None, by="duty", now=T0)
    assert session.get(Task, task.id).status == "cancelled"


def test_a_closed_incident_takes_no_new_tasks(session) -> None:
    inc = incident(session)
    inc.status = "closed"
    with pytest.raises(Conflict):
        tasks.create_task(
            session, actor(session, "wz_operator"), inc.id, {"title": "x", "role": "admin"}
        )


def test_task_rows_stay_unique_per_step(session, role_task) -> None:
    """Re-applying never makes a second task for the same step."""
    inc_id = role_task.incident_id
    from yingji.incidents.models import Incident

    inc = session.get(Incident, inc_id)
    for level in (4, 3, None, 4, 2, 4):
        tasks.apply_level(session, inc, level, by="duty", now=T0)
    rows = session.scalars(select(Task).where(Task.incident_id == inc_id)).all()
    assert len(rows) == len({t.step_id for t in rows}) == 1
