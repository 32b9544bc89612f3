"""Flow activation: declaring, raising, lowering and ending a response level creates,
cancels and reopens exactly the tasks of the applicable steps; type and region filters;
who is told; the timeline; overdue tasks with time travel and the overdue timer."""

from __future__ import annotations

import datetime as dt

import pytest
from flow_helpers import (
    T0,
    WANZHOU,
    YUZHONG,
    ZHONGHE,
    actor,
    flow,
    incident,
    org_id,
    person_of,
    region,
    standard_steps,
    step,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from yingji.db import session_factory
from yingji.incidents import tasks, timeline
from yingji.incidents.flow_models import ResponseFlow, Task
from yingji.jobs import run_due
from yingji.notices.models import Notice, NoticeRecipient
from yingji.people.models import Assignment, Role, TargetKind

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def county_flow(session: Session) -> ResponseFlow:
    """万州's flood and geological flow: Ⅳ ×2 (one flood-only), Ⅲ, Ⅱ, Ⅰ."""
    return flow(
        session,
        actor(session, "wz_operator"),
        standard_steps(session),
        code="WZ-FLOOD",
        type_codes=["flood", "geological"],
    )


def _by_step(session: Session, incident_id: int) -> dict[int, Task]:
    rows = session.scalars(select(Task).where(Task.incident_id == incident_id))
    return {t.step_id: t for t in rows if t.step_id is not None}


def _ids(f: ResponseFlow) -> dict[str, int]:
    """The standard steps' ids by name: 4a, 4b, 3, 2, 1."""
    return dict(zip(("4a", "4b", "3", "2", "1"), (s.id for s in f.steps), strict=True))


def test_activation_creates_exactly_the_applicable_steps(session, county_flow) -> None:
    ids = _ids(county_flow)
    inc = incident(session, type_code="flood")
    result = tasks.apply_level(session, inc, 4, by="duty", now=T0)
    made = _by_step(session, inc.id)
    assert set(made) == {ids["4a"], ids["4b"]}
    assert sorted(result["created"]) == sorted(t.id for t in made.values())
    assert result["cancelled"] == [] and result["reopened"] == []
    first = made[ids["4a"]]
    assert first.status == "open" and first.level == 4 and first.created_by == "duty"
    assert first.due_at == T0 + 15 * MIN
    assert first.title == "值班室接报核实，报告带班领导"
    assert first.organisation_id == org_id(session, "ORG-500101-YJJ")
    # the same level again changes nothing and writes no second event
    again = tasks.apply_level(session, inc, 4, by="duty", now=T0 + MIN)
    assert again == {"created": [], "cancelled": [], "reopened": []}
    assert len(timeline.events(session, inc.id, kinds=["task"])) == 1


def test_raising_adds_the_higher_steps(session, county_flow) -> None:
    ids = _ids(county_flow)
    inc = incident(session)
    tasks.apply_level(session, inc, 4, by="duty", now=T0)
    later = T0 + 30 * MIN
    raised = tasks.apply_level(session, inc, 2, by="duty", now=later)
    made = _by_step(session, inc.id)
    assert set(made) == {ids["4a"], ids["4b"], ids["3"], ids["2"]}
    assert sorted(raised["created"]) == sorted([made[ids["3"]].id, made[ids["2"]].id])
    assert made[ids["2"]].due_at == later + 120 * MIN  # counted from the new declaration
    assert made[ids["4a"]].due_at == T0 + 15 * MIN  # the earlier tasks keep their time
    top = tasks.apply_level(session, inc, 1, by="duty", now=later)
    assert top["created"] == [_by_step(session, inc.id)[ids["1"]].id]
    assert len(_by_step(session, inc.id)) == 5


def test_declaring_a_high_level_at_once_creates_every_lower_step(session, county_flow) -> None:
    inc = incident(session)
    result = tasks.apply_level(session, inc, 1, by="duty", now=T0)
    assert len(result["created"]) == 5


def test_lowering_cancels_what_no_longer_applies_and_keeps_done_tasks(session, county_flow) -> None:
    ids = _ids(county_flow)
    inc = incident(session)
    tasks.apply_level(session, inc, 1, by="duty", now=T0)
    made = _by_step(session, inc.id)
    county = actor(session, "wz_operator")
    tasks.update_task(session, county, made[ids["2"]].id, {"status": "done"}, now=T0 + 60 * MIN)
    tasks.update_task(session, county, made[ids["3"]].id, {"status": "in_progress"}, now=T0 + MIN)
    lowered = tasks.apply_level(session, inc, 3, by="duty", now=T0 + 90 * MIN)
    assert lowered["cancelled"] == [made[ids["1"]].id]  # Ⅱ's step is done: kept
    assert lowered["created"] == [] and lowered["reopened"] == []
    session.refresh(made[ids["1"]])
    assert made[ids["1"]].status == "cancelled"
    assert made[ids["1"]].closed_reason == tasks.NO_LONGER_APPLIES
    assert made[ids["2"]].status == "done" and made[ids["2"]].done_at == T0 + 60 * MIN
    assert made[ids["3"]].status == "in_progress"
    # the step's history says why
    notes = tasks.updates_for(session, [made[ids["1"]].id])[made[ids["1"]].id]
    assert notes[-1].status == "cancelled" and notes[-1].text == tasks.NO_LONGER_APPLIES


def test_ending_cancels_every_open_task(session, county_flow) -> None:
    inc = incident(session)
    tasks.apply_level(session, inc, 2, by="duty", now=T0)
    county = actor(session, "wz_operator")
    ad_hoc = tasks.create_task(
        session, county, inc.id, {"title": "协调通信保障", "role": "duty_leader"}, now=T0
    )
    done = next(iter(_by_step(session, inc.id).values()))
    tasks.update_task(session, county, done.id, {"status": "done"}, now=T0 + MIN)
    ended = tasks.apply_level(session, inc, None, by="duty", now=T0 + 120 * MIN)
    rows = session.scalars(select(Task).where(Task.incident_id == inc.id)).all()
    open_before = {t.id for t in rows} - {done.id}
    assert set(ended["cancelled"]) == open_before and ad_hoc.id in open_before
    for t in rows:
        session.refresh(t)
        if t.id == done.id:
            assert t.status == "done"
        else:
            assert t.status == "cancelled" and t.closed_reason == tasks.RESPONSE_ENDED
    last = timeline.events(session, inc.id, kinds=["task"])[-1]
    assert last.data["level"] is None and set(last.data["cancelled"]) == open_before
    assert "响应结束" in last.text


def test_raising_again_reopens_the_cancelled_tasks(session, county_flow) -> None:
    ids = _ids(county_flow)
    inc = incident(session)
    tasks.apply_level(session, inc, 2, by="duty", now=T0)
    tasks.apply_level(session, inc, 4, by="duty", now=T0 + 10 * MIN)
    cancelled = _by_step(session, inc.id)
    assert cancelled[ids["3"]].status == cancelled[ids["2"]].status == "cancelled"
    back = T0 + 40 * MIN
    result = tasks.apply_level(session, inc, 2, by="duty", now=back)
    assert sorted(result["reopened"]) == sorted([cancelled[ids["3"]].id, cancelled[ids["2"]].id])
    assert result["created"] == []  # one task per step: the old row comes back
    again = _by_step(session, inc.id)
    assert again[ids["2"]].status == "open" and again[ids["2"]].closed_reason is None
    assert again[ids["2"]].due_at == back + 120 * MIN
    # after the end every open task, reopened ones too, is cancelled; a new start reopens
    tasks.apply_level(session, inc, None, by="duty", now=back + MIN)
    restart = tasks.apply_level(session, inc, 4, by="duty", now=back + 2 * MIN)
    assert sorted(restart["reopened"]) == sorted([again[ids["4a"]].id, again[ids["4b"]].id])


def test_type_filters_of_flow_and_step(session, county_flow) -> None:
    ids = _ids(county_flow)
    slide = incident(session, type_code="geological")
    tasks.apply_level(session, slide, 4, by="duty", now=T0)
    assert set(_by_step(session, slide.id)) == {ids["4a"]}  # the flood-only step is left out
    mine = incident(session, type_code="mine")
    assert tasks.apply_level(session, mine, 1, by="duty", now=T0)["created"] == []
    assert not timeline.events(session, mine.id, kinds=["task"])


def test_region_applicability(session, county_flow) -> None:
    city = actor(session, "cq_operator")
    city_flow = flow(session, city, [step(4, "市应急局跟踪指导", 60)], region_code="500000")
    other_county = flow(session, city, [step(4, "渝中区值班室接报", 10)], region_code=YUZHONG)
    other_town = flow(session, city, [step(4, "溪口镇组织巡查", 30)], region_code="500101002")
    own_town = flow(session, city, [step(4, "中和街道组织巡查", 30)], region_code=ZHONGHE)
    inc = incident(session, region_code=ZHONGHE)
    tasks.apply_level(session, inc, 4, by="duty", now=T0)
    steps = set(_by_step(session, inc.id))
    assert {city_flow.steps[0].id, own_town.steps[0].id} <= steps
    assert county_flow.steps[0].id in steps
    assert other_county.steps[0].id not in steps
    assert other_town.steps[0].id not in steps
    # an incident at the county level is not served by a township's flow
    county_inc = incident(session, region_code=WANZHOU)
    tasks.apply_level(session, county_inc, 4, by="duty", now=T0)
    assert own_town.steps[0].id not in _by_step(session, county_inc.id)


def test_inactive_flows_create_nothing(session, county_flow) -> None:
    from yingji.incidents import flows

    flows.retire(session, actor(session, "wz_operator"), county_flow.id)
    inc = incident(session)
    assert tasks.apply_level(session, inc, 1, by="duty", now=T0)["created"] == []


def test_assignees_are_told_in_their_inbox(session, county_flow) -> None:
    ids = _ids(county_flow)
    inc = incident(session, region_code=ZHONGHE)
    tasks.apply_level(session, inc, 3, by="duty", now=T0)
    made = _by_step(session, inc.id)

    def told(task: Task) -> set[int]:
        notice = session.scalar(
            select(Notice).where(Notice.subject_kind == "task", Notice.subject_id == task.id)
        )
        assert notice is not None and notice.kind == "task"
        assert task.title in notice.body
        rows = session.scalars(
            select(NoticeRecipient.person_id).where(NoticeRecipient.notice_id == notice.id)
        )
        return set(rows)

    # a role step: the role's holders in the incident's township (twp_operator among them)
    township_admins = set(
        session.scalars(
            select(Assignment.person_id).where(
                Assignment.target_kind == TargetKind.region,
                Assignment.target_id == inc.region_id,
                Assignment.role == Role.admin,
            )
        )
    )
    assert person_of(session, "twp_operator") in township_admins
    assert told(made[ids["3"]]) == township_admins
    # an organisation step: the organisation's heads
    heads = set(
        session.scalars(
            select(Assignment.person_id).where(
                Assignment.target_kind == TargetKind.organisation,
                Assignment.target_id == org_id(session, "ORG-500101-YJJ"),
                Assignment.role == Role.admin,
            )
        )
    )
    assert heads and told(made[ids["4a"]]) == heads


def test_a_person_step_tells_that_person_and_the_role_falls_back_upward(session) -> None:
    county = actor(session, "wz_operator")
    pid = person_of(session, "twp2_operator")
    f = flow(
        session,
        county,
        [step(4, "专人联络", 20, person_id=pid), step(4, "带班领导到岗", 20, role="duty_leader")],
    )
    inc = incident(session, region_code=ZHONGHE)
    tasks.apply_level(session, inc, 4, by="duty", now=T0)
    made = _by_step(session, inc.id)
    person_task, role_task = made[f.steps[0].id], made[f.steps[1].id]
    day = T0.date()
    assert tasks.recipients(session, inc, person_task, day) == [(pid, "assignee")]
    # nobody holds duty_leader in the township: the county's duty leaders are told
    county_leaders = set(
        session.scalars(
            select(Assignment.person_id).where(
                Assignment.target_kind == TargetKind.region,
                Assignment.target_id == region(session, WANZHOU).id,
                Assignment.role == Role.duty_leader,
            )
        )
    )
    got = {p for p, _why in tasks.recipients(session, inc, role_task, day)}
    assert county_leaders and got == county_leaders


def test_overdue_with_time_travel(session, county_flow) -> None:
    ids = _ids(county_flow)
    inc = incident(session)
    tasks.apply_level(session, inc, 3, by="duty", now=T0)
    made = _by_step(session, inc.id)
    county = actor(session, "wz_operator")
    assert tasks.overdue(session, county, T0 + 15 * MIN) == []  # due exactly now: not yet
    assert [t.id for t in tasks.overdue(session, county, T0 + 16 * MIN)] == [made[ids["4a"]].id]
    late = T0 + 61 * MIN
    assert {t.id for t in tasks.overdue(session, county, late)} == {
        made[ids["4a"]].id,
        made[ids["4b"]].id,
        made[ids["3"]].id,
    }
    tasks.update_task(session, county, made[ids["4a"]].id, {"status": "done"}, now=late)
    assert made[ids["4a"]].id not in {t.id for t in tasks.overdue(session, county, late)}
    assert tasks.is_overdue(made[ids["3"]], late) and not tasks.is_overdue(made[ids["4a"]], late)
    # out of scope: another county's operator sees none of them
    assert tasks.overdue(session, actor(session, "twp2_operator"), late) == []


def test_overdue_timer_tells_the_assignee_once(engine: Engine, session, county_flow) -> None:
    import yingji.incidents.task_jobs  # noqa: F401  (registers the handler)

    inc = incident(session, region_code=ZHONGHE)
    tasks.apply_level(session, inc, 3, by="duty", now=T0)
    made = _by_step(session, inc.id)
    role_task = made[county_flow.steps[2].id]
    done_task = made[county_flow.steps[0].id]
    tasks.update_task(
        session, actor(session, "wz_operator"), done_task.id, {"status": "done"}, now=T0
    )
    session.commit()
    run_due(engine, now=T0 + 10 * MIN)  # nothing is due yet
    with session_factory(engine)() as s:
        assert not s.scalars(select(Notice).where(Notice.kind == "urge")).all()
    run_due(engine, now=T0 + 90 * MIN)
    run_due(engine, now=T0 + 91 * MIN)  # a second pass finds nothing new
    with session_factory(engine)() as s:
        urges = s.scalars(select(Notice).where(Notice.kind == "urge")).all()
        about = {n.subject_id for n in urges}
        assert role_task.id in about and done_task.id not in about
        assert len(urges) == len(about)
        flagged = [e for e in timeline.events(s, inc.id, kinds=["task"]) if e.data.get("overdue")]
        assert {e.data["task_id"] for e in flagged} == about
