"""Reporting deadlines: the chain county → city → province → State Council by grade, each
level 2 hours after the one below, follow-up reports for casualty changes inside the window,
and the overdue alert, with the clock moved by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from incident_helpers import T0, actor, incident
from sqlalchemy import select

from yingji.incidents import reporting, service
from yingji.jobs import run_due
from yingji.notices.models import Notice

H = dt.timedelta(hours=1)


@pytest.fixture
def city(session):
    return actor(session, "cq_operator")


def _chain(session, inc):
    return [(o.kind, o.to_level, o.due_at, o.done_at) for o in reporting.obligations(session, inc)]


def test_a_general_accident_goes_to_the_city(session, city) -> None:
    inc = incident(session, city, dead=1)
    assert inc.grade == 4
    assert _chain(session, inc) == [("first", 3, T0 + H, None), ("upward", 2, T0 + 3 * H, None)]


def test_a_major_accident_goes_to_the_state_council_and_each_level_waits_for_the_last(
    session, city
) -> None:
    inc = incident(session, city, dead=12)
    assert inc.grade == 2
    assert [o.to_level for o in reporting.obligations(session, inc)] == [3, 2, 1, 0]
    late = T0 + 90 * dt.timedelta(minutes=1)
    service.add_report(session, city, inc.id, kind="first", to_level=3, now=late)
    first, city_level, province, council = reporting.obligations(session, inc)
    assert first.state(late) == "late" and city_level.due_at == late + 2 * H
    assert province.due_at == late + 4 * H and council.due_at == late + 6 * H


def test_overdue_states_move_with_the_clock(session, city) -> None:
    inc = incident(session, city)
    first, _ = reporting.obligations(session, inc)
    assert first.state(T0 + 59 * dt.timedelta(minutes=1)) == "due"
    assert first.minutes_left(T0 + 59 * dt.timedelta(minutes=1)) == 1.0
    assert first.state(T0 + 61 * dt.timedelta(minutes=1)) == "overdue"
    assert [o.to_level for o in reporting.overdue(session, inc, T0 + 4 * H)] == [3, 2]


def test_a_regrade_extends_the_chain(session, city) -> None:
    inc = incident(session, city, dead=1)
    service.update(session, city, inc.id, {"dead": 3}, now=T0 + H)
    assert inc.grade == 3
    assert [o.to_level for o in reporting.obligations(session, inc)] == [3, 2, 1]


def test_casualty_changes_owe_a_follow_up_inside_the_window(session, city) -> None:
    inc = incident(session, city, injured=2)
    service.add_report(session, city, inc.id, kind="first", to_level=3, now=T0 + H / 2)
    service.update(session, city, inc.id, {"summary": "no figures"}, now=T0 + H)
    assert not [o for o in reporting.obligations(session, inc) if o.kind == "follow_up"]
    changed = T0 + 3 * H
    service.update(session, city, inc.id, {"injured": 4}, now=changed)
    follow = [o for o in reporting.obligations(session, inc) if o.kind == "follow_up"]
    assert follow[0].due_at == changed + 2 * H and follow[0].done_at is None
    service.add_report(session, city, inc.id, kind="follow_up", to_level=3, now=changed + H)
    follow = [o for o in reporting.obligations(session, inc) if o.kind == "follow_up"]
    assert follow[0].done_at == changed + H


def test_road_traffic_follow_ups_stop_after_seven_days(session, city) -> None:
    inc = incident(session, city, type_code="road_traffic", injured=1)
    service.add_report(session, city, inc.id, kind="first", to_level=3, now=T0 + H / 2)
    service.update(session, city, inc.id, {"dead": 1}, now=T0 + dt.timedelta(days=8))
    assert not [o for o in reporting.obligations(session, inc) if o.kind == "follow_up"]
    mine = incident(session, city, injured=1)
    service.add_report(session, city, mine.id, kind="first", to_level=3, now=T0 + H / 2)
    service.update(session, city, mine.id, {"dead": 1}, now=T0 + dt.timedelta(days=8))
    assert [o for o in reporting.obligations(session, mine) if o.kind == "follow_up"]


def test_the_overdue_alert_reaches_the_owing_desk_once(session, city) -> None:
    inc = incident(session, city)
    session.commit()
    engine = session.get_bind()
    run_due(engine, now=T0 + 30 * dt.timedelta(minutes=1))
    assert not session.scalars(select(Notice).where(Notice.kind == "report_due")).all()
    run_due(engine, now=T0 + 61 * dt.timedelta(minutes=1))
    run_due(engine, now=T0 + 62 * dt.timedelta(minutes=1))
    session.expire_all()
    alerts = session.scalars(select(Notice).where(Notice.kind == "report_due")).all()
    assert len(alerts) == 1 and inc.code in alerts[0].body and "县级" in alerts[0].title


def test_a_report_in_time_leaves_no_alert(session, city) -> None:
    inc = incident(session, city)
    service.add_report(session, city, inc.id, kind="first", to_level=3, now=T0 + H / 2)
    service.add_report(session, city, inc.id, kind="upward", to_level=2, now=T0 + H)
    session.commit()
    run_due(session.get_bind(), now=T0 + 5 * H)
    session.expire_all()
    assert not session.scalars(select(Notice).where(Notice.kind == "report_due")).all()
