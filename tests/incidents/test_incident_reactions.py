"""What other domains cause on incidents: a strong enough earthquake assessment opens one
(its deaths an estimate in the summary, never counted), dispatch orders sent for an incident
appear on its timeline as they move."""

from __future__ import annotations

from incident_helpers import WANZHOU, actor, incident
from sqlalchemy import select

from set_aside import set_aside_demo_resources
from yingji.incidents import timeline
from yingji.incidents.models import Incident
from yingji.quake import service as quake
from yingji.quake.source import Event
from yingji.resources import dispatch, registry

LON, LAT = WANZHOU


def test_a_strong_quake_opens_one_incident_and_a_weak_one_none(session) -> None:
    city = actor(session, "cq_operator")
    strong, _ = quake.run(session, city, Event(lat=LAT, lon=LON, magnitude=5.6, name="万州测试"))
    opened = session.scalar(select(Incident).where(Incident.source_ref == f"quake:{strong.id}"))
    assert opened is not None and opened.type_code == "earthquake" and opened.source == "quake"
    assert opened.dead == 0 and "模型估计死亡" in opened.summary and "估计值" in opened.summary
    assert opened.region_path.startswith("/500000/")
    weak, _ = quake.run(session, city, Event(lat=LAT, lon=LON, magnitude=3.0))
    assert weak.max_intensity < 6
    assert session.scalar(select(Incident).where(Incident.source_ref == f"quake:{weak.id}")) is None


def test_dispatch_orders_show_on_the_incident_timeline(session, engine) -> None:
    set_aside_demo_resources(engine)
    city = actor(session, "cq_operator")
    inc = incident(session, city)
    team = registry.create_team(
        session,
        city,
        {
            "code": "T-R1",
            "name": "万州矿山救护队",
            "kind": "professional",
            "lon": LON + 0.02,
            "lat": LAT,
        },
    )
    order = dispatch.send_team(
        session, city, team.id, lon=LON, lat=LAT, title=inc.title, incident_id=inc.id
    )
    for state in ("acknowledged", "en_route", "arrived"):
        dispatch.advance(session, city, order.id, state)
    moves = timeline.events(session, inc.id, kinds=["dispatch"])
    assert [e.data["state"] for e in moves] == ["issued", "acknowledged", "en_route", "arrived"]
    assert "万州矿山救护队到达现场" in moves[-1].text and moves[-1].data["order_id"] == order.id


def test_a_direct_message_for_an_incident_is_on_its_timeline_and_counted_live(
    session, api, pages
) -> None:
    from yingji.incidents import review
    from yingji.warnings import direct
    from yingji.warnings.callresponse import service as callresponse
    from yingji.warnings.instruction_models import Instruction

    city = actor(session, "cq_operator")
    inc = incident(session, city)
    message, called = direct.send(
        session,
        city,
        {"text": "立即组织沿河群众转移", "region_codes": ["500101"], "incident_id": inc.id},
    )
    assert called > 0 and message.incident_id == inc.id
    (event,) = timeline.events(session, inc.id, kinds=["warning"])
    assert event.data == {"direct_id": message.id, "instructions": called}
    first = session.scalar(select(Instruction).where(Instruction.direct_id == message.id))
    callresponse.confirm(session, first.id, "manual")
    warnings = review.measure_now(session, city, inc.id)["warnings"]
    assert warnings == {"instructions": called, "confirmed": 1, "rate": round(1 / called, 4)}
    elsewhere = incident(session, city, lon=106.55, lat=29.56)  # 渝中: not 万州's message
    direct.send(
        session, city, {"text": "x", "region_codes": ["500101"], "incident_id": elsewhere.id}
    )
    assert timeline.events(session, elsewhere.id, kinds=["warning"]) == []
    session.commit()
    form = pages("cq_operator").get(f"/direct?incident_id={inc.id}").text
    assert 'name="incident_id"' in form and inc.title in form
    board = pages("cq_operator").get(f"/resources/dispatch?incident={inc.id}").text
    assert f'"id": {inc.id}' in board or f'"id":{inc.id}' in board
