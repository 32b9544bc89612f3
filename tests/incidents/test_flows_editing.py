"""Flows: validation naming the step row and field, scope (own subtree writable, ancestors'
read-only, others' invisible), and edits as new versions that carry the tasks of unchanged
steps."""

from __future__ import annotations

import pytest
from flow_helpers import (
    T0,
    YUZHONG,
    ZHONGHE,
    actor,
    flow,
    incident,
    org_id,
    standard_steps,
    step,
)
from sqlalchemy import select

from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yingji.incidents import flows, tasks
from yingji.incidents.flow_models import FlowStep, ResponseFlow, Task


def _problems(exc: ValidationFailed) -> set[tuple[int | None, str]]:
    return {(d["row"], d["field"]) for d in exc.details}


def test_validation_names_each_step_row_and_field(session) -> None:
    county = actor(session, "wz_operator")
    yjj = org_id(session, "ORG-500101-YJJ")
    bad = [
        step(4, "接报核实", 15, organisation_id=yjj),  # fine
        step(5, "级别越界", 30),  # level out of range
        {"min_level": 3, "action": "时限为零", "minutes": 0, "role": "admin"},
        {"min_level": "Ⅱ", "action": "", "minutes": "abc", "role": "mayor"},
        {
            "min_level": 2,
            "action": "两个责任方",
            "minutes": 10,
            "role": "admin",
            "organisation_id": yjj,
        },
        {"min_level": 1, "action": "无责任方", "minutes": 10},
        step(4, "未知类型", 10, type_codes=["volcano"]),
        step(4, "类型不在流程内", 10, type_codes=["mine"]),
        step(4, "别的县的单位", 10, organisation_code="ORG-500103-YJJ"),
    ]
    with pytest.raises(ValidationFailed) as caught:
        flow(session, county, bad, type_codes=["flood"])
    found = _problems(caught.value)
    assert found == {
        (1, "min_level"),
        (2, "minutes"),
        (3, "action"),
        (3, "minutes"),
        (3, "role"),
        (4, "responsible"),
        (5, "responsible"),
        (6, "type_codes"),
        (7, "type_codes"),
        (8, "organisation_id"),
    }
    reasons = {(d["row"], d["field"]): d["reason"] for d in caught.value.details}
    assert reasons[(1, "min_level")].startswith("第 2 步：")
    assert " / step 2: " in reasons[(1, "min_level")]
    assert "10 处错误" in caught.value.message
    assert session.scalars(select(ResponseFlow)).all() == []  # nothing written


def test_flow_level_fields_are_checked(session) -> None:
    county = actor(session, "wz_operator")
    with pytest.raises(ValidationFailed) as caught:
        flows.create(
            session,
            county,
            {"code": "bad code!", "name": "", "type_codes": ["lava"], "steps": []},
        )
    assert _problems(caught.value) == {
        (None, "code"),
        (None, "name"),
        (None, "type_codes"),
        (None, "steps"),
    }
    with pytest.raises(ValidationFailed) as caught:
        flow(session, county, [step(4, "x", 10)], region_code=YUZHONG)
    assert _problems(caught.value) == {(None, "region_code")}


def test_levels_and_types_are_read_leniently(session) -> None:
    county = actor(session, "wz_operator")
    f = flow(
        session,
        county,
        [
            {"min_level": "Ⅲ级", "action": "a", "minutes": "45", "role": "admin"},
            {"min_level": "II", "action": "b", "minutes": 10, "role": "admin"},
            {
                "min_level": "4",
                "action": "c",
                "minutes": 5,
                "role": "admin",
                "type_codes": "洪涝灾害",
            },
        ],
        type_codes=["flood", "洪涝灾害"],
    )
    assert [(s.min_level, s.minutes) for s in f.steps] == [(3, 45), (2, 10), (4, 5)]
    assert f.type_codes == ["flood"] and f.steps[2].type_codes == ["flood"]


def test_codes_are_unique_and_readers_cannot_write(session) -> None:
    county = actor(session, "wz_operator")
    flow(session, county, [step(4, "a")], code="WZ-ONE")
    with pytest.raises(Conflict):
        flow(session, county, [step(4, "b")], code="WZ-ONE")
    with pytest.raises(PermissionDenied):
        flow(session, actor(session, "viewer"), [step(4, "c")], region_code="500000")


