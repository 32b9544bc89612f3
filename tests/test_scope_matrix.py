"""Endpoint by endpoint: a township operator can neither read nor change another
township's records. Each case runs for the operator's own township (allowed) and for the
neighbouring township (refused, and nothing written)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from yingji.auth.models import AuditEntry, User
from yingji.db import session_factory
from yingji.people.models import Assignment, DutyShift, Organisation, Person
from yingji.regions.models import Region


@dataclass
class Township:
    region: Region
    person: Person
    organisation: Organisation
    assignment: Assignment
    child: Region


def _township(session, username: str) -> Township:
    user = session.scalar(select(User).where(User.username == username))
    region = session.get(Region, user.region_id)
    assert region.level == 4, "demo operators sit at a township"
    sub = select(Region.id).where(Region.path.startswith(region.path))
    person = session.scalar(select(Person).where(Person.region_id.in_(sub)).limit(1))
    org = session.scalar(select(Organisation).where(Organisation.region_id == region.id).limit(1))
    asg = session.scalar(select(Assignment).where(Assignment.region_id.in_(sub)).limit(1))
    child = session.scalar(select(Region).where(Region.parent_id == region.id).limit(1))
    assert person and org and asg and child, f"demo data missing under {region.code}"
    return Township(region, person, org, asg, child)


Case = Callable[[Township], tuple[str, str, dict[str, Any] | None]]

READS: dict[str, Case] = {
    "region": lambda t: ("GET", f"/api/v1/regions/{t.region.code}", None),
    "region children": lambda t: ("GET", f"/api/v1/regions/{t.region.code}/children", None),
    "region geometry": lambda t: ("GET", f"/api/v1/regions/{t.child.code}/geometry", None),
    "region escalation": lambda t: ("GET", f"/api/v1/regions/{t.child.code}/escalation", None),
    "person": lambda t: ("GET", f"/api/v1/persons/{t.person.id}", None),
    "person escalation": lambda t: ("GET", f"/api/v1/persons/{t.person.id}/escalation", None),
    "organisation": lambda t: ("GET", f"/api/v1/organisations/{t.organisation.id}", None),
    "persons under": lambda t: ("GET", f"/api/v1/persons?under={t.region.code}", None),
    "assignments under": lambda t: ("GET", f"/api/v1/assignments?under={t.region.code}", None),
    "organisations under": lambda t: ("GET", f"/api/v1/organisations?under={t.region.code}", None),
    "regions under": lambda t: ("GET", f"/api/v1/regions?under={t.region.code}", None),
    "export under": lambda t: (
        "GET",
        f"/api/v1/io/export/persons?format=csv&under={t.region.code}",
        None,
    ),
}

WRITES: dict[str, Case] = {
    "create person": lambda t: (
        "POST",
        "/api/v1/persons",
        {"name": "测试", "mobile": "13700137000", "region_id": t.region.id},
    ),
    "update person": lambda t: (
        "POST",
        "/api/v1/persons",
        {"name": "改名", "mobile": t.person.mobile, "region_id": t.person.region_id},
    ),
    "create organisation": lambda t: (
        "POST",
        "/api/v1/organisations",
        {"code": "T-ORG-1", "name": "测试单位", "kind": "department", "region_id": t.region.id},
    ),
    "create assignment": lambda t: (
        "POST",
        "/api/v1/assignments",
        {
            "person_id": t.person.id,
            "role": "monitoring",
            "target_kind": "region",
            "target_id": t.child.id,
        },
    ),
    "end assignment": lambda t: ("POST", f"/api/v1/assignments/{t.assignment.id}/end", {}),
    "create region": lambda t: (
        "POST",
        "/api/v1/regions",
        {"code": t.child.code + "-99", "name": "新网格", "level": 6, "parent_code": t.child.code},
    ),
    "duty shift": lambda t: (
        "POST",
        "/api/v1/duty/shifts",
        {
            "organisation_id": t.organisation.id,
            "starts_at": "2030-01-01T00:00:00Z",
            "ends_at": "2030-01-02T00:00:00Z",
            "duty_officer_id": t.person.id,
        },
    ),
    "create user": lambda t: (
        "POST",
        "/api/v1/users",
        {
            "username": "newbie",
            "password": "long-enough-pw",
            "role": "viewer",
            "region_id": t.region.id,
        },
    ),
}


@pytest.fixture
def townships(engine: Engine) -> tuple[Township, Township]:
    with session_factory(engine)() as session:
        return _township(session, "twp_operator"), _township(session, "twp2_operator")


def _counts(engine: Engine) -> tuple[int, ...]:
    with session_factory(engine)() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m))
            for m in (Person, Organisation, Assignment, Region, DutyShift, User, AuditEntry)
        )


@pytest.mark.parametrize("name", sorted(READS))
def test_reads_are_scoped(name: str, api, townships, engine: Engine) -> None:
    own, other = townships
    client = api("twp_operator")
    method, url, _ = READS[name](own)
    assert client.request(method, url).status_code == 200, url
    method, url, _ = READS[name](other)
    reply = client.request(method, url)
    assert reply.status_code == 404, (url, reply.status_code, reply.text)
    assert reply.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("name", sorted(WRITES))
def test_writes_are_scoped(name: str, api, townships, engine: Engine) -> None:
    own, other = townships
    client = api("twp_operator")
    before = _counts(engine)
    method, url, body = WRITES[name](other)
    reply = client.request(method, url, json=body)
    assert reply.status_code in (403, 404, 409, 422), (url, reply.status_code, reply.text)
    assert _counts(engine) == before, "a refused write changed the database"
    method, url, body = WRITES[name](own)
    reply = client.request(method, url, json=body)
    assert reply.status_code in (200, 201), (url, reply.text)


def test_lists_hold_only_own_subtree(api, townships) -> None:
    own, other = townships
    client = api("twp_operator")
    for path in (
        "/api/v1/persons",
        "/api/v1/assignments",
        "/api/v1/organisations",
        "/api/v1/users",
    ):
        items = client.get(path, params={"limit": 1000}).json()["items"]
        assert items, path
        ids = {i["id"] for i in items}
        assert other.person.id not in ids or path != "/api/v1/persons"
        for item in items:
            if "region_id" in item:
                assert item["region_id"] != other.region.id, (path, item)
    persons = {p["id"] for p in client.get("/api/v1/persons?limit=1000").json()["items"]}
    assert own.person.id in persons and other.person.id not in persons
    export = client.get("/api/v1/io/export/persons?format=csv").text
    own_mobile, other_mobile = (t.person.mobile.removeprefix("+86") for t in (own, other))
    assert own_mobile in export and other_mobile not in export


def test_viewer_and_grid_member_cannot_write(api, townships) -> None:
    own, _ = townships
    for user in ("viewer", "grid_user"):
        reply = api(user).post(
            "/api/v1/persons",
            json={"name": "x", "mobile": "13600136000", "region_id": own.region.id},
        )
        assert reply.status_code in (403, 404), (user, reply.text)


def test_enterprise_user_sees_only_their_enterprise(api, engine: Engine) -> None:
    client = api("ent_user")
    me = client.get("/api/v1/auth/me").json()
    orgs = client.get("/api/v1/organisations?limit=1000").json()["items"]
    assert [o["id"] for o in orgs] == [me["organisation_id"]]
    persons = client.get("/api/v1/persons?limit=1000").json()["items"]
    assert all(p["organisation_id"] == me["organisation_id"] for p in persons)


def test_audit_log_is_admin_only(api) -> None:
    assert api("twp_operator").get("/api/v1/audit").status_code == 403
    assert api("admin").get("/api/v1/audit").status_code == 200
