"""Schedules and the places due for inspection: the service query the trace-back report
uses, and its API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import system_actor
from yingji.auth.service import actor_for
from yingji.db import utcnow
from yingji.inspections import schedules, service


def _actor(session: Session, username: str) -> Any:
    return actor_for(session, session.scalars(select(User).where(User.username == username)).one())


def _inspect(session: Session, actor: Any, template_id: int, at: dt.datetime, **target: Any) -> Any:
    inspection = service.create(
        session, actor, {"template_id": template_id, "kind": "regulatory", **target}, now=at
    )
    entries = [
        {"item_code": item.code, "result": "pass"}
        for _, item in service.results_of(session, inspection.id)
    ]
    service.record(session, actor, inspection.id, entries)
    return service.finish(session, actor, inspection.id, now=at)[0]


def test_due_after_interval_and_strictest_schedule_wins(
    session: Session, places: dict[str, Any]
) -> None:
    admin = system_actor("test")
    regulator = _actor(session, "cq_operator")
    point = places["point_twp"]
    for interval in (90, 30):  # the stricter schedule decides
        schedules.create_schedule(
            session,
            regulator,
            {
                "name": f"风险点每{interval}天",
                "target_kind": "risk_point",
                "interval_days": interval,
            },
        )
    now = utcnow()
    _inspect(session, regulator, places["fire"], now - dt.timedelta(days=10), risk_point_id=point)

    def due(at: dt.datetime, within: int = 0) -> dict[int, Any]:
        found = service.not_inspected(session, admin, now=at, within_days=within)
        return {p.target_id: p for p in found if p.target_kind == "risk_point"}

    assert point not in due(now)
    ahead = due(now, within=25)
    assert point in ahead and not ahead[point].overdue and ahead[point].interval_days == 30
    later = due(now + dt.timedelta(days=25))
    assert later[point].overdue and later[point].due_on == (now + dt.timedelta(days=20)).date()
    assert later[point].last_inspected_at is not None
    # Not inspected in a later period of the same place's schedule: a regulator's draft does
    # not count, only a finished inspection.
    service.create(
        session,
        regulator,
        {"template_id": places["fire"], "kind": "regulatory", "risk_point_id": point},
    )
    assert point in due(now + dt.timedelta(days=25))


def test_never_inspected_places_come_first_and_scope_applies(
    session: Session, places: dict[str, Any]
) -> None:
    regulator = _actor(session, "cq_operator")
    schedules.create_schedule(
        session,
        regulator,
        {
            "name": "企业自查每月",
            "target_kind": "enterprise",
            "interval_days": 30,
            "kind": "self_check",
        },
    )
    found = service.not_inspected(session, regulator)
    enterprises = [p for p in found if p.target_kind == "enterprise"]
    other = next(p for p in enterprises if p.target_id == places["other_enterprise"])
    assert other.due_on is None and other.overdue and other.last_inspected_at is None
    ent = _actor(session, "ent_user")
    mine = service.not_inspected(session, ent, within_days=30)  # the demo self-checked lately
    assert [p.target_id for p in mine] == [places["own_enterprise"]]
    county = _actor(session, "wz_operator")
    codes = {p.region_code for p in service.not_inspected(session, county)}
    assert codes and all(c.startswith("500101") for c in codes)
    everywhere = {p.region_code[:6] for p in found}
    assert "500103" in everywhere


def test_schedule_api(api: Any, places: dict[str, Any]) -> None:
    cq, twp = api("cq_operator"), api("twp_operator")
    reply = cq.post(
        "/api/v1/inspection-schedules",
        json={
            "name": "重大风险企业每月",
            "target_kind": "enterprise",
            "interval_days": 30,
            "grade": "major",
        },
    )
    assert reply.status_code == 201, reply.text
    schedule = reply.json()
    assert schedule["region_code"] == "500000"
    assert schedule["id"] in {
        s["id"] for s in twp.get("/api/v1/inspection-schedules").json()["items"]
    }
    bad = cq.post(
        "/api/v1/inspection-schedules",
        json={"name": "x", "target_kind": "house", "interval_days": 0, "grade": "red"},
    )
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert fields == {"target_kind", "interval_days", "grade"}
    outside = twp.post(
        "/api/v1/inspection-schedules",
        json={
            "name": "x",
            "target_kind": "enterprise",
            "interval_days": 7,
            "region_code": "500000",
        },
    )
    assert outside.status_code == 404
    assert (
        api("viewer")
        .post(
            "/api/v1/inspection-schedules",
            json={"name": "x", "target_kind": "enterprise", "interval_days": 7},
        )
        .status_code
        == 403
    )
    off = cq.put(
        f"/api/v1/inspection-schedules/{schedule['id']}",
        json={
            "name": "重大风险企业每月",
            "target_kind": "enterprise",
            "interval_days": 14,
            "active": False,
        },
    )
    assert off.status_code == 200 and off.json()["interval_days"] == 14
    assert not off.json()["active"]
    due = cq.get("/api/v1/inspections/due", params={"under": "500101", "within_days": 3})
    assert due.status_code == 200, due.text
    assert all(item["region_code"].startswith("500101") for item in due.json()["items"])