def test_scope_own_subtree_writable_ancestors_read_only_others_hidden(session) -> None:
    city = actor(session, "cq_operator")
    county = actor(session, "wz_operator")
    town = actor(session, "twp_operator")
    city_flow = flow(session, city, [step(4, "市级")], region_code="500000", code="CQ-1")
    county_flow = flow(session, county, [step(4, "区级")], code="WZ-1")
    town_flow = flow(session, town, [step(4, "街道级")], region_code=ZHONGHE, code="ZH-1")
    other = flow(session, city, [step(4, "渝中")], region_code=YUZHONG, code="YZ-1")

    def codes(who):
        return {f.code for f in flows.listing(session, who)}

    assert codes(city) == {"CQ-1", "WZ-1", "ZH-1", "YZ-1"}
    assert codes(county) == {"CQ-1", "WZ-1", "ZH-1"}
    assert codes(town) == {"CQ-1", "WZ-1", "ZH-1"}
    assert codes(actor(session, "twp2_operator")) == {"CQ-1", "WZ-1"}
    with pytest.raises(NotFound):
        flows.get(session, county, other.id)
    assert flows.get(session, town, city_flow.id).code == "CQ-1"
    assert not flows.may_change(town, city_flow) and flows.may_change(town, town_flow)
    assert flows.may_change(county, town_flow)  # the county owns its townships' flows too
    with pytest.raises(PermissionDenied):
        flows.update(session, county, city_flow.id, {"name": "改名"})
    with pytest.raises(PermissionDenied):
        flows.retire(session, town, county_flow.id)
    with pytest.raises(NotFound):
        flows.get(session, actor(session, "twp2_operator"), town_flow.id)


def test_an_edit_is_a_new_version_and_keeps_the_old_steps(session) -> None:
    county = actor(session, "wz_operator")
    v1 = flow(session, county, standard_steps(session), code="WZ-V", type_codes=["flood"])
    old_steps = [s.id for s in v1.steps]
    data = flows.as_dict(v1)
    data["name"] = "万州区防汛应急响应流程（修订）"
    v2 = flows.update(session, county, v1.id, data)
    assert (v2.code, v2.version, v2.active) == ("WZ-V", 2, True)
    assert v2.id != v1.id and not v1.active
    assert session.scalar(select(FlowStep.id).where(FlowStep.id == old_steps[0])) is not None
    assert [f.version for f in flows.versions(session, county, "WZ-V")] == [2, 1]
    assert [f.id for f in flows.listing(session, county)] == [v2.id]
    # reactivating the old version deactivates the new one
    flows.activate(session, county, v1.id)
    session.refresh(v2)
    assert v1.active and not v2.active
    # editing an old version still numbers after the newest
    v3 = flows.update(session, county, v1.id, {"name": "第三版"})
    assert v3.version == 3 and v3.steps[0].action == v1.steps[0].action


def test_tasks_of_unchanged_steps_carry_over_and_changed_ones_are_replaced(session) -> None:
    county = actor(session, "wz_operator")
    v1 = flow(session, county, standard_steps(session), code="WZ-C", type_codes=["flood"])
    inc = incident(session)
    tasks.apply_level(session, inc, 3, by="duty", now=T0)  # steps 4a, 4b, 3
    before = {t.step_id: t for t in session.scalars(select(Task).where(Task.incident_id == inc.id))}
    assert len(before) == 3
    data = flows.as_dict(v1)
    data["steps"][0]["minutes"] = 20  # same step, new time limit: carries over
    data["steps"][2]["action"] = "事发地乡镇组织群众转移并清点人数"  # changed: a new step
    v2 = flows.update(session, county, v1.id, data)
    new_ids = [s.id for s in v2.steps]
    carried = session.get(Task, before[v1.steps[0].id].id)
    assert carried.step_id == new_ids[0] and carried.status == "open"
    assert session.get(Task, before[v1.steps[1].id].id).step_id == new_ids[1]
    changed = session.get(Task, before[v1.steps[2].id].id)
    assert changed.step_id == v1.steps[2].id  # stays with the old version's step
    # the next application replaces the changed step's task and leaves the others be
    result = tasks.apply_level(session, inc, 3, by="duty", now=T0)
    assert result["cancelled"] == [changed.id]
    assert len(result["created"]) == 1
    fresh = session.get(Task, result["created"][0])
    assert fresh.step_id == new_ids[2] and fresh.title.endswith("清点人数")
    assert carried.status == "open"
