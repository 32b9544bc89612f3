"""The hazard state machine through the API: every allowed step, refused steps, 五落实,
verifier rule, scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yingji import clock
from yingji.hazards import machine
from yingji.hazards.models import HazardState

PHOTO_OK = None


def _report(client: Any, demo: dict[str, Any], **over: Any) -> dict[str, Any]:
    body = {"title": "储罐区可燃气体报警器失效", "enterprise_id": demo["enterprise_id"], **over}
    reply = client.post("/api/v1/hazards", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


def _step(client: Any, hazard_id: int, action: str, status: int = 200, **body: Any) -> Any:
    reply = client.post(f"/api/v1/hazards/{hazard_id}/actions/{action}", json=body)
    assert reply.status_code == status, reply.text
    return reply.json()


def test_general_hazard_full_cycle_with_timeline(api: Any, demo: dict[str, Any]) -> None:
    ent, regulator, verifier = api("ent_user"), api("cq_operator"), api("admin")
    hazard = _report(ent, demo)
    assert hazard["state"] == "reported" and hazard["source"] == "self_check"
    assert hazard["code"].startswith("YH") and hazard["enterprise_name"]
    hid = hazard["id"]
    _step(regulator, hid, "confirm", grade="general")
    assigned = _step(regulator, hid, "assign", owner_person_id=demo["owner_person_id"])
    assert assigned["deadline"] == (clock.today() + dt.timedelta(days=15)).isoformat()
    _step(ent, hid, "start")
    _step(ent, hid, "progress", comment="已更换报警器探头")
    _step(ent, hid, "submit", comment="整改完成")
    _step(verifier, hid, "verify", comment="现场复核合格")
    closed = _step(regulator, hid, "close")
    assert closed["state"] == "closed" and closed["closed_at"]
    steps = [(e["action"], e["to_state"], e["actor"]) for e in closed["events"]]
    assert steps == [
        ("report", "reported", "ent_user"),
        ("confirm", "confirmed", "cq_operator"),
        ("assign", "assigned", "cq_operator"),
        ("start", "rectifying", "ent_user"),
        ("progress", "rectifying", "ent_user"),
        ("submit", "submitted", "ent_user"),
        ("verify", "verified", "admin"),
        ("close", "closed", "cq_operator"),
    ]


def test_major_hazard_needs_criterion_and_five_implements(api: Any, demo: dict[str, Any]) -> None:
    regulator = api("cq_operator")
    hid = _report(regulator, demo)["id"]
    refused = _step(regulator, hid, "confirm", 422, grade="major")
    assert refused["error"]["details"][0]["field"] == "criterion"
    _step(regulator, hid, "confirm", grade="major", criterion="安监总管三〔2017〕121号 第十项")
    refused = _step(regulator, hid, "assign", 422, owner_person_id=demo["owner_person_id"])
    missing = {d["field"] for d in refused["error"]["details"]}
    assert missing == {"measures", "funds_wan", "deadline", "contingency_plan"}
    deadline = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    done = _step(
        regulator,
        hid,
        "assign",
        owner_person_id=demo["owner_person_id"],
        deadline=deadline,
        measures="停用储罐，更换报警系统",
        funds_wan=12.5,
        contingency_plan="储罐泄漏专项应急预案",
    )
    assert done["state"] == "assigned" and done["deadline"] == deadline
    assert _step(regulator, hid, "suspend", 422)["error"]["details"][0]["field"] == "comment"
    _step(regulator, hid, "suspend", comment="停产整改")
    _step(api("ent_user"), hid, "resume", 403)
    assert _step(regulator, hid, "resume")["state"] == "rectifying"


def test_illegal_steps_name_the_allowed_ones(api: Any, demo: dict[str, Any]) -> None:
    regulator = api("cq_operator")
    hid = _report(regulator, demo)["id"]
    refused = _step(regulator, hid, "verify", 409)
    assert refused["error"]["details"]["allowed"] == ["confirm", "dismiss", "transfer"]
    assert "确认定级" in refused["error"]["message"]
    assert _step(regulator, hid, "fly", 422)["error"]["details"][0]["field"] == "action"


def test_verifier_must_not_be_the_rectifier(api: Any, demo: dict[str, Any]) -> None:
    regulator = api("cq_operator")
    hid = _report(regulator, demo)["id"]
    _step(regulator, hid, "confirm", grade="general")
    _step(regulator, hid, "assign", owner_person_id=demo["owner_person_id"])
    _step(regulator, hid, "start")
    _step(regulator, hid, "submit")
    refused = _step(regulator, hid, "verify", 403)
    assert "验收人" in refused["error"]["message"]
    back = _step(api("admin"), hid, "send_back", comment="报警器仍未接入 DCS")
    assert back["state"] == "rectifying"


def test_dismiss_reopen_and_transfer(api: Any, demo: dict[str, Any]) -> None:
    regulator, admin = api("cq_operator"), api("admin")
    hid = _report(regulator, demo)["id"]
    _step(regulator, hid, "dismiss", 422)
    assert _step(regulator, hid, "dismiss", comment="不构成隐患")["state"] == "dismissed"
    assert _step(regulator, hid, "reopen", comment="复查发现仍存在")["state"] == "reported"
    moved = _step(admin, hid, "transfer", region_code="500000")
    assert moved["region_code"] == "500000" and moved["state"] == "reported"
    assert moved["events"][-1]["data"]["region"]["to"] == moved["region_id"]


@pytest.mark.parametrize("action", [a.value for a in machine.Action if a != "report"])
def test_every_action_is_refused_outside_its_states(
    api: Any, demo: dict[str, Any], action: str
) -> None:
    """From ``reported`` every action not in the table answers 409 with the allowed list."""
    admin = api("admin")
    hid = _report(admin, demo)["id"]
    if machine.target(machine.Action(action), HazardState.reported) is None:
        refused = _step(admin, hid, action, 409)
        assert refused["error"]["details"]["state"] == "reported"


def test_scope_enterprise_and_township(api: Any, demo: dict[str, Any]) -> None:
    hid = _report(api("cq_operator"), demo)["id"]
    assert api("ent_user").get(f"/api/v1/hazards/{hid}").status_code == 200
    listed = api("ent_user").get("/api/v1/hazards").json()
    assert {h["enterprise_id"] for h in listed["items"]} == {demo["enterprise_id"]}
    viewer = api("viewer")
    assert (
        viewer.post("/api/v1/hazards", json={"title": "x", "region_code": "500101"}).status_code
        == 403
    )
    county = (
        api("admin")
        .post("/api/v1/hazards", json={"title": "县级隐患", "region_code": "500101"})
        .json()["id"]
    )
    other = api("twp2_operator")
    assert other.get(f"/api/v1/hazards/{county}").status_code == 404
    step = other.post(f"/api/v1/hazards/{county}/actions/confirm", json={"grade": "general"})
    assert step.status_code == 404
    assert county not in {h["id"] for h in other.get("/api/v1/hazards?limit=1000").json()["items"]}


def test_map_layer_by_bbox(api: Any, demo: dict[str, Any]) -> None:
    admin = api("admin")
    body = {"title": "加油站卸油口无静电接地", "region_code": "500101", "lon": 106.5, "lat": 29.5}
    hid = admin.post("/api/v1/hazards", json=body).json()["id"]
    inside = admin.get("/api/v1/hazards?format=geojson&open=true&bbox=106.4,29.4,106.6,29.6").json()
    assert hid in {f["id"] for f in inside["features"]}
    outside = admin.get("/api/v1/hazards?format=geojson&bbox=100,20,101,21").json()
    assert hid not in {f["id"] for f in outside["features"]}
    bad = admin.get("/api/v1/hazards?bbox=1,2,3")
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "bbox"
