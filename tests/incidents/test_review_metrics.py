"""After-action measures from a hand-built timeline: minutes to first report, response and
first arrival (from timeline events and from dispatch order rows), tasks done on time,
warning confirmation, resources used; None where there is nothing to measure."""

from __future__ import annotations

import datetime as dt

from review_helpers import (
    T0,
    actor,
    event,
    incident,
    minutes,
    report,
    story,
    task,
)
from sqlalchemy.orm import Session

from yingji.incidents import review
from yingji.incidents.flow_models import TaskStatus
from yingji.regions.models import Region
from yingji.resources.models import (
    DispatchOrder,
    Material,
    OrderLine,
    RescueTeam,
    StockBatch,
    Warehouse,
)


def _measure(session: Session, incident_id: int, at: float = 600) -> dict:
    return review.measure_now(session, actor(session, "wz_operator"), incident_id, minutes(at))


def test_lapses_in_exact_minutes_from_occurrence_and_receipt(session: Session) -> None:
    inc = story(session)
    m = _measure(session, inc.id)
    assert m["first_report"] == {
        "at": minutes(40).isoformat(),
        "from_occurred": 40.0,
        "from_received": 30.0,
    }
    assert m["response"]["from_occurred"] == 55.0 and m["response"]["from_received"] == 45.0
    assert m["first_arrival"]["from_occurred"] == 75.0
    assert m["first_arrival"]["from_received"] == 65.0
    assert m["measured_at"] == minutes(600).isoformat()


def test_the_first_of_each_counts_not_the_order_written(session: Session) -> None:
    inc = incident(session, occurred=0, received=12.5)
    report(session, inc, "follow_up", 90, dead=1)
    report(session, inc, "first", 33, dead=0)  # written later, happened earlier
    event(session, inc, "level", 80, "提升为Ⅱ级响应", level=2)
    event(session, inc, "level", 47, "启动Ⅳ级应急响应", level=4)
    event(session, inc, "dispatch", 50, "出发", order_id=900001, state="en_route")
    event(session, inc, "dispatch", 99, "到达", order_id=900002, state="arrived")
    event(session, inc, "dispatch", 61, "到达", order_id=900001, state="arrived")
    m = _measure(session, inc.id)
    assert m["first_report"]["from_occurred"] == 33.0
    assert m["first_report"]["from_received"] == 20.5
    assert m["response"]["from_occurred"] == 47.0
    assert m["first_arrival"]["from_occurred"] == 61.0


def test_nothing_to_measure_gives_none(session: Session) -> None:
    inc = incident(session)
    event(session, inc, "dispatch", 30, "出发", order_id=900003, state="en_route")
    m = _measure(session, inc.id)
    for key in ("first_report", "response", "first_arrival"):
        assert m[key] == {"at": None, "from_occurred": None, "from_received": None}
    assert m["tasks"] == {"with_due": 0, "on_time": 0, "share": None}
    assert m["warnings"] == {"instructions": 0, "confirmed": 0, "rate": None}
    assert m["resources"]["orders"] == 1


def test_events_after_the_measuring_time_do_not_count(session: Session) -> None:
    inc = story(session)
    m = _measure(session, inc.id, at=50)
    assert m["first_report"]["from_occurred"] == 40.0
    assert m["response"]["at"] is None and m["first_arrival"]["at"] is None


def test_share_of_tasks_done_on_time(session: Session) -> None:
    inc = incident(session)
    task(session, inc, "按时", due=60, done=60)  # done exactly at the limit: on time
    task(session, inc, "提前", due=60, done=30)
    task(session, inc, "超时", due=60, done=61)
    task(session, inc, "未完成", due=60)
    task(session, inc, "进行中", due=600, status=TaskStatus.in_progress)
    task(session, inc, "无时限", due=None, done=500)
    task(session, inc, "撤销", due=60, status=TaskStatus.cancelled)
    assert _measure(session, inc.id)["tasks"] == {"with_due": 5, "on_time": 2, "share": 0.4}


