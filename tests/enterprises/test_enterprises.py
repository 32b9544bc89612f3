"""Enterprises: validation, default supervision (三管三必须), scope, assignments."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from yingji.auth.scope import system_actor
from yingji.db import session_factory
from yingji.enterprises import credit_code
from yingji.enterprises.models import Enterprise
from yingji.people import responsibility, service
from yingji.people.models import Organisation, Person, Role
from yingji.regions.models import Region

ADMIN = system_actor()
NEW_CODE = "91500101MA5U00001" + credit_code.check_char("91500101MA5U00001")


def _region(engine: Engine, code: str) -> Region:
    with session_factory(engine)() as s:
        return s.scalar(select(Region).where(Region.code == code))


def _body(region_id: int, **over: object) -> dict:
    return {
        "credit_code": NEW_CODE,
        "name": "重庆测试化工有限公司",
        "region_id": region_id,
        "industry_code": "2614",
        "risk_grade": "large",
        **over,
    }


def test_demo_enterprises_have_facts_and_a_regulator(engine: Engine) -> None:
    with session_factory(engine)() as s:
        rows = s.execute(
            select(Enterprise, Organisation).join(
                Organisation, Organisation.id == Enterprise.organisation_id
            )
        ).all()
        assert rows
        for ent, org in rows:
            assert credit_code.is_valid(ent.credit_code) and ent.credit_code == org.code
            assert ent.principal_id and ent.safety_manager_id
            dept = s.get(Organisation, ent.supervising_department_id)
            assert dept is not None and dept.kind == "department"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"credit_code": "91500101MA5U000010"}, "credit_code"),
        ({"credit_code": "123"}, "credit_code"),
        ({"industry_code": "99"}, "industry_code"),
        ({"industry_code": "2x"}, "industry_code"),
        ({"risk_grade": "extreme"}, "risk_grade"),
        ({"lon": 106.5}, "lon"),
    ],
)
def test_bad_enterprise_input_names_the_field(api, engine: Engine, over, field) -> None:
    county = _region(engine, "500101")
    before = _count(engine)
    reply = api("admin").post("/api/v1/enterprises", json=_body(county.id, **over))
    assert reply.status_code == 422, reply.text
    fields = {d["field"].split(".")[-1] for d in reply.json()["error"]["details"]}
    assert field in fields
    assert _count(engine) == before


def _count(engine: Engine) -> tuple[int, int]:
    with session_factory(engine)() as s:
        return (
            s.scalar(select(func.count()).select_from(Enterprise)),
            s.scalar(select(func.count()).select_from(Organisation)),
        )


@pytest.mark.parametrize(
    ("industry", "sector"), [("2614", "应急"), ("4700", "住房城乡建设"), ("5430", "交通运输")]
)
def test_default_supervisor_follows_the_sector(api, engine: Engine, industry, sector) -> None:
    county = _region(engine, "500101")
    reply = api("admin").post("/api/v1/enterprises", json=_body(county.id, industry_code=industry))
    assert reply.status_code == 201, reply.text
    out = reply.json()
    with session_factory(engine)() as s:
        dept = s.get(Organisation, out["supervising_department_id"])
        assert dept.subtype == sector
        assert s.get(Region, dept.region_id).code in ("500101", "500000")
    again = api("admin").post("/api/v1/enterprises", json=_body(county.id, industry_code=industry))
    assert again.json()["id"] == out["id"]


def test_enterprise_user_sees_only_their_enterprise(api) -> None:
    client = api("ent_user")
    me = client.get("/api/v1/auth/me").json()
    items = client.get("/api/v1/enterprises?limit=1000").json()["items"]
    assert [i["organisation_id"] for i in items] == [me["organisation_id"]]
    others = api("admin").get("/api/v1/enterprises?limit=1000").json()["items"]
    other = next(i for i in others if i["organisation_id"] != me["organisation_id"])
    assert client.get(f"/api/v1/enterprises/{other['id']}").status_code == 404
    refused = client.post("/api/v1/enterprises", json=_body(other["region_id"]))
    assert refused.status_code in (403, 404)


def test_township_operator_stays_in_their_township(api, engine: Engine) -> None:
    client = api("twp_operator")
    me = client.get("/api/v1/auth/me").json()
    assert client.post("/api/v1/enterprises", json=_body(me["region_id"])).status_code == 201
    county = _region(engine, "500103")
    assert (
        client.post("/api/v1/enterprises", json=_body(county.id, credit_code=NEW_CODE)).status_code
        == 404
    )
    listed = client.get("/api/v1/enterprises?limit=1000").json()["items"]
    with session_factory(engine)() as s:
        own = s.get(Region, me["region_id"])
        for item in listed:
            assert s.get(Region, item["region_id"]).path.startswith(own.path)


def test_assignments_can_target_enterprises(engine: Engine) -> None:
    with session_factory(engine).begin() as s:
        ent = s.scalar(select(Enterprise).order_by(Enterprise.id).limit(1))
        person = s.scalar(select(Person).order_by(Person.id).limit(1))
        service.create_assignment(
            s,
            ADMIN,
            person_id=person.id,
            role=Role.technical,
            target_kind="enterprise",
            target_id=ent.id,
        )
        found = responsibility.responsible_for(s, ADMIN, "enterprise", [ent.id])
        assert [p.person_id for p in found[ent.id]] == [person.id]


def test_industries_endpoint(api) -> None:
    rows = api("viewer").get("/api/v1/industries").json()
    assert len(rows) == 97 and rows[0]["code"] == "01"
    assert {r["section"] for r in rows} == set("ABCDEFGHIJKLMNOPQRST")
