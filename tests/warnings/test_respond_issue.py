"""From a warning to instructions: plan matching (with the key period), merging per person,
progressive upgrades without re-sends, the built-in default, the dry run and the job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from yingji import jobs
from yingji.auth.scope import system_actor
from yingji.db import session_factory
from yingji.enterprises.models import Enterprise
from yingji.jobs.models import Timer
from yingji.notify.models import Delivery
from yingji.people.models import Assignment, TargetKind
from yingji.people.service import active_on
from yingji.regions.models import Region
from yingji.warnings import dry_run, respond, service
from yingji.warnings.instruction_models import Instruction
from yingji.warnings.plans import service as plans
from yingji.warnings.plans.matching import Situation, applies
from yingji.warnings.plans.schemas import Rule
from yingji.warnings.targeting import target

T0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)
TOWNSHIP = {"layer": "township", "roles": ["admin", "baobao"]}
VILLAGE = {"layer": "village", "roles": ["admin", "monitoring"]}


@pytest.fixture(autouse=True)
def no_plans(engine: Engine) -> None:
    """Start without active plans (the demo's plan is retired), so each test says exactly
    which rules apply."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE response_plan SET status = 'retired'"))


def _warning(session: Session, codes: list[str], **changes: Any):
    data: dict[str, Any] = {
        "category": "rainstorm",
        "level": 3,
        "stage": "forecast",
        "key_period": False,
        "area_desc": "测试区域",
        "area": {"region_codes": codes},
        "valid_until": dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
        "authority": "重庆市气象台",
        "headline": "暴雨预警",
        "description": None,
        "instruction": None,
    }
    return service.create(session, system_actor(), data | changes)


def _plan(session: Session, rules: list[dict[str, Any]], region: str = "500101") -> int:
    plan = plans.create(session, system_actor(), name="测试方案", region_code=region, rules=rules)
    plans.activate(session, system_actor(), plan.id)
    session.flush()
    return plan.id


def _holders(session: Session, prefix: str, level: int, roles: list[str]) -> set[int]:
    """Persons holding ``roles`` on regions of ``level`` under ``prefix`` (read directly)."""
    return set(
        session.scalars(
            select(Assignment.person_id)
            .join(Region, Region.id == Assignment.target_id)
            .where(
                Assignment.target_kind == TargetKind.region,
                Assignment.role.in_(roles),
                Region.level == level,
                Region.code.startswith(prefix),
                active_on(dt.date.today()),
            )
        )
    )


def _instructions(session: Session, warning_id: int) -> list[Instruction]:
    return list(session.scalars(select(Instruction).where(Instruction.warning_id == warning_id)))


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- matching -------------------------------------------------------------------------------


def test_thresholds_and_key_period() -> None:
    rule = Rule.model_validate({**VILLAGE, "category": "rainstorm", "level": 2, "stage": "nowcast"})
    assert applies(rule, Situation("rainstorm", 2, "nowcast"))
    assert applies(rule, Situation("rainstorm", 1, "imminent"))  # more severe and later
    assert not applies(rule, Situation("rainstorm", 3, "nowcast"))  # yellow < orange
    assert not applies(rule, Situation("rainstorm", 2, "forecast"))  # too early
    assert not applies(rule, Situation("flood", 1, "imminent"))  # other hazard
    # 降标提级: a yellow forecast in a key period responds as an orange nowcast
    key = Situation("rainstorm", 3, "forecast", key_period=True)
    assert (key.effective_level, key.effective_stage) == (2, "nowcast")
    assert applies(rule, key)
    red = Situation("rainstorm", 1, "imminent", key_period=True)
    assert (red.effective_level, red.effective_stage) == (1, "imminent")
    anything = Rule.model_validate({**VILLAGE, "category": "*"})
    assert applies(anything, Situation("gale", 4, "outlook"))


def test_key_period_starts_the_response_earlier(session: Session) -> None:
    _plan(
        session,
        [
            {**TOWNSHIP, "level": 3, "stage": "forecast"},
            {**VILLAGE, "level": 2, "stage": "nowcast"},
        ],
    )
    plain = _warning(session, ["500101"])
    keyed = _warning(session, ["500101"], key_period=True)
    respond.issue(session, plain, T0)
    respond.issue(session, keyed, T0)
    plain_layers = {i.layer for i in _instructions(session, plain.id)}
    keyed_rules = {r["rule"] for i in _instructions(session, keyed.id) for r in i.reasons}
    assert 5 not in plain_layers
    assert keyed_rules == {0, 1}
    villagers = _holders(session, "500101", 5, ["admin", "monitoring"])
    assert villagers <= {i.person_id for i in _instructions(session, keyed.id)}


# --- issue ----------------------------------------------------------------------------------


