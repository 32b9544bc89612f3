"""Import: good files of every kind and format, all-or-nothing rejection, idempotent re-import."""

from __future__ import annotations

import datetime as dt

import pytest
from io_samples import (
    NEEDS,
    ORDER,
    SAMPLES,
    counts,
    plain_csv,
    plain_xlsx,
    sample,
    user_actor,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import AuditEntry
from yingji.auth.scope import Actor
from yingji.errors import PermissionDenied, ValidationFailed
from yingji.io import service
from yingji.people.models import Assignment, Organisation, Person
from yingji.regions import geo
from yingji.regions.models import Region


def _load(session: Session, actor: Actor, *kinds: str, fmt: str = "csv") -> None:
    for kind in kinds:
        data, name = sample(kind, fmt)
        service.import_file(session, actor, kind, data, name)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ORDER)
def test_good_import_creates_rows_and_audits_each(
    session: Session, county: Actor, kind: str, fmt: str
) -> None:
    _load(session, county, *NEEDS[kind])
    before = counts(session)
    data, name = sample(kind, fmt)
    report = service.import_file(session, county, kind, data, name)
    session.commit()
    rows = len(SAMPLES[kind][1])
    assert (report.rows, report.created, report.updated, report.unchanged) == (rows, rows, 0, 0)
    after = counts(session)
    entity = {"regions": "region", "organisations": "organisation"}.get(kind, kind[:-1])
    assert after[entity] - before[entity] == rows
    assert after["audit_entry"] - before["audit_entry"] == rows
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(rows)).all()
    assert {e.action for e in entries} == {"create"} and {e.entity for e in entries} == {entity}
    assert {e.actor for e in entries} == {"wz_operator"}


