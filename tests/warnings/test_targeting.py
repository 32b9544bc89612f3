"""Warning targeting and instructions on the tiny demo, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.scope import system_actor
from yingji.enterprises.models import Enterprise
from yingji.people.models import Assignment, Organisation, TargetKind
from yingji.people.service import active_on
from yingji.regions.models import Region
from yingji.risk.models import RiskPoint
from yingji.warnings import service
from yingji.warnings.instruction_models import Instruction
from yingji.warnings.instructions import write_instructions
from yingji.warnings.targeting import DEFAULT_ROLES, target


def _warning(session: Session, area: dict[str, Any], **changes: Any):
    data: dict[str, Any] = {
        "category": "rainstorm",
        "level": 2,
        "stage": "forecast",
        "key_period": False,
        "area_desc": "测试区域",
        "area": area,
        "valid_until": dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
        "authority": "重庆市气象台",
        "headline": "暴雨橙色预警",
        "description": None,
        "instruction": None,
    }
    return service.create(session, system_actor(), data | changes)


def _path(session: Session, code: str) -> str:
    return session.scalar(select(Region.path).where(Region.code == code)) or ""


def _assigned_under(session: Session, code: str) -> set[tuple[int, str, str]]:
    """(person, role, region code) of default-role region assignments in ``code``'s subtree,
    read independently of the targeting code."""
    rows = session.execute(
        select(Assignment.person_id, Assignment.role, Region.code)
        .join(Region, Region.id == Assignment.target_id)
        .where(
            Assignment.target_kind == TargetKind.region,
            Assignment.role.in_(DEFAULT_ROLES),
            Region.path.startswith(_path(session, code)),
            active_on(dt.date.today()),
        )
    ).all()
    return {tuple(r) for r in rows}


def _region_reasons(targets) -> set[tuple[int, str, str]]:
    return {
        (t.person_id, r["role"], r["target"])
        for t in targets
        for r in t.reasons
        if r["kind"] == "region_role"
    }


def test_county_warning_reaches_every_layer_by_role(session: Session) -> None:
    warning = _warning(session, {"region_codes": ["500101"]})
    targets = target(session, warning)
    expected = _assigned_under(session, "500101")
    levels = {len(code) for _p, _r, code in expected}
    assert {9, 12} <= levels  # townships and villages (grids have longer codes still)
    assert _region_reasons(targets) == expected
    roles = {role for _p, role, _c in expected}
    assert {"admin", "grid_member"} <= roles
    assert len({t.person_id for t in targets}) == len(targets)
    for t in targets:
        assert 3 <= t.layer <= 6


def test_person_with_two_reasons_gets_one_instruction(session: Session) -> None:
    warning = _warning(session, {"region_codes": ["500101"]})
    targets = target(session, warning)
    both = [t for t in targets if {"region_role", "risk_point"} <= {r["kind"] for r in t.reasons}]
    assert both, "a township head answers for the township and for its risk point"
    written = write_instructions(session, warning, targets)
    assert written == len(targets)
    person = both[0].person_id
    rows = session.execute(
        select(Instruction.reasons, Instruction.layer).where(
            Instruction.warning_id == warning.id, Instruction.person_id == person
        )
    ).all()
    assert len(rows) == 1
    assert rows[0].reasons == both[0].reasons
    assert rows[0].layer == both[0].layer


def test_writing_twice_writes_nothing_new(session: Session) -> None:
    warning = _warning(session, {"region_codes": ["500101"]})
    targets = target(session, warning)
    assert write_instructions(session, warning, targets) == len(targets) > 0
    assert write_instructions(session, warning, target(session, warning)) == 0
    total = session.scalar(
        select(func.count()).select_from(Instruction).where(Instruction.warning_id == warning.id)
    )
    assert total == len(targets)


def test_upgrade_calls_only_the_persons_it_adds(session: Session) -> None:
    first = _warning(session, {"region_codes": ["500101001"]})
    called = write_instructions(session, first, target(session, first))
    assert called > 0
    upgrade = _warning(session, {"region_codes": ["500101"]}, level=1, replaces=first.id)
    targets = target(session, upgrade)
    added = write_instructions(session, upgrade, targets)
    assert 0 < added < len(targets)
    old = set(
        session.scalars(select(Instruction.person_id).where(Instruction.warning_id == first.id))
    )
    new = set(
        session.scalars(select(Instruction.person_id).where(Instruction.warning_id == upgrade.id))
    )
    assert not old & new
    assert old | new == {t.person_id for t in targets} | old


def test_other_county_reaches_none_of_500101(session: Session) -> None:
    warning = _warning(session, {"region_codes": ["500103"]})
    targets = target(session, warning)
    assert targets
    mine = {p for p, _r, _c in _assigned_under(session, "500101")}
    theirs = {p for p, _r, _c in _assigned_under(session, "500103")}
    assert not {t.person_id for t in targets} & (mine - theirs)
    assert all(not r["region"].startswith("500101") for t in targets for r in t.reasons)


def test_risk_point_monitors_inside_a_polygon_are_called(session: Session) -> None:
    points = session.execute(
        select(RiskPoint.id, RiskPoint.code, RiskPoint.lon, RiskPoint.lat)
        .join(Region, Region.id == RiskPoint.region_id)
        .where(Region.path.startswith(_path(session, "500101")))
        .order_by(RiskPoint.id)
    ).all()
    inside, outside = points[0], points[1:]
    d = 0.002
    ring = [
        [inside.lon - d, inside.lat - d],
        [inside.lon + d, inside.lat - d],
        [inside.lon + d, inside.lat + d],
        [inside.lon - d, inside.lat + d],
        [inside.lon - d, inside.lat - d],
    ]
    warning = _warning(session, {"polygons": [ring]})
    targets = target(session, warning)
    called = {r["target"] for t in targets for r in t.reasons if r["kind"] == "risk_point"}
    assert inside.code in called
    assert not called & {p.code for p in outside}
    monitors = set(
        session.scalars(
            select(Assignment.person_id).where(
                Assignment.target_kind == "risk_point",
                Assignment.target_id == inside.id,
                Assignment.role == "monitoring",
            )
        )
    )
    assert monitors and monitors <= {t.person_id for t in targets}
    # the square covers far less than half of any region: at 0.5 no region calls anyone,
    # while the risk point inside it still does
    strict = target(session, warning, min_share=0.5)
    assert {r["kind"] for t in strict for r in t.reasons} == {"risk_point"}
    assert {r["target"] for t in strict for r in t.reasons} == {inside.code}


def test_enterprises_of_named_sectors_are_called(session: Session) -> None:
    ent = session.execute(
        select(Enterprise.credit_code, Enterprise.industry_code, Enterprise.principal_id)
        .join(Organisation, Organisation.id == Enterprise.organisation_id)
        .join(Region, Region.id == Organisation.region_id)
        .where(Region.path.startswith(_path(session, "500101")))
        .order_by(Enterprise.id)
    ).first()
    assert ent is not None and ent.principal_id is not None
    warning = _warning(session, {"region_codes": ["500101"]})
    plain = target(session, warning)
    assert not any(r["kind"] == "enterprise" for t in plain for r in t.reasons)
    called = target(session, warning, sectors=[ent.industry_code[:2]])
    reasons = {
        (t.person_id, r["role"], r["target"])
        for t in called
        for r in t.reasons
        if r["kind"] == "enterprise"
    }
    assert (ent.principal_id, "principal", ent.credit_code) in reasons
    assert all(
        code.startswith(ent.industry_code[:2])
        for code in session.scalars(
            select(Enterprise.industry_code).where(
                Enterprise.credit_code.in_([c for _p, _r, c in reasons])
            )
        )
    )