def test_one_instruction_per_person_with_merged_reasons_and_policy(session: Session) -> None:
    _plan(
        session,
        [
            {
                **TOWNSHIP,
                "channels": ["sms"],
                "deadline_minutes": 30,
                "measures": "{region}巡查隐患点",
            },
            {
                "layer": "township",
                "roles": ["admin"],
                "channels": ["voice", "inbox"],
                "deadline_minutes": 10,
                "escalation": {"roles": ["duty_leader"], "redials": 1, "max_rounds": 1},
                "measures": "{region}转移群众，于{deadline}前回复{code}",
            },
        ],
    )
    warning = _warning(session, ["500101"])
    written = respond.issue(session, warning, T0)
    rows = _instructions(session, warning.id)
    assert written == len(rows) == len({r.person_id for r in rows}) > 0
    admins = _holders(session, "500101", 4, ["admin"])
    baobao = _holders(session, "500101", 4, ["baobao"]) - admins
    assert {r.person_id for r in rows} == admins | baobao
    by_person = {r.person_id: r for r in rows}
    admin = by_person[sorted(admins)[0]]
    assert {(r["plan"] != "default", r["rule"]) for r in admin.reasons} == {(True, 0), (True, 1)}
    assert admin.policy["deadline_minutes"] == 10  # the earliest
    assert admin.policy["channels"] == ["sms", "voice", "inbox"]  # the union
    assert admin.policy["escalation_roles"] == ["duty_leader"]  # the strictest rule's
    assert (admin.policy["redials"], admin.policy["max_rounds"]) == (1, 1)
    assert admin.deadline_at == T0 + dt.timedelta(minutes=10) == admin.next_action_at
    assert admin.confirm_code and len(admin.confirm_code) == 6 and admin.confirm_code.isdigit()
    region_name = session.get_one(Region, admin.region_id).name
    assert admin.measures.splitlines() == [
        f"{region_name}巡查隐患点",
        f"{region_name}转移群众，于10:10前回复{admin.confirm_code}",
    ]
    assert admin.plan_version_id is not None and admin.layer == 4 and admin.round == 0
    only = by_person[sorted(baobao)[0]]
    assert only.policy["channels"] == ["sms"] and only.policy["deadline_minutes"] == 30
    deliveries = session.execute(
        select(Delivery.instruction_id, Delivery.channel, Delivery.purpose)
    ).all()
    assert sorted(deliveries) == sorted(
        (r.id, ch, "call") for r in rows for ch in r.policy["channels"]
    )
    due = session.scalars(
        select(Timer.due_at).where(
            Timer.subject_kind == "warning",
            Timer.subject_id == warning.id,
            Timer.kind != "warning.respond",
        )
    ).all()
    assert T0 + dt.timedelta(minutes=10) in [d.astimezone(dt.UTC) for d in due]


def test_upgrade_adds_people_and_never_resends(session: Session) -> None:
    _plan(
        session,
        [
            {**TOWNSHIP, "level": 3, "stage": "forecast"},
            {**VILLAGE, "level": 2, "stage": "nowcast"},
            {"layer": "grid", "roles": ["grid_member"], "level": 1, "stage": "imminent"},
        ],
    )
    first = _warning(session, ["500101"])
    respond.issue(session, first, T0)
    called = {i.person_id for i in _instructions(session, first.id)}
    sent = _count(session, Delivery)
    assert called and sent
    upgrade = _warning(session, ["500101"], level=2, stage="nowcast", replaces=first.id)
    added = respond.issue(session, upgrade, T0 + dt.timedelta(hours=1))
    new = {i.person_id for i in _instructions(session, upgrade.id)}
    assert added == len(new) > 0
    assert not new & called
    assert _holders(session, "500101", 5, ["admin", "monitoring"]) - called <= new
    # no delivery was written for the instructions of the first warning
    old_ids = [i.id for i in _instructions(session, first.id)]
    assert _count(session, Delivery) - sent == sum(
        len(i.policy["channels"]) for i in _instructions(session, upgrade.id)
    )
    assert (
        session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.instruction_id.in_(old_ids))
        )
        == sent
    )
    # the red imminent upgrade adds grid members only; running it twice adds nothing
    red = _warning(session, ["500101"], level=1, stage="imminent", replaces=upgrade.id)
    assert respond.issue(session, red, T0) > 0
    assert respond.issue(session, red, T0) == 0
    grid = {i.layer for i in _instructions(session, red.id)}
    assert grid == {6}


