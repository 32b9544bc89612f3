"""Response plans: rule validation, versions, status, scope, API, CLI and pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import system_actor
from yingji.auth.service import actor_for
from yingji.db import session_factory
from yingji.errors import PermissionDenied, ValidationFailed
from yingji.warnings.plans import service
from yingji.warnings.plans.models import PlanVersion, ResponsePlan
from yingji.warnings.plans.schemas import parse_rules

GOOD: list[dict[str, Any]] = [
    {
        "category": "rainstorm",
        "level": 3,
        "stage": "forecast",
        "layer": "township",
        "roles": ["admin", "baobao"],
        "measures": "请{region}于{deadline}前回复{code}确认",
        "channels": ["sms", "inbox"],
    },
    {
        "category": "*",
        "level": 1,
        "stage": "imminent",
        "layer": "grid",
        "roles": ["grid_member"],
        "risk_point_roles": ["monitoring"],
        "sectors": ["B", "26"],
        "deadline_minutes": 5,
        "channels": ["terminal", "sms", "voice"],
        "escalation": {"roles": ["admin"], "redials": 2, "max_rounds": 1},
    },
]


def _actor(session: Session, username: str):
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return actor_for(session, user)


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(ResponsePlan)) or 0,
        session.scalar(select(func.count()).select_from(PlanVersion)) or 0,
    )


def test_good_rules_parse_and_normalise() -> None:
    rules = parse_rules(GOOD)
    assert rules[1].channels == ["sms", "voice", "terminal"]  # canonical order
    assert rules[1].sectors == ["B", "26"]
    assert rules[0].escalation.roles is None  # settings decide later


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"roles": ["admin", "mayor"]}, "rules[1].roles", "未知角色 mayor"),
        ({"category": "volcano"}, "rules[1].category", "未知灾种"),
        ({"layer": "street"}, "rules[1].layer", "取值无效"),
        ({"measures": "请{region}于{when}前确认"}, "rules[1].measures", "{when}"),
        ({"measures": "坏模板 {"}, "rules[1].measures", ""),
        ({"channels": ["fax"]}, "rules[1].channels", "未知渠道"),
        ({"sectors": ["99x"]}, "rules[1].sectors", "行业"),
        ({"level": 0}, "rules[1].level", "取值无效"),
        ({"escalation": {"roles": ["boss"]}}, "rules[1].escalation.roles", "未知角色 boss"),
        ({"colour": "red"}, "rules[1].colour", "未知字段"),
        ({"roles": [], "risk_point_roles": [], "sectors": []}, "rules[1].roles", "calls nobody"),
    ],
)
def test_bad_rule_names_index_and_field(change: dict[str, Any], field: str, words: str) -> None:
    rules = [GOOD[0], {**GOOD[1], **change}]
    with pytest.raises(ValidationFailed) as caught:
        parse_rules(rules)
    fields = [d["field"] for d in caught.value.details]
    assert field in fields
    reason = next(d["reason"] for d in caught.value.details if d["field"] == field)
    assert words in reason
    assert " / " in reason  # Chinese first, then English


def test_bad_plan_stores_nothing(session: Session) -> None:
    before = _counts(session)
    bad = [GOOD[0], {**GOOD[1], "roles": ["nobody"]}, {**GOOD[0], "township": "500103001"}]
    with pytest.raises(ValidationFailed) as caught:
        service.create(session, system_actor(), name="坏方案", region_code="500101", rules=bad)
    assert "rules[1].roles" in {d["field"] for d in caught.value.details}
    session.rollback()
    assert _counts(session) == before


def test_township_outside_the_plan_is_refused(session: Session) -> None:
    bad = [{**GOOD[0], "township": "500103001"}]
    with pytest.raises(ValidationFailed) as caught:
        service.create(session, system_actor(), name="x", region_code="500101", rules=bad)
    assert caught.value.details == [
        {
            "field": "rules[0].township",
            "reason": "乡镇不在方案区划内 500103001 / township outside the plan's region",
        }
    ]


def test_versions_are_immutable(session: Session) -> None:
    actor = system_actor()
    plan = service.create(session, actor, name="万州方案", region_code="500101", rules=GOOD[:1])
    assert (plan.status, plan.version) == ("draft", 1)
    service.edit(session, actor, plan.id, GOOD, comment="加红色规则")
    service.edit(session, actor, plan.id, GOOD[1:])
    session.commit()
    history = service.versions(session, actor, plan.id)
    assert [v.version for v in history] == [3, 2, 1]
    assert [len(v.rules) for v in history] == [1, 2, 1]
    assert history[2].rules[0]["roles"] == ["admin", "baobao"]
    assert history[1].comment == "加红色规则"
    with pytest.raises(ValidationFailed):
        service.edit(session, actor, plan.id, [{"layer": "grid"}])
    session.rollback()
    assert [v.version for v in service.versions(session, actor, plan.id)] == [3, 2, 1]
    assert service.get(session, actor, plan.id).version == 3


def test_activate_and_retire(session: Session) -> None:
    actor = system_actor()
    plan = service.create(session, actor, name="x", region_code="500101", rules=GOOD)
    assert service.activate(session, actor, plan.id).status == "active"
    assert service.retire(session, actor, plan.id).status == "retired"
    with pytest.raises(ValidationFailed):
        service.edit(session, actor, plan.id, GOOD)


def test_township_user_reads_but_cannot_edit_a_county_plan(session: Session) -> None:
    county = _actor(session, "wz_operator")
    township = _actor(session, "twp_operator")
    plan = service.create(session, county, name="万州区方案", region_code="500101", rules=GOOD)
    session.commit()
    assert service.get(session, township, plan.id).id == plan.id  # on the path above
    with pytest.raises(PermissionDenied):
        service.edit(session, township, plan.id, GOOD[:1])
    with pytest.raises(PermissionDenied):
        service.activate(session, township, plan.id)
    with pytest.raises(ValidationFailed):  # not their region
        service.create(session, township, name="x", region_code="500101", rules=GOOD)
    mine = service.create(
        session, township, name="中和街道方案", region_code="500101001", rules=GOOD[:1]
    )
    assert service.can_manage(township, mine)
    assert not service.can_manage(township, plan)
    # another township sees neither the first township's plan nor edits the county's
    other = _actor(session, "twp2_operator")
    ids = {p.id for p in service.list_plans(session, other)[0]}
    assert plan.id in ids and mine.id not in ids


def test_api_create_edit_versions_activate(api, engine: Engine) -> None:
    client = api("wz_operator")
    reply = client.post(
        "/api/v1/plans", json={"name": "万州区方案", "region_code": "500101", "rules": GOOD}
    )
    assert reply.status_code == 201, reply.text
    plan = reply.json()
    assert plan["version"] == 1 and plan["status"] == "draft" and len(plan["rules"]) == 2
    bad = client.put(f"/api/v1/plans/{plan['id']}", json={"rules": [{**GOOD[0], "roles": ["x"]}]})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "rules[0].roles"
    ok = client.put(f"/api/v1/plans/{plan['id']}", json={"rules": GOOD[:1], "comment": "c"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    versions = client.get(f"/api/v1/plans/{plan['id']}/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert client.post(f"/api/v1/plans/{plan['id']}/activate").json()["status"] == "active"
    listed = client.get("/api/v1/plans", params={"status": "active"}).json()
    assert plan["id"] in {p["id"] for p in listed["items"]}
    denied = api("twp_operator").put(f"/api/v1/plans/{plan['id']}", json={"rules": GOOD})
    assert denied.status_code == 403
    assert api("twp_operator").get(f"/api/v1/plans/{plan['id']}").json()["can_manage"] is False


def test_cli_import_export_activate_list(cli, tmp_path, engine: Engine) -> None:
    file = tmp_path / "plan.json"
    file.write_text(
        json.dumps({"code": "YJP-T1", "name": "测试方案", "region_code": "500101", "rules": GOOD}),
        "utf-8",
    )
    first = cli("plans", "import", str(file))
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    again = cli("plans", "import", str(file), "--comment", "再次导入", "--activate")
    assert again.exit_code == 0 and "v2" in again.output and "active" in again.output
    out = tmp_path / "out.json"
    exported = cli("plans", "export", "YJP-T1", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    data = json.loads(out.read_text("utf-8"))
    assert data["version"] == 2 and data["region_code"] == "500101" and len(data["rules"]) == 2
    listed = cli("plans", "list", "--status", "active")
    assert "YJP-T1" in listed.output
    shown = cli("plans", "show", "YJP-T1")
    assert shown.exit_code == 0 and "再次导入" in shown.output
    file.write_text(json.dumps({"code": "YJP-T1", "rules": [{"layer": "moon"}]}), "utf-8")
    bad = cli("plans", "import", str(file))
    assert bad.exit_code == 1
    assert "rules[0].layer" in bad.output
    with session_factory(engine)() as s:
        plan = s.scalar(select(ResponsePlan).where(ResponsePlan.code == "YJP-T1"))
        assert plan is not None and plan.version == 2


def test_pages_list_detail_edit_errors(pages, engine: Engine) -> None:
    client = pages("cq_operator")
    listing = client.get("/plans")
    assert listing.status_code == 200
    assert "YJP-CQ-RAIN-GEO" in listing.text  # the demo plan
    with session_factory(engine)() as s:
        plan_id = s.scalar(select(ResponsePlan.id).where(ResponsePlan.code == "YJP-CQ-RAIN-GEO"))
    detail = client.get(f"/plans/{plan_id}")
    assert detail.status_code == 200
    assert 'data-testid="rule-row"' in detail.text and "文峰镇专项" in detail.text
    token = detail.text.split('name="csrf" value="')[1].split('"')[0]
    bad = client.post(
        f"/plans/{plan_id}/edit",
        data={"csrf": token, "rules": json.dumps([{**GOOD[0], "roles": ["ghost"]}])},
    )
    assert bad.status_code == 422
    assert "rules[0].roles" in bad.text and "未知角色 ghost" in bad.text
    good = client.post(
        f"/plans/{plan_id}/edit",
        data={"csrf": token, "rules": json.dumps(GOOD), "comment": "页面编辑"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    again = client.get(f"/plans/{plan_id}")
    assert "页面编辑" in again.text and "v2" in again.text
    old = client.get(f"/plans/{plan_id}?version=1")
    assert "文峰镇专项" in old.text
    readonly = pages("twp_operator").get(f"/plans/{plan_id}")
    assert readonly.status_code == 200 and 'data-testid="plan-editor"' not in readonly.text


def _draft(category: str, level: int, stage: str, codes: list[str]) -> dict[str, Any]:
    return {"category": category, "level": level, "stage": stage, "area": {"region_codes": codes}}


def test_demo_plan_steps_up_with_the_warning(session: Session) -> None:
    from yingji.warnings.dry_run import dry_run

    actor = _actor(session, "cq_operator")
    blue = dry_run(session, actor, draft=_draft("rainstorm", 4, "outlook", ["500101"]))
    assert blue and {r.layer for r in blue} == {3}
    assert {c for r in blue for c in r.channels} == {"inbox"}
    assert {r.deadline_minutes for r in blue} == {None}
    yellow = dry_run(session, actor, draft=_draft("rainstorm", 3, "forecast", ["500101"]))
    assert {r.layer for r in yellow} == {3, 4}
    red = dry_run(session, actor, draft=_draft("rainstorm", 1, "imminent", ["500101"]))
    grid = [r for r in red if r.layer == 6]
    assert grid and all(r.channels == ["sms", "voice", "terminal"] for r in grid)
    assert {r.deadline_minutes for r in grid} == {5}
    assert any(x["kind"] == "risk_point" for r in red for x in r.reasons)
    assert any(x["kind"] == "enterprise" for r in red for x in r.reasons)  # chemical works
    assert len(red) > len(yellow) > len(blue)
    geo = dry_run(session, actor, draft=_draft("geological", 3, "forecast", ["500101"]))
    special = [x for r in geo for x in r.reasons if x["rule"] == 10]
    assert special and all(x["region"].startswith("500101003") for x in special)
    assert any(x["kind"] == "enterprise" for x in special)  # the mining township's mine


def test_cli_dry_run(cli, engine: Engine) -> None:
    reply = cli(
        "plans", "dry-run", "--category", "rainstorm", "--level", "3", "--regions", "500101"
    )
    assert reply.exit_code == 0, reply.output
    assert "YJP-CQ-RAIN-GEO#" in reply.output and "persons" in reply.output
    bad = cli("plans", "dry-run", "--category", "rainstorm", "--level", "3")
    assert bad.exit_code == 1