def test_warning_confirmation_sums_rounds(session: Session) -> None:
    inc = incident(session)
    event(session, inc, "warning", 20, "第一轮叫应", instructions=12, confirmed=9)
    event(session, inc, "warning", 40, "第二轮叫应", instructions=4, confirmed=4)
    event(session, inc, "warning", 45, "发布预警")  # no counts: not a call round
    event(session, inc, "warning", 50, "第三轮叫应", instructions="4", confirmed=3.0)
    event(session, inc, "note", 55, "其他记录", instructions=100, confirmed=0)
    assert _measure(session, inc.id)["warnings"] == {
        "instructions": 20,
        "confirmed": 16,
        "rate": 0.8,
    }


def _team(session: Session, code: str) -> RescueTeam:
    region = session.query(Region).filter_by(code="500101").one()
    team = RescueTeam(
        code=code,
        name=f"复盘测试队{code}",
        kind="fire_station",
        size=20,
        skills=[],
        lon=108.41,
        lat=30.81,
        region_id=region.id,
        region_path=region.path,
    )
    session.add(team)
    session.flush()
    return team


def _batch(session: Session) -> StockBatch:
    region = session.query(Region).filter_by(code="500101").one()
    store = Warehouse(
        code="RV-W1",
        name="复盘测试库",
        level=3,
        lon=108.41,
        lat=30.81,
        region_id=region.id,
        region_path=region.path,
    )
    material = Material(code="RV-M1", name="复盘测试帐篷", unit="顶", category="shelter")
    session.add_all([store, material])
    session.flush()
    batch = StockBatch(warehouse_id=store.id, material_id=material.id, quantity=10)
    session.add(batch)
    session.flush()
    return batch


def _order(session: Session, code: str, **values) -> DispatchOrder:
    order = DispatchOrder(
        code=code,
        title=code,
        lon=108.41,
        lat=30.81,
        region_path="/500000/500101/",
        created_by="test",
        **values,
    )
    session.add(order)
    session.flush()
    return order


def test_dispatch_orders_of_the_incident_count_with_their_arrivals(session: Session) -> None:
    inc = incident(session)
    team = _team(session, "RV-T1")
    arrived = (T0 + dt.timedelta(minutes=52)).isoformat()
    _order(  # sent for the incident, never on its timeline: counted through incident_id
        session,
        "RV-O1",
        team_id=team.id,
        incident_id=inc.id,
        state="arrived",
        history=[
            {"state": "issued", "at": minutes(20).isoformat(), "by": "t"},
            {"state": "arrived", "at": arrived, "by": "t"},
        ],
    )
    store = _order(session, "RV-O2", incident_id=inc.id, state="issued")
    batch = _batch(session)
    for _ in range(2):
        session.add(
            OrderLine(
                order_id=store.id, batch_id=batch.id, material_id=batch.material_id, quantity=1
            )
        )
    _order(session, "RV-O3", incident_id=inc.id, state="cancelled", team_id=team.id)
    named = _order(session, "RV-O4", state="en_route")  # no incident_id, named by the timeline
    event(session, inc, "dispatch", 30, "增派", order_id=named.id, state="en_route")
    _order(session, "RV-O5", state="arrived")  # another incident's order: not counted
    session.flush()
    m = _measure(session, inc.id)
    assert m["first_arrival"]["from_occurred"] == 52.0
    assert m["resources"] == {"orders": 3, "teams": 1, "equipment_units": 0, "material_lines": 2}


def test_orders_known_only_from_the_timeline(session: Session) -> None:
    inc = incident(session)
    event(session, inc, "dispatch", 10, "调派一队", order_id=900011, state="issued", team_id=7)
    event(session, inc, "dispatch", 11, "调派二队", order_id=900012, state="issued", team_id=8)
    event(session, inc, "dispatch", 12, "调拨物资", order_id=900013, lines=[{"m": 1}, {"m": 2}])
    event(
        session,
        inc,
        "dispatch",
        13,
        "调派装备",
        order_id=900014,
        equipment_id=3,
        units=4,
        state="issued",
    )
    event(session, inc, "dispatch", 20, "撤销二队", order_id=900012, state="cancelled")
    assert _measure(session, inc.id)["resources"] == {
        "orders": 3,
        "teams": 1,
        "equipment_units": 4,
        "material_lines": 2,
    }
