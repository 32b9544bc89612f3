"""Enterprise import: organisation + enterprise rows set-based, credit code check, persons
by mobile, default supervision, scope, idempotent re-import and round trip, API and CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from io_samples import plain_csv, plain_xlsx, user_actor
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.models import AuditEntry
from yingji.auth.scope import Actor
from yingji.enterprises import credit_code
from yingji.enterprises.models import Enterprise
from yingji.enterprises.service import default_supervisor
from yingji.errors import ValidationFailed
from yingji.io import service
from yingji.io.kinds import enterprises as kind
from yingji.people.models import Organisation, Person
from yingji.regions.models import Region

PERSONS = (
    "姓名,手机号,所属区划编码\n测试厂长,17498000101,500101001\n测试安全员,17498000102,500101001\n"
    "渝中人员,17498000103,500103001\n"
).encode()
ZH = ["统一社会信用代码", "名称", "行政区划", "行业代码", "风险等级", "地址", "经度", "纬度"]
ZH += ["从业人数", "主要负责人手机", "安全管理负责人手机"]
EN = [c.name for c in kind.COLUMNS]


def code(n: int, county: str = "500101") -> str:
    body = f"9150{county[2:]}MA5U{n:05d}"
    return body + credit_code.check_char(body)


def row(n: int, **over: Any) -> list[Any]:
    values = {
        "credit_code": code(n),
        "name": f"测试化工{n}有限公司",
        "region_code": "500101001",
        "industry_code": "2614",
        "risk_grade": "较大",
        "address": "中和街道",
        "lon": "108.4",
        "lat": "30.8",
        "employees": "120",
        "principal_mobile": "17498000101",
        "safety_manager_mobile": "174 9800 0102",
        "supervisor_code": "",
    }
    values.update(over)
    return [values[c] for c in EN]


@pytest.fixture
def persons(session: Session, county: Actor) -> dict[str, int]:
    service.import_file(session, user_actor(session, "admin"), "persons", PERSONS, "p.csv")
    session.info.pop("actor")  # the audit names whoever imports next
    return dict(session.execute(select(Person.mobile, Person.id)).all())


def _rejected(session: Session, actor: Actor, data: bytes, name: str = "e.csv") -> set[tuple]:
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(session, actor, "enterprises", data, name)
    return {(d["row"], d["field"]) for d in caught.value.details}


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_creates_organisation_and_enterprise(
    session: Session, county: Actor, persons: dict[str, int], fmt: str
) -> None:
    rows = [row(1)[: len(ZH)], row(2, risk_grade="major", lon="", lat="")[: len(ZH)]]
    # Chinese headers in the CSV, English ones in the XLSX
    data = plain_csv(ZH, rows) if fmt == "csv" else plain_xlsx(EN[: len(ZH)], rows)
    audit_before = _count(session, AuditEntry)
    report = service.import_file(session, county, "enterprises", data, f"e.{fmt}")
    session.commit()
    assert (report.rows, report.created, report.updated) == (2, 2, 0)
    ent = session.scalar(select(Enterprise).where(Enterprise.credit_code == code(1)))
    org = session.get(Organisation, ent.organisation_id)
    assert (org.code, org.name, org.kind) == (code(1), "测试化工1有限公司", "enterprise")
    township = session.scalar(select(Region).where(Region.code == "500101001"))
    assert org.region_id == township.id
    assert (ent.industry_code, ent.risk_grade, ent.employees) == ("2614", "large", 120)
    assert (ent.lon, ent.lat, ent.address) == (108.4, 30.8, "中和街道")
    assert ent.principal_id == persons["+8617498000101"]
    assert ent.safety_manager_id == persons["+8617498000102"]
    expected = default_supervisor(session, township, "2614")
    assert expected is not None and ent.supervising_department_id == expected
    second = session.scalar(select(Enterprise).where(Enterprise.credit_code == code(2)))
    assert second.risk_grade == "major" and second.lon is None
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()[audit_before:]
    assert sorted((e.entity, e.action) for e in entries) == [
        ("enterprise", "create"),
        ("enterprise", "create"),
        ("organisation", "create"),
        ("organisation", "create"),
    ]
    assert {e.actor for e in entries} == {"wz_operator"}

    again = service.import_file(session, county, "enterprises", data, f"e.{fmt}")
    session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _count(session, AuditEntry) == len(entries) + audit_before


def test_update_changes_both_tables_and_keeps_absent_columns(
    session: Session, county: Actor, persons: dict[str, int]
) -> None:
    service.import_file(session, county, "enterprises", plain_csv(EN, [row(1)]), "e.csv")
    before = _count(session, AuditEntry)
    header = ["credit_code", "name", "region_code", "industry_code", "风险等级"]
    data = plain_csv(header, [[code(1), "新名称化工公司", "500101002", "2614", "重大"]])
    report = service.import_file(session, county, "enterprises", data, "e.csv")
    assert (report.created, report.updated) == (0, 1)
    ent = session.scalar(select(Enterprise).where(Enterprise.credit_code == code(1)))
    org = session.get(Organisation, ent.organisation_id)
    assert org.name == "新名称化工公司" and ent.risk_grade == "major"
    assert session.get(Region, org.region_id).code == "500101002"
    assert ent.employees == 120 and ent.principal_id == persons["+8617498000101"]  # kept
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()[before:]
    assert {(e.entity, e.action) for e in entries} == {
        ("organisation", "update"),
        ("enterprise", "update"),
    }
    org_entry = next(e for e in entries if e.entity == "organisation")
    assert set(org_entry.after) == {"name", "region_id"}


def test_bad_rows_name_row_field_and_write_nothing(
    session: Session, county: Actor, persons: dict[str, int]
) -> None:
    wrong = code(3)[:17] + ("0" if code(3)[17] != "0" else "1")
    rows = [
        row(1),
        row(2, credit_code=wrong),
        row(4, principal_mobile="17498000999"),
        row(5, risk_grade="极高", industry_code="99"),
        row(6, region_code="500103001"),  # 渝中区: outside 万州区
        row(7, lon="108.4", lat=""),
        row(1, name="重复"),
        row(8, safety_manager_mobile="17498000103"),  # a 渝中 person: out of scope
        row(9, supervisor_code="ORG-500103-YJJ"),  # a department of another county
    ]
    orgs, ents = _count(session, Organisation), _count(session, Enterprise)
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(
            session, county, "enterprises", plain_csv([*ZH, "监管部门"], rows), "e.csv"
        )
    details = caught.value.details
    assert {(d["row"], d["field"]) for d in details} == {
        (3, "credit_code"),
        (4, "principal_mobile"),
        (5, "risk_grade"),
        (5, "industry_code"),
        (6, "region_code"),
        (7, "lon"),
        (8, "credit_code"),
        (9, "safety_manager_mobile"),
        (10, "supervisor_code"),
    }
    check = next(d for d in details if d["row"] == 3)
    assert f"应为 {code(3)[17]}" in check["reason"] and "expected" in check["reason"]
    unknown = next(d for d in details if d["row"] == 4)
    assert "17498000999" in unknown["reason"]
    assert (_count(session, Organisation), _count(session, Enterprise)) == (orgs, ents)


def test_codes_of_other_kinds_and_other_scopes_are_refused(
    session: Session, county: Actor, persons: dict[str, int]
) -> None:
    admin = user_actor(session, "admin")
    yuzhong = row(1, credit_code=code(1, "500103"), region_code="500103001")
    yuzhong[EN.index("principal_mobile")] = yuzhong[EN.index("safety_manager_mobile")] = ""
    service.import_file(session, admin, "enterprises", plain_csv(EN, [yuzhong]), "e.csv")
    wanzhou = session.scalar(select(Region.id).where(Region.code == "500101"))
    session.add(Organisation(code=code(2), name="某局", kind="department", region_id=wanzhou))
    session.flush()
    moved = row(1, credit_code=code(1, "500103"))  # tries to pull it into 万州区
    assert _rejected(session, county, plain_csv(EN, [moved, row(2)])) == {
        (2, "credit_code"),
        (3, "credit_code"),
    }


def test_existing_enterprise_organisation_gets_its_facts(
    session: Session, county: Actor, persons: dict[str, int]
) -> None:
    township = session.scalar(select(Region).where(Region.code == "500101001"))
    org = Organisation(code=code(5), name="旧名", kind="enterprise", region_id=township.id)
    session.add(org)
    session.flush()
    report = service.import_file(session, county, "enterprises", plain_csv(EN, [row(5)]), "e.csv")
    assert (report.created, report.updated) == (1, 0)
    ent = session.scalar(select(Enterprise).where(Enterprise.credit_code == code(5)))
    assert ent.organisation_id == org.id
    session.refresh(org)
    assert org.name == "测试化工5有限公司"


def test_explicit_supervisor_and_departments_only(
    session: Session, county: Actor, persons: dict[str, int]
) -> None:
    def department(prefix: str) -> Organisation:
        return session.scalars(
            select(Organisation)
            .where(Organisation.code.like(prefix + "%"), Organisation.kind == "department")
            .order_by(Organisation.id)
        ).first()

    city, county_dept = department("ORG-500000-"), department("ORG-500101-")
    rows = [row(1, supervisor_code=city.code), row(2, supervisor_code=county_dept.code)]
    service.import_file(session, county, "enterprises", plain_csv(EN, rows), "e.csv")
    ent = session.scalar(select(Enterprise).where(Enterprise.credit_code == code(1)))
    assert ent.supervising_department_id == city.id  # a city department supervises here too
    enterprise_org = ent.organisation_id
    bad = row(3, supervisor_code=session.get(Organisation, enterprise_org).code)
    assert _rejected(session, county, plain_csv(EN, [bad])) == {(2, "supervisor_code")}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("username", ["admin", "wz_operator"])
def test_export_reimports_unchanged(
    session: Session, persons: dict[str, int], fmt: str, username: str
) -> None:
    actor = user_actor(session, username)
    service.import_file(
        session,
        user_actor(session, "wz_operator"),
        "enterprises",
        plain_csv(EN, [row(1), row(2, employees="")]),
        "e.csv",
    )
    exported = service.export(session, actor, "enterprises", fmt)
    report = service.import_file(session, actor, "enterprises", exported, f"e.{fmt}")
    assert report.rows >= 2 and report.unchanged == report.rows
    assert (report.created, report.updated) == (0, 0)


def test_template_imports_after_the_persons_template(session: Session, admin: Actor) -> None:
    for fmt in ("csv", "xlsx"):
        service.import_file(session, admin, "persons", service.template("persons", fmt), "p." + fmt)
        report = service.import_file(
            session, admin, "enterprises", service.template("enterprises", fmt), "t." + fmt
        )
        assert report.rows == 1 and report.created + report.unchanged == 1


def test_api_template_import_and_cli_export(api, cli, tmp_path: Path) -> None:
    client = api("wz_operator")
    reply = client.get("/api/v1/io/template/enterprises", params={"format": "csv"})
    assert reply.status_code == 200 and "统一社会信用代码" in reply.content.decode("utf-8-sig")
    api("admin").post(
        "/api/v1/io/import/persons", files={"file": ("p.csv", PERSONS, "text/csv")}
    ).raise_for_status()
    data = plain_csv(EN, [row(1), row(2)])
    reply = client.post(
        "/api/v1/io/import/enterprises", files={"file": ("e.csv", data, "text/csv")}
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["created"] == 2
    bad = plain_csv(EN, [row(3, credit_code="91500101MA5U0000")])
    reply = client.post("/api/v1/io/import/enterprises", files={"file": ("e.csv", bad, "text/csv")})
    assert reply.status_code == 422
    assert reply.json()["error"]["details"][0]["field"] == "credit_code"
    assert (
        api("viewer")
        .post("/api/v1/io/import/enterprises", files={"file": ("e.csv", data, "text/csv")})
        .status_code
        == 403
    )

    out = tmp_path / "enterprises.xlsx"
    result = cli("export", "enterprises", str(out), "--under", "500101")
    assert result.exit_code == 0, result.output
    result = cli("import", "enterprises", str(out), "--as-user", "wz_operator")
    assert result.exit_code == 0, result.output
    assert "新增 0，更新 0" in result.output
    wrong = tmp_path / "bad.csv"
    wrong.write_bytes(plain_csv(ZH, [row(4, principal_mobile="17498000998")[: len(ZH)]]))
    result = cli("import", "enterprises", str(wrong), "--as-user", "wz_operator")
    assert result.exit_code == 1 and "第 2 行 [主要负责人手机]" in result.output
