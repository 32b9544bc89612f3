"""Handling in scope: identity reads (designated and audited), accept into a hazard, reject
with a reason, duplicates, rewards and payouts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from yingji.auth.models import AuditEntry
from yingji.db import session_factory
from yingji.hazards.models import Hazard

from .conftest import submit

URL = "/api/v1/whistle-reports"


def _file(public: Any, township: str, address: str = "203.0.113.20", **over: Any) -> str:
    """File a named report; its receipt."""
    fields = {
        "title": "化工厂夜间偷排废气",
        "region_code": township,
        "anonymous": "false",
        "name": "李四",
        "phone": "13800138000",
        **over,
    }
    return submit(public(address), **fields).json()["receipt"]


def _only_id(client: Any) -> int:
    items = client.get(URL).json()["items"]
    assert len(items) >= 1
    return items[0]["id"]


def _step(client: Any, rid: int, action: str, status: int = 200, **body: Any) -> Any:
    reply = client.post(f"{URL}/{rid}/actions/{action}", json=body)
    assert reply.status_code == status, reply.text
    return reply.json()


def test_identity_read_is_designated_and_audited(
    api: Any, public: Any, places: dict[str, str], readers: None, engine: Engine
) -> None:
    _file(public, places["twp"])
    twp = api("twp_operator")
    rid = _only_id(twp)
    detail = twp.get(f"{URL}/{rid}").json()
    assert detail["reporter"] == "已加密 / encrypted" and not detail["can_read_identity"]
    refused = twp.post(f"{URL}/{rid}/identity")
    assert refused.status_code == 403
    reader = api("wz_operator")
    assert reader.get(f"{URL}/{rid}").json()["can_read_identity"]
    identity = reader.post(f"{URL}/{rid}/identity")
    assert identity.status_code == 200, identity.text
    assert identity.json() == {"name": "李四", "phone": "+8613800138000"}
    with session_factory(engine)() as s:
        reads = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "read", AuditEntry.entity_id == str(rid))
        ).all()
    assert [(e.actor, e.entity) for e in reads] == [("wz_operator", "whistle_report")]


def test_accept_opens_a_whistle_hazard_linked_both_ways(
    api: Any, public: Any, places: dict[str, str], engine: Engine
) -> None:
    receipt = _file(public, places["twp"], anonymous="true")
    twp = api("twp_operator")
    rid = _only_id(twp)
    _step(twp, rid, "accept", 409)  # must be verified first
    _step(twp, rid, "verify")
    accepted = _step(twp, rid, "accept", comment="现场核实属实")
    assert accepted["state"] == "accepted" and accepted["hazard_code"].startswith("YH")
    with session_factory(engine)() as s:
        hazard = s.get(Hazard, accepted["hazard_id"])
        assert hazard is not None and hazard.source == "whistle"
        assert (
            hazard.region_path.endswith(f"/{places['twp']}/") or places["twp"] in hazard.region_path
        )
        assert accepted["code"] in (hazard.description or "")
    status = public().get(f"/api/v1/public/whistle-reports/{receipt}").json()
    assert status["state"] == "accepted"
    assert "现场核实属实" not in str(status) and "twp_operator" not in str(status)


def test_reject_needs_a_reason_the_reporter_sees(
    api: Any, public: Any, places: dict[str, str]
) -> None:
    receipt = _file(public, places["twp"])
    twp = api("twp_operator")
    rid = _only_id(twp)
    missing = _step(twp, rid, "reject", 422)
    assert missing["error"]["details"][0]["field"] == "reason"
    _step(twp, rid, "reject", reason="现场核查未发现所述问题")
    status = public().get(f"/api/v1/public/whistle-reports/{receipt}").json()
    assert status["state"] == "rejected" and status["reject_reason"] == "现场核查未发现所述问题"


def test_duplicates_point_at_the_earlier_report(
    api: Any, public: Any, places: dict[str, str]
) -> None:
    _file(public, places["twp"], address="203.0.113.30")
    _file(public, places["twp"], address="203.0.113.31")
    twp = api("twp_operator")
    later, earlier = twp.get(URL).json()["items"][:2]
    _step(twp, later["id"], "duplicate", 422)
    marked = _step(twp, later["id"], "duplicate", duplicate_of=earlier["code"])
    assert marked["state"] == "duplicate" and marked["duplicate_of_id"] == earlier["id"]


def test_reward_and_payout_only_for_accepted(api: Any, public: Any, places: dict[str, str]) -> None:
    receipt = _file(public, places["twp"])
    twp = api("twp_operator")
    rid = _only_id(twp)
    early = twp.post(f"{URL}/{rid}/reward", json={"amount_yuan": "3000", "basis": "奖励办法"})
    assert early.status_code == 409
    _step(twp, rid, "verify")
    _step(twp, rid, "accept")
    reward = twp.post(
        f"{URL}/{rid}/reward", json={"amount_yuan": "3000", "basis": "奖励办法第十条"}
    )
    assert reward.status_code == 201, reward.text
    assert reward.json()["reward"]["amount_yuan"] == "3000.00"
    twice = twp.post(f"{URL}/{rid}/reward", json={"amount_yuan": "10", "basis": "再奖"})
    assert twice.status_code == 409
    pay = f"{URL}/{rid}/payouts"
    too_much = twp.post(pay, json={"method": "bank_transfer", "amount_yuan": "5000"})
    assert too_much.status_code == 422
    bad_method = twp.post(pay, json={"method": "gold"})
    assert bad_method.status_code == 422
    part = twp.post(
        pay, json={"method": "bank_transfer", "amount_yuan": "1000", "reference": "BANK-REF-7731"}
    )
    assert part.status_code == 201, part.text
    status = public().get(f"/api/v1/public/whistle-reports/{receipt}").json()
    assert status["reward_granted"] and not status["reward_paid"]
    rest = twp.post(pay, json={"method": "mobile_payment", "reference": "BANK-REF-7732"})
    assert rest.status_code == 201, rest.text
    body = rest.json()["reward"]
    assert body["paid_yuan"] == "3000.00" and len(body["payouts"]) == 2
    status = public().get(f"/api/v1/public/whistle-reports/{receipt}").json()
    assert status["reward_paid"] and status["reward_yuan"] == "3000.00"
    assert "twp_operator" not in str(status) and "BANK-REF" not in str(status)


@pytest.mark.parametrize("user", ["twp2_operator", "ent_user", "grid_user"])
def test_outside_scope_or_role_cannot_see(
    api: Any, public: Any, places: dict[str, str], user: str
) -> None:
    _file(public, places["twp"])
    rid = _only_id(api("twp_operator"))
    other = api(user)
    assert other.get(f"{URL}/{rid}").status_code in (403, 404)
    listed = other.get(URL)
    assert listed.status_code == 403 or rid not in [i["id"] for i in listed.json()["items"]]
    assert other.post(f"{URL}/{rid}/actions/verify", json={}).status_code in (403, 404)


def test_viewer_reads_but_does_not_act(api: Any, public: Any, places: dict[str, str]) -> None:
    _file(public, places["twp"])
    viewer = api("viewer")
    rid = _only_id(viewer)
    assert viewer.get(f"{URL}/{rid}").json()["allowed_actions"] == []
    assert viewer.post(f"{URL}/{rid}/actions/verify", json={}).status_code == 403
