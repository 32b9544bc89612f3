"""Deadline escalation by time travel: prompt before the deadline, urge after it, circular
once long overdue; stopping the clock cancels them; the double report of a major hazard."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from yingji import jobs
from yingji.hazards import reminders
from yingji.hazards.models import Hazard
from yingji.jobs.models import Timer
from yingji.people.models import Assignment, Person, Role, TargetKind
from yingji.people.responsibility import ESCALATION_ROLES
from yingji.regions.models import Region

if TYPE_CHECKING:
    from tests.notices.conftest import World

DAY = dt.timedelta(days=1)
LETTERS = sorted(reminders.DEADLINE_KINDS)


def _timers(world: World, hazard_id: int) -> dict[str, list[str]]:
    """{state: [kind...]} of the hazard's timers."""
    with world.session() as s:
        rows = s.execute(
            select(Timer.state, Timer.kind)
            .where(Timer.subject_kind == "hazard", Timer.subject_id == hazard_id)
            .order_by(Timer.kind)
        ).all()
    out: dict[str, list[str]] = {}
    for state, kind in rows:
        out.setdefault(state, []).append(kind)
    return out


def _department_people(world: World) -> set[int]:
    with world.session() as s:
        staff = set(
            s.scalars(select(Person.id).where(Person.organisation_id == world.department_id))
        )
        heads = set(
            s.scalars(
                select(Assignment.person_id).where(
                    Assignment.target_kind == TargetKind.organisation,
                    Assignment.target_id == world.department_id,
                    Assignment.role == Role.admin,
                )
            )
        )
    assert staff and heads
    return staff | heads


def _upper_level_people(world: World, hazard_id: int) -> set[int]:
    """Who answers for the region one level above the hazard's (by region assignment)."""
    with world.session() as s:
        hazard = s.get(Hazard, hazard_id)
        assert hazard is not None
        parent = s.scalar(select(Region.parent_id).where(Region.id == hazard.region_id))
        people = set(
            s.scalars(
                select(Assignment.person_id).where(
                    Assignment.target_kind == TargetKind.region,
                    Assignment.target_id == parent,
                    Assignment.role.in_(ESCALATION_ROLES),
                )
            )
        )
    assert people
    return people


def test_prompt_urge_circular_by_time_travel(world: World) -> None:
    deadline = world.today() + 10 * DAY
    hid = world.hazard(deadline=deadline)
    assert _timers(world, hid) == {"pending": LETTERS}

    assert jobs.run_due(world.engine, now=world.at(deadline - 4 * DAY))["claimed"] == 0
    assert world.notices(hid) == []

    counts = jobs.run_due(world.engine, now=world.at(deadline - 3 * DAY))
    assert counts["done"] == 1
    assert world.notices(hid) == [("prompt", {world.owner_person_id})]

    assert jobs.run_due(world.engine, now=world.at(deadline))["claimed"] == 0
    jobs.run_due(world.engine, now=world.at(deadline + DAY))
    kinds = [kind for kind, _ in world.notices(hid)]
    assert kinds == ["prompt", "urge"]
    urge_to = world.notices(hid)[1][1]
    assert world.principal_id in urge_to
    assert _department_people(world) <= urge_to
    assert world.owner_person_id not in urge_to or world.owner_person_id in _department_people(
        world
    )

    assert jobs.run_due(world.engine, now=world.at(deadline + 7 * DAY))["claimed"] == 0
    jobs.run_due(world.engine, now=world.at(deadline + 8 * DAY))
    notices = world.notices(hid)
    assert [kind for kind, _ in notices] == ["prompt", "urge", "circular"]
    assert _upper_level_people(world, hid) <= notices[2][1]
    assert _timers(world, hid) == {"done": LETTERS}

    # Running again, even far later, delivers nothing twice.
    assert jobs.run_due(world.engine, now=world.at(deadline + 30 * DAY))["claimed"] == 0
    assert len(world.notices(hid)) == 3


