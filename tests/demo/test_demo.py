"""The tiny demo that every test database starts with: complete at each level, consistent
codes and paths, reachable people, working logins, a live duty roster, and idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from yingji.auth.audit import verify
from yingji.auth.models import AuditEntry, User
from yingji.auth.scope import system_actor
from yingji.auth.service import authenticate
from yingji.db import session_factory
from yingji.demo.generate import DEMO_PASSWORD, USERS, load_demo
from yingji.enterprises.credit_code import inner_org_code_ok, is_valid
from yingji.people.duty import on_duty
from yingji.people.models import Assignment, CommitteeMember, Organisation, Person, Role
from yingji.people.phones import demo_number, is_demo
from yingji.people.responsibility import escalation_chains
from yingji.people.service import upsert_person
from yingji.regions.models import Region, RegionLevel


def _count(session: Session, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(Region).where(*where))


def test_every_level_is_filled(engine: Engine) -> None:
    with session_factory(engine)() as s:
        for level in (RegionLevel.township, RegionLevel.village, RegionLevel.grid):
            assert _count(s, Region.level == level, Region.source == "demo") > 0, level
        for model in (Organisation, CommitteeMember, Person, Assignment):
            assert s.scalar(select(func.count()).select_from(model)) > 0, model


def test_codes_and_paths_nest(engine: Engine) -> None:
    with session_factory(engine)() as s:
        parent = {
            r.id: r for r in s.execute(select(Region.id, Region.code, Region.path, Region.level))
        }
        demo = s.execute(
            select(Region.code, Region.path, Region.level, Region.parent_id).where(
                Region.source == "demo"
            )
        ).all()
    assert demo
    for code, path, level, parent_id in demo:
        up = parent[parent_id]
        assert up.level == (3 if level == RegionLevel.township else level - 1)
        assert code.startswith(up.code), (code, up.code)
        assert path == f"{up.path}{code}/"
        if level == RegionLevel.grid:
            assert code[len(up.code)] == "-" and len(code) == len(up.code) + 3


def test_every_grid_has_a_grid_member(engine: Engine) -> None:
    with session_factory(engine)() as s:
        grids = set(s.scalars(select(Region.id).where(Region.level == RegionLevel.grid)))
        covered = set(
            s.scalars(
                select(Assignment.target_id).where(
                    Assignment.role == Role.grid_member, Assignment.target_kind == "region"
                )
            )
        )
    assert grids and grids <= covered


def test_every_mobile_is_a_demo_number(engine: Engine) -> None:
    with session_factory(engine)() as s:
        mobiles = list(s.scalars(select(Person.mobile)))
    assert mobiles and all(is_demo(m) for m in mobiles)


def test_enterprise_codes_are_valid_credit_codes(engine: Engine) -> None:
    with session_factory(engine)() as s:
        codes = list(s.scalars(select(Organisation.code).where(Organisation.kind == "enterprise")))
    assert codes and all(is_valid(c) and inner_org_code_ok(c) for c in codes)


def test_demo_users_sign_in(engine: Engine) -> None:
    for username, role in USERS:
        with session_factory(engine).begin() as s:
            user = authenticate(s, username, DEMO_PASSWORD)
            assert user.role == role.value
    with session_factory(engine)() as s:
        ent = s.scalar(select(User).where(User.username == "ent_user"))
        assert ent is not None and ent.organisation_id is not None


def test_second_load_writes_nothing(engine: Engine) -> None:
    with session_factory(engine).begin() as s:
        before = s.scalar(select(func.max(AuditEntry.id)))
        people = s.scalar(select(func.count()).select_from(Person))
        result = load_demo(s, scale="tiny")
        assert result["skipped"] is True
        assert s.scalar(select(func.max(AuditEntry.id))) == before
        assert s.scalar(select(func.count()).select_from(Person)) == people
    with session_factory(engine)() as s:
        assert verify(s).ok


def test_escalation_from_a_grid_reaches_the_city(engine: Engine) -> None:
    with session_factory(engine)() as s:
        grid = s.scalar(
            select(Region.id).where(Region.code.like("500101%-%")).order_by(Region.code).limit(1)
        )
        chain = escalation_chains(s, system_actor(), [grid])[grid]
    by_level = {link.level: link for link in chain}
    assert [link.level for link in chain] == [6, 5, 4, 3, 1]
    assert by_level[1].code == "500000" and by_level[3].code == "500101"
    for level in (5, 4, 3, 1):
        assert by_level[level].persons, f"nobody answers at level {level}"


@pytest.mark.parametrize("code", ["ORG-500101-YJJ", "ORG-500000-YJJ"])
def test_someone_is_on_duty_now(engine: Engine, code: str) -> None:
    with session_factory(engine)() as s:
        org = s.scalar(select(Organisation.id).where(Organisation.code == code))
        shifts = on_duty(s, system_actor(), organisation_id=org)
    assert len(shifts) == 1
    assert shifts[0].officer and shifts[0].leader


def test_one_audit_entry_per_kind(engine: Engine) -> None:
    with session_factory(engine)() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity.like("demo.%"))).all()
        persons = s.scalar(select(func.count()).select_from(Person))
    kinds = [e.entity for e in entries]
    assert len(kinds) == len(set(kinds)) and "demo.person" in kinds
    after = {e.entity: e.after for e in entries}["demo.person"]
    assert after == {"count": persons, "scale": "tiny"}


def test_new_rows_get_fresh_ids_after_the_demo(engine: Engine) -> None:
    """Ids were allocated by the loader; the database's own ids must continue past them."""
    with session_factory(engine).begin() as s:
        top = s.scalar(select(func.max(Person.id)))
        region_id = s.scalar(select(Region.id).where(Region.code == "500101"))
        person = upsert_person(
            s, system_actor(), name="测试", mobile=demo_number(9_999_999), region_id=region_id
        )
        assert person.id > top