def test_imported_values(session: Session, county: Actor) -> None:
    _load(session, county, *ORDER)
    township = session.scalar(select(Region).where(Region.code == "500101901"))
    assert township.level == 4 and township.path == "/500000/500101/500101901/"
    assert township.area_km2 and 90 < township.area_km2 < 120  # 0.1° x 0.1° near 30.75°N
    assert township.population == 15000
    village = session.scalar(select(Region).where(Region.code == "500101901001"))
    assert village.parent_id == township.id and village.geometry is not None
    grid = session.scalar(select(Region).where(Region.code == "500101901001-G1"))
    assert grid.level == 6 and grid.geometry is None
    assert (grid.centroid_lon, grid.centroid_lat) == (108.32, 30.72)
    assert session.scalar(select(Region.level).where(Region.code == "500101902")) == 4

    bureau = session.scalar(select(Organisation).where(Organisation.code == "T-WZ-BUREAU"))
    team = session.scalar(select(Organisation).where(Organisation.code == "T-WZ-TEAM"))
    assert team.parent_id == bureau.id and team.kind == "rescue_team" and team.subtype is None

    yi = session.scalar(select(Person).where(Person.mobile == "+8617498000002"))
    assert yi.name == "测试乙" and yi.mobile_alt == "+8617498000012"
    assert yi.contacts == {"wechat": "wx"}
    jia = session.scalar(select(Person).where(Person.mobile == "+8617498000001"))
    assert jia.organisation_id == bureau.id and jia.contacts == {"email": "jia@example.cn"}

    duties = session.execute(
        select(Assignment.role, Assignment.target_kind, Assignment.valid_from, Assignment.valid_to)
        .join(Person, Person.id == Assignment.person_id)
        .where(Person.mobile.like("+86174980%"))
        .order_by(Person.mobile)
    ).all()
    assert duties == [
        ("admin", "region", dt.date(2025, 1, 1), None),
        ("grid_member", "region", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("baobao", "organisation", dt.date(2025, 3, 1), None),
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reimport_changes_nothing(session: Session, county: Actor, fmt: str) -> None:
    _load(session, county, *ORDER, fmt=fmt)
    session.commit()
    before = counts(session)
    for kind in ORDER:
        data, name = sample(kind, fmt)
        report = service.import_file(session, county, kind, data, name)
        assert (report.created, report.updated) == (0, 0), kind
        assert report.unchanged == len(SAMPLES[kind][1])
    session.commit()
    assert counts(session) == before


def test_changed_rows_only_are_updated_and_audited(session: Session, county: Actor) -> None:
    _load(session, county, *ORDER)
    before = counts(session)
    header, rows = SAMPLES["persons"]
    rows = [list(r) for r in rows]
    rows[1][3] = "组长"  # title of 测试乙
    report = service.import_file(session, county, "persons", plain_csv(header, rows), "p.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    after = counts(session)
    assert after["audit_entry"] == before["audit_entry"] + 1
    entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.action == "update" and entry.entity == "person"
    assert entry.before == {"title": "网格员"} and entry.after == {"title": "组长"}
    assert session.scalar(select(Person.title).where(Person.mobile == "+8617498000002")) == "组长"


def test_blank_start_date_reuses_the_existing_assignment(session: Session, county: Actor) -> None:
    _load(session, county, *ORDER)
    header, rows = SAMPLES["assignments"]
    rows = [[*r[:4], "", *r[5:]] for r in rows]
    report = service.import_file(session, county, "assignments", plain_csv(header, rows), "a.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)


def test_bad_persons_file_lists_every_problem_and_writes_nothing(
    session: Session, county: Actor
) -> None:
    _load(session, county, "organisations")
    session.commit()
    elsewhere = session.scalar(
        select(Person.mobile)
        .join(Region, Region.id == Person.region_id)
        .where(Region.path.startswith("/500000/500103/"))
        .limit(1)
    )
    header, good = SAMPLES["persons"]
    rows = [
        good[0],  # row 2: fine
        ["坏号码", "12345", "", "", "500101", "", "", "", ""],  # 3
        ["无区划", "17498000021", "", "", "500101999999", "", "", "", ""],  # 4
        ["", "17498000022", "", "", "500101", "", "", "", ""],  # 5: no name
        ["重复", "174 9800 0001", "", "", "500101", "", "", "", ""],  # 6: same as row 2
        ["越权", "17498000023", "", "", "500103", "", "", "", ""],  # 7: 渝中区
        ["别区的人", elsewhere[3:], "", "", "500101", "", "", "", ""],  # 8
        ["坏邮箱", "17498000024", "", "", "500101", "", "not-mail", "", ""],  # 9
        ["未知单位", "17498000025", "", "", "500101", "NO-SUCH-ORG", "", "", ""],  # 10
    ]
    before = counts(session)
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(session, county, "persons", plain_csv(header, rows), "p.csv")
    session.commit()
    problems = {(d["row"], d["field"]) for d in caught.value.details}
    assert problems == {
        (3, "mobile"),
        (4, "region_code"),
        (5, "name"),
        (6, "mobile"),
        (7, "region_code"),
        (8, "mobile"),
        (9, "email"),
        (10, "organisation_code"),
    }
    assert caught.value.message.startswith("导入失败，共 8 处错误 / import rejected: 8 errors")
    assert all(d["reason"] for d in caught.value.details)
    assert "第 2 行" in next(d["reason"] for d in caught.value.details if d["row"] == 6)
    assert counts(session) == before


def test_bad_assignments_file_lists_every_problem(session: Session, county: Actor) -> None:
    _load(session, county, "organisations", "persons")
    header, _ = SAMPLES["assignments"]
    rows = [
        ["17498000001", "admin", "region", "500101", "2025/01/01", "", ""],  # 2: bad date
        ["17498000001", "队长", "region", "500101", "2025-01-01", "", ""],  # 3: role
        ["17498000001", "admin", "region", "500101", "2025-02-30", "", ""],  # 4: no such day
        ["17498000001", "admin", "region", "500101", "2025-05-01", "2025-04-01", ""],  # 5
        ["17498000099", "admin", "region", "500101", "2025-01-01", "", ""],  # 6: unknown person
        ["17498000001", "admin", "region", "500103", "2025-01-01", "", ""],  # 7: out of scope
        ["17498000001", "admin", "物资仓库", "X", "2025-01-01", "", ""],  # 8: target kind
        ["17498000001", "admin", "", "500101", "2025-06-01", "", ""],  # 9: fine
        ["17498000001", "行政责任人", "region", "500101", "2025-06-01", "", ""],  # 10: dup of 9
    ]
    before = counts(session)
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(session, county, "assignments", plain_csv(header, rows), "a.csv")
    problems = {(d["row"], d["field"]) for d in caught.value.details}
    assert problems == {
        (2, "valid_from"),
        (3, "role"),
        (4, "valid_from"),
        (5, "valid_to"),
        (6, "mobile"),
        (7, "target_code"),
        (8, "target_kind"),
        (10, "target_code"),
    }
    assert counts(session) == before


def test_bad_regions_and_organisations(session: Session, county: Actor) -> None:
    header, _ = SAMPLES["regions"]
    rows = [
        ["500101911", "好", "township", "500101", "", "", "", ""],  # 2: fine
        ["500103911", "越权", "township", "500103", "", "", "", ""],  # 3: outside scope
        ["500101912", "坏几何", "township", "500101", "POLYGON ((1 2", "", "", ""],  # 4
        ["500101913", "省", "province", "500101", "", "", "", ""],  # 5: level
        ["5001019", "短码", "township", "500101", "", "", "", ""],  # 6: code format
        ["500101914", "后上级", "village", "500101914001", "", "", "", ""],  # 7: parent later
        ["500101914001", "村", "village", "500101911", "", "108", "", ""],  # 8: lat missing
        ["500101911", "重复", "township", "500101", "", "", "", ""],  # 9: dup of row 2
        ["500101915", "负人口", "township", "500101", "", "", "", "-5"],  # 10
        ["500101916", "点", "township", "500101", "108.1,30.1", "", "", ""],  # 11: fine
    ]
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(session, county, "regions", plain_csv(header, rows), "r.csv")
    problems = {(d["row"], d["field"]) for d in caught.value.details}
    assert problems == {
        (3, "parent_code"),
        (4, "geometry"),
        (5, "level"),
        (6, "code"),
        (7, "parent_code"),
        (8, "lat"),
        (9, "code"),
        (10, "population"),
    }
    header, _ = SAMPLES["organisations"]
    rows = [
        ["T-A", "甲", "department", "", "500101", "T-B"],  # 2: parent later in file
        ["T-B", "乙", "agency", "", "500101", ""],  # 3: kind
        ["T-C", "", "department", "", "500103", "T-C"],  # 4: name, scope, self-parent
        ["ORG-500000-YJJ", "改名", "department", "", "500101", ""],  # 5: city bureau's code
    ]
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(session, county, "organisations", plain_csv(header, rows), "o.csv")
    problems = {(d["row"], d["field"]) for d in caught.value.details}
    assert problems == {
        (2, "parent_code"),
        (3, "kind"),
        (4, "name"),
        (4, "region_code"),
        (4, "parent_code"),
        (5, "code"),
    }


def test_missing_required_column_is_reported_on_the_header_row(
    session: Session, county: Actor
) -> None:
    data = plain_csv(["name", "region_code"], [["张三", "500101"]])
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(session, county, "persons", data, "p.csv")
    assert caught.value.details == [
        {"row": 1, "field": "mobile", "reason": "缺少必填列“手机号” / missing column mobile"}
    ]


def test_viewer_cannot_import(session: Session) -> None:
    data, name = sample("organisations")
    with pytest.raises(PermissionDenied):
        service.import_file(session, user_actor(session, "viewer"), "organisations", data, name)


def test_chinese_headers_and_aliases(session: Session, county: Actor) -> None:
    _load(session, county, "organisations")
    header = ["姓名", "手机号码", "职务", "所属区划编码", "所属单位编码", "邮箱", "序号"]
    rows = [["中文表头", "17498000031", "科员", "500101", "T-WZ-BUREAU", "", "1"]]
    report = service.import_file(session, county, "persons", plain_csv(header, rows), "p.csv")
    assert report.created == 1 and report.ignored_columns == ["序号"]
    header = ["手机号", "角色", "对象类型", "对象编码", "开始日期", "结束日期", "备注"]
    rows = [["17498000031", "监测责任人", "区划", "500101001", "2025-01-01", "", "汛期"]]
    report = service.import_file(session, county, "assignments", plain_csv(header, rows), "a.csv")
    assert report.created == 1


def test_gb18030_csv_with_bom_less_utf8_fallback(session: Session, county: Actor) -> None:
    header = ["姓名", "手机号", "所属区划编码", "职务"]
    rows = [["欧阳䶮", "17498000041", "500101", "镇长"]]  # 䶮 needs GB18030, not GBK
    data = plain_csv(header, rows, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = service.import_file(session, county, "persons", data, "p.csv")
    assert report.created == 1
    name = session.scalar(select(Person.name).where(Person.mobile == "+8617498000041"))
    assert name == "欧阳䶮"
    bom = "\ufeff".encode() + plain_csv(header, [["李四", "17498000042", "500101", ""]])
    assert service.import_file(session, county, "persons", bom, "p.csv").created == 1


def test_xlsx_with_numeric_cells(session: Session, county: Actor) -> None:
    header = ["姓名", "手机号", "所属区划编码", "职务"]
    data = plain_xlsx(header, [["数字格", 17498000051, 500101, None]])
    report = service.import_file(session, county, "persons", data, "p.xlsx")
    assert report.created == 1
    data = plain_xlsx(
        ["手机号", "角色", "对象编码", "开始日期"],
        [[17498000051, "admin", 500101, dt.datetime(2025, 1, 1)]],
    )
    assert service.import_file(session, county, "assignments", data, "a.xlsx").created == 1


def test_dry_run_validates_without_writing(session: Session, county: Actor) -> None:
    before = counts(session)
    data, name = sample("organisations")
    report = service.import_file(session, county, "organisations", data, name, dry_run=True)
    assert report.dry_run and report.created == 3
    assert counts(session) == before


def test_existing_person_outside_scope_is_refused_for_that_row(
    session: Session, county: Actor
) -> None:
    person = session.execute(
        select(Person.name, Person.mobile)
        .join(Region, Region.id == Person.region_id)
        .where(Region.path.startswith("/500000/500103/"))
        .limit(1)
    ).one()
    data = plain_csv(["name", "mobile", "region_code"], [[person.name, person.mobile, "500101"]])
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(session, county, "persons", data, "p.csv")
    assert [(d["row"], d["field"]) for d in caught.value.details] == [(2, "mobile")]


def test_geometry_round_trip_is_exact(session: Session, county: Actor) -> None:
    _load(session, county, "regions")
    wkb = session.scalar(select(Region.geometry).where(Region.code == "500101901"))
    assert geo.from_wkb(wkb).equals_exact(geo.parse_geometry(SAMPLES["regions"][1][0][4]), 0)


def test_organisation_parent_loop_is_refused(session: Session, county: Actor) -> None:
    header = ["code", "name", "kind", "region_code", "parent_code"]
    rows = [["T-A", "甲", "department", "500101", ""], ["T-B", "乙", "department", "500101", "T-A"]]
    service.import_file(session, county, "organisations", plain_csv(header, rows), "o.csv")
    rows = [["T-A", "甲", "department", "500101", "T-B"]]
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(session, county, "organisations", plain_csv(header, rows), "o.csv")
    assert [(d["row"], d["field"]) for d in caught.value.details] == [(2, "parent_code")]


def test_existing_organisation_moves_under_one_created_in_the_same_file(
    session: Session, county: Actor
) -> None:
    header = ["code", "name", "kind", "region_code", "parent_code"]
    service.import_file(
        session,
        county,
        "organisations",
        plain_csv(header, [["T-A", "甲", "部门", "500101", ""]]),
        "o.csv",
    )
    rows = [["T-N", "新", "committee", "500101", ""], ["T-A", "甲", "部门", "500101", "T-N"]]
    report = service.import_file(session, county, "organisations", plain_csv(header, rows), "o.csv")
    assert (report.created, report.updated) == (1, 1)
    new_id = session.scalar(select(Organisation.id).where(Organisation.code == "T-N"))
    moved = session.scalar(select(Organisation).where(Organisation.code == "T-A"))
    assert moved.parent_id == new_id
    entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.action == "update" and entry.after == {"parent_id": new_id}


def test_read_rows_numbers_rows_as_the_sheet_does() -> None:
    from yingji.io.kinds import persons
    from yingji.io.tabular import read_rows

    data = "\n姓名,手机号,所属区划编码\n甲,17498000071,500101\n,,\n乙,17498000072,500101\n".encode()
    rows = list(read_rows(data, "p.csv", persons.COLUMNS))
    assert [n for n, _ in rows] == [3, 5]
    assert rows[0][1] == {"name": "甲", "mobile": "17498000071", "region_code": "500101"}
    with pytest.raises(ValidationFailed):
        list(read_rows(b"name\n", "p.csv", persons.COLUMNS))
    with pytest.raises(ValidationFailed):
        list(read_rows(b"", "p.xls", persons.COLUMNS))