def test_submitting_cancels_and_sending_back_reschedules(world: World) -> None:
    deadline = world.today() + 10 * DAY
    hid = world.hazard(deadline=deadline)
    world.step("ent_user", hid, "start")
    world.step("ent_user", hid, "submit", comment="整改完成")
    assert _timers(world, hid) == {"cancelled": LETTERS}
    assert jobs.run_due(world.engine, now=world.at(deadline + 30 * DAY))["claimed"] == 0
    assert world.notices(hid) == []

    world.step("admin", hid, "send_back", comment="报警器未联动")
    assert _timers(world, hid) == {"pending": LETTERS}
    jobs.run_due(world.engine, now=world.at(deadline + DAY))
    assert [kind for kind, _ in world.notices(hid)] == ["urge"]  # the prompt's day has passed


def test_closing_cancels_everything(world: World) -> None:
    deadline = world.today() + 10 * DAY
    hid = world.hazard(deadline=deadline)
    world.step("ent_user", hid, "start")
    world.step("ent_user", hid, "submit", comment="整改完成")
    world.step("admin", hid, "verify", comment="现场复核合格")
    world.step("cq_operator", hid, "close")
    assert set(_timers(world, hid)) == {"cancelled"}
    for days in (-3, 1, 8, 40):
        assert jobs.run_due(world.engine, now=world.at(deadline + days * DAY))["claimed"] == 0
    assert world.notices(hid) == []


def test_new_deadline_replaces_old_letters(world: World) -> None:
    first = world.today() + 5 * DAY
    hid = world.hazard(deadline=first)
    world.step("ent_user", hid, "start")
    world.step("ent_user", hid, "submit", comment="整改完成")
    world.step("admin", hid, "verify", comment="合格")
    world.step("cq_operator", hid, "close")
    world.step("cq_operator", hid, "reopen", comment="复查发现问题复现")
    second = world.today() + 20 * DAY
    world.step("cq_operator", hid, "assign", **world.five(second))
    jobs.run_due(world.engine, now=world.at(first + DAY))
    assert world.notices(hid) == []  # nothing about the old deadline
    jobs.run_due(world.engine, now=world.at(second - 3 * DAY))
    with world.session() as s:
        notice_data = s.execute(
            select(Timer.payload).where(
                Timer.subject_kind == "hazard", Timer.subject_id == hid, Timer.state == "done"
            )
        ).scalars()
        assert {p["deadline"] for p in notice_data} == {second.isoformat()}
    assert [kind for kind, _ in world.notices(hid)] == ["prompt"]


def test_stale_timer_for_a_closed_hazard_does_nothing(world: World) -> None:
    """The handler looks at the hazard when it runs, not at what was true when scheduled."""
    deadline = world.today() + 10 * DAY
    hid = world.hazard(deadline=deadline)
    with world.engine.begin() as conn:  # closed behind the timers' back
        conn.execute(update(Hazard).where(Hazard.id == hid).values(state="closed"))
    counts = jobs.run_due(world.engine, now=world.at(deadline + 9 * DAY))
    assert counts["claimed"] == 3 and counts["done"] == 3
    assert world.notices(hid) == []


def test_major_hazard_is_reported_up_once(world: World) -> None:
    general = world.hazard("general")
    major = world.hazard("major")
    with world.session() as s:
        assert s.get(Hazard, major).reported_up_at is None
    counts = jobs.run_due(world.engine)
    assert counts["done"] == 1
    notices = world.notices(major)
    assert [kind for kind, _ in notices] == ["double_report"]
    assert _upper_level_people(world, major) <= notices[0][1]
    assert world.notices(general) == []
    with world.session() as s:
        assert s.get(Hazard, major).reported_up_at is not None
    # A second delivery of the same report (e.g. after a crash) adds nothing.
    with world.engine.begin() as conn:
        conn.execute(update(Timer).where(Timer.subject_id == major).values(state="pending"))
    assert jobs.run_due(world.engine)["done"] == 1
    assert len(world.notices(major)) == 1