def test_township_and_sector_rules(session: Session) -> None:
    ent = session.execute(
        select(Enterprise.principal_id, Enterprise.safety_manager_id, Enterprise.credit_code).where(
            Enterprise.industry_code.startswith("10")
        )
    ).first()
    assert ent is not None
    _plan(
        session,
        [
            {**VILLAGE, "township": "500101003", "sectors": ["B"]},
            {"layer": "county", "sectors": ["26"], "category": "geological"},
        ],
    )
    warning = _warning(session, ["500101"])
    respond.issue(session, warning, T0)
    rows = _instructions(session, warning.id)
    villages = {r["region"] for i in rows for r in i.reasons if r["kind"] == "region_role"}
    assert villages and all(code.startswith("500101003") for code in villages)
    firms = {
        (i.person_id, r["role"], r["target"])
        for i in rows
        for r in i.reasons
        if r["kind"] == "enterprise"
    }
    assert firms == {
        (ent.principal_id, "principal", ent.credit_code),
        (ent.safety_manager_id, "safety_manager", ent.credit_code),
    }  # the chemical rule is for geological warnings only


def test_plan_applies_inside_its_region_and_default_elsewhere(session: Session) -> None:
    _plan(session, [TOWNSHIP])
    warning = _warning(session, ["500101", "500103"])
    respond.issue(session, warning, T0)
    rows = _instructions(session, warning.id)
    wanzhou = [r for i in rows for r in i.reasons if r["region"].startswith("500101")]
    other = [r for i in rows for r in i.reasons if r["region"].startswith("500103")]
    assert wanzhou and {r["plan"] for r in wanzhou} != {"default"}
    assert all(r["plan"] == "default" for r in other) and other


def test_without_plans_the_default_reaches_everyone_targeting_finds(session: Session) -> None:
    warning = _warning(session, ["500101"], level=1)
    respond.issue(session, warning, T0)
    rows = _instructions(session, warning.id)
    assert {i.person_id for i in rows} == {t.person_id for t in target(session, warning)}
    assert all(i.plan_version_id is None for i in rows)
    assert all(i.policy["deadline_minutes"] == 5 for i in rows)  # red: settings say 5
    assert all(i.region_id is not None for i in rows)


# --- dry run and the job --------------------------------------------------------------------


def test_dry_run_lists_people_and_reasons_and_writes_nothing(session: Session) -> None:
    plan_id = _plan(session, [TOWNSHIP])
    warning = _warning(session, ["500101"])
    session.commit()
    before = (_count(session, Instruction), _count(session, Delivery), _count(session, Timer))
    rows = dry_run.dry_run(session, system_actor(), warning_id=warning.id)
    expected = _holders(session, "500101", 4, ["admin", "baobao"])
    assert {r.person_id for r in rows} == expected
    row = rows[0]
    assert row.name and row.region_code.startswith("500101") and row.layer == 4
    assert row.rules and row.reasons and row.channels == ["sms", "voice", "inbox"]
    assert row.deadline_minutes == 30  # yellow
    # a draft, with unsaved rules tried on the plan
    trial = [{**VILLAGE, "channels": ["sms"], "deadline_minutes": 7}]
    drafted = dry_run.dry_run(
        session,
        system_actor(),
        draft={
            "category": "rainstorm",
            "level": 3,
            "stage": "forecast",
            "area": {"region_codes": ["500101001"]},
        },
        rules=trial,
        plan_id=plan_id,
    )
    assert {r.person_id for r in drafted} == _holders(
        session, "500101001", 5, ["admin", "monitoring"]
    )
    assert {r.deadline_minutes for r in drafted} == {7}
    session.rollback()
    after = (_count(session, Instruction), _count(session, Delivery), _count(session, Timer))
    assert after == before
    assert plans.get(session, system_actor(), plan_id).version == 1


def test_dry_run_api_and_pages(api, pages, engine: Engine) -> None:
    with session_factory(engine).begin() as s:
        _plan(s, [TOWNSHIP])
        warning_id = _warning(s, ["500101"]).id
    reply = api("wz_operator").post("/api/v1/plans/dry-run", json={"warning_id": warning_id})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["total"] == len(body["items"]) > 0
    assert body["items"][0]["reasons"][0]["kind"] == "region_role"
    bad = api("wz_operator").post(
        "/api/v1/plans/dry-run",
        json={"warning_id": warning_id, "rules": [{"layer": "grid", "roles": ["x"]}]},
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "rules[0].roles"
    client = pages("wz_operator")
    form = client.get("/plans/dry-run")
    assert form.status_code == 200
    token = form.text.split('name="csrf" value="')[1].split('"')[0]
    page = client.post("/plans/dry-run", data={"csrf": token, "warning_id": str(warning_id)})
    assert page.status_code == 200
    assert page.text.count('data-testid="dry-row"') == body["total"]
    with session_factory(engine)() as s:
        assert _count(s, Instruction) == 0


def test_respond_job_calls_out_active_warnings_only(engine: Engine) -> None:
    with session_factory(engine).begin() as s:
        live = _warning(s, ["500101001"])
        gone = _warning(s, ["500101002"])
        service.cancel(s, system_actor(), gone.id)
        live_id, gone_id = live.id, gone.id
    jobs.run_due(engine, now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1), limit=1000)
    with session_factory(engine)() as s:
        assert _instructions(s, live_id)
        assert not _instructions(s, gone_id)
