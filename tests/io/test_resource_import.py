"""Import and export of the rescue-resource registries: materials, teams, warehouses,
equipment and stock batches."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from io_samples import user_actor
from resource_samples import (
    CONTACT,
    IN_WANZHOU,
    IN_WANZHOU_2,
    IN_YUZHONG,
    MODELS,
    ORDER,
    PERSON_CSV,
    SAMPLES,
    counts,
    load,
    sample,
    sheet,
)
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.models import AuditEntry
from yingji.auth.scope import Actor
from yingji.errors import ValidationFailed
from yingji.io import service
from yingji.io.kinds import KINDS
from yingji.io.kinds.equipment import capability_text, parse_capability
from yingji.people.models import Person
from yingji.regions.models import Region
from yingji.resources.models import Equipment, Material, RescueTeam, StockBatch, Warehouse

NEEDS = {
    "materials": (),
    "rescue_teams": (),
    "warehouses": (),
    "equipment": ("rescue_teams",),
    "stock": ("materials", "warehouses"),
}
WANZHOU = "/500000/500101/"


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _batch(session: Session, store: str, material: str, batch: str) -> StockBatch:
    return session.scalar(
        select(StockBatch)
        .join(Warehouse, Warehouse.id == StockBatch.warehouse_id)
        .join(Material, Material.id == StockBatch.material_id)
        .where(Warehouse.code == store, Material.code == material, StockBatch.batch == batch)
    )


def _rejected(session: Session, actor: Actor, kind: str, data: bytes, name: str) -> set:
    """(row, field) of every problem; the reasons are Chinese first, then English."""
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(session, actor, kind, data, name)
    for item in caught.value.details:
        assert " / " in item["reason"], item
    return {(d["row"], d["field"]) for d in caught.value.details}


def test_kinds_are_registered_after_the_existing_ones_in_dependency_order() -> None:
    assert list(KINDS)[-5:] == list(ORDER)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ORDER)
def test_good_import_creates_rows_and_audits_each(
    session: Session, county: Actor, kind: str, fmt: str
) -> None:
    load(session, county, *NEEDS[kind])
    before = counts(session)
    data, name = sample(kind, fmt)
    report = service.import_file(session, county, kind, data, name)
    session.commit()
    rows = len(SAMPLES[kind][1])
    assert (report.rows, report.created, report.updated, report.unchanged) == (rows, rows, 0, 0)
    assert report.ignored_columns == []
    after = counts(session)
    table = MODELS[kind].__tablename__
    assert after[table] - before[table] == rows
    assert after["audit_entry"] - before["audit_entry"] == rows
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(rows)).all()
    assert {(e.action, e.entity, e.actor) for e in entries} == {("create", table, "wz_operator")}


def test_imported_values(session: Session, county: Actor) -> None:
    load(session, county, *ORDER)
    contact = session.scalar(select(Person.id).where(Person.mobile == "+86" + CONTACT))

    water = session.scalar(select(Material).where(Material.code == "T-MAT-WATER"))
    assert (water.unit_price, water.shelf_life_days, water.unit) == (32.5, 365, "箱")
    tent = session.scalar(select(Material).where(Material.code == "T-MAT-TENT"))
    assert (tent.unit_price, tent.shelf_life_days) == (1500.0, None)

    team = session.scalar(select(RescueTeam).where(RescueTeam.code == "T-TEAM-1"))
    assert (team.kind, team.size, team.skills, team.status) == (
        "professional",
        24,
        ["mountain", "rescue"],
        "available",
    )
    assert (team.lon, team.lat) == tuple(float(v) for v in IN_WANZHOU)
    assert team.region_path == "/500000/500101/500101001/"  # derived from the location
    assert (team.contact_person_id, team.contact_phone, team.note) == (
        contact,
        "023-58000001",
        None,
    )
    other = session.scalar(select(RescueTeam).where(RescueTeam.code == "T-TEAM-2"))
    assert (other.kind, other.status, other.skills, other.contact_person_id) == (
        "township",
        "resting",
        [],
        None,
    )
    assert other.note == "夜间值守"

    store = session.scalar(select(Warehouse).where(Warehouse.code == "T-CK-1"))
    assert (store.level, store.keeper_person_id) == (4, contact)
    assert store.region_path.startswith(WANZHOU)
    assert session.scalar(select(Warehouse.level).where(Warehouse.code == "T-CK-2")) == 3

    pump = session.scalar(select(Equipment).where(Equipment.code == "T-ZB-1"))
    assert (pump.team_id, pump.quantity, pump.status) == (team.id, 2, "available")
    assert (pump.lon, pump.lat, pump.region_id) == (team.lon, team.lat, team.region_id)
    assert pump.capability == {"flow_m3h": 300, "head_m": 30}
    assert pump.deployed == 0
    boat = session.scalar(select(Equipment).where(Equipment.code == "T-ZB-2"))
    assert (boat.team_id, boat.status, boat.capability) == (
        None,
        "maintenance",
        {"seats": 8, "engine": "40hp"},
    )
    assert (boat.lon, boat.lat) == tuple(float(v) for v in IN_WANZHOU_2)

    assert _batch(session, "T-CK-1", "T-MAT-TENT", "2025-01").quantity == 50
    assert _batch(session, "T-CK-1", "T-MAT-TENT", "2025-01").expires_on is None
    dated = _batch(session, "T-CK-1", "T-MAT-WATER", "")
    assert (dated.quantity, dated.expires_on) == (120, dt.date(2026, 6, 30))
    shelf = _batch(session, "T-CK-1", "T-MAT-WATER", "B2")  # blank date: from the shelf life
    assert shelf.expires_on == clock.today() + dt.timedelta(days=365)
    assert _batch(session, "T-CK-2", "TENT-12", "2025-01").quantity == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reimport_changes_nothing(session: Session, county: Actor, fmt: str) -> None:
    load(session, county, *ORDER, fmt=fmt)
    session.commit()
    before = counts(session)
    for kind in ORDER:
        data, name = sample(kind, fmt)
        report = service.import_file(session, county, kind, data, name)
        assert (report.created, report.updated) == (0, 0), kind
        assert report.unchanged == len(SAMPLES[kind][1]), kind
    session.commit()
    assert counts(session) == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reimports_unchanged(
    session: Session, admin: Actor, county: Actor, fmt: str
) -> None:
    """The demo's 重庆 resources and the samples survive export → import untouched."""
    load(session, county, *ORDER)
    session.commit()
    before = counts(session)
    for kind in ORDER:
        exported = service.export(session, admin, kind, fmt)
        report = service.import_file(session, admin, kind, exported, f"{kind}.{fmt}")
        assert (report.created, report.updated) == (0, 0), kind
        assert report.unchanged == report.rows > len(SAMPLES[kind][1]), kind
    session.commit()
    assert counts(session) == before


@pytest.mark.parametrize("username", ["wz_operator", "twp_operator"])
def test_operator_exports_reimport_unchanged(session: Session, username: str) -> None:
    """A township operator may not change the catalogue, yet re-imports its export."""
    load(session, user_actor(session, "wz_operator"), *ORDER)
    actor = user_actor(session, username)
    before = counts(session)
    for kind in ORDER:
        exported = service.export(session, actor, kind, "csv")
        report = service.import_file(session, actor, kind, exported, f"{kind}.csv")
        assert report.unchanged == report.rows > 0, kind
    assert counts(session) == before


def test_export_is_scoped_to_the_region(session: Session, admin: Actor, county: Actor) -> None:
    load(session, county, *ORDER)
    paths = dict(session.execute(select(RescueTeam.code, RescueTeam.region_path)).all())
    rows = _csv_rows(service.export(session, county, "rescue_teams", "csv"))[1:]
    assert {r[0] for r in rows} == {c for c, p in paths.items() if p.startswith(WANZHOU)}
    assert {"T-TEAM-1", "XF-500101"} <= {r[0] for r in rows}
    team = next(r for r in rows if r[0] == "T-TEAM-1")
    assert team[2] == "专业救援队伍" and team[4] == "mountain,rescue" and team[5] == "待命"
    assert team[9] == CONTACT

    stock_rows = _csv_rows(service.export(session, county, "stock", "csv"))[1:]
    assert "CK-500000" not in {r[0] for r in stock_rows}  # the city depot
    assert ["T-CK-1", "T-MAT-TENT", "2025-01", "50", ""] in stock_rows
    equipment = _csv_rows(service.export(session, county, "equipment", "csv"))[1:]
    pump = next(r for r in equipment if r[0] == "T-ZB-1")
    assert pump[5] == "T-TEAM-1" and pump[8] == "flow_m3h=300; head_m=30"
    boat = next(r for r in equipment if r[0] == "T-ZB-2")
    assert parse_capability(boat[8]) == {"seats": 8, "engine": "40hp"}

    yuzhong = session.scalar(select(Warehouse.id).where(Warehouse.code == "CK-500103"))
    assert yuzhong is not None
    township = session.scalar(select(Region.id).where(Region.code == "500101001"))
    under = _csv_rows(service.export(session, admin, "warehouses", "csv", township))[1:]
    assert "T-CK-1" in {r[0] for r in under} and "CK-500103" not in {r[0] for r in under}
    # the catalogue belongs to no region: a township export lists all of it
    materials = _csv_rows(service.export(session, admin, "materials", "csv", township))[1:]
    assert {"TENT-12", "T-MAT-WATER"} <= {r[0] for r in materials}


def test_changed_rows_only_are_updated_and_audited(session: Session, county: Actor) -> None:
    load(session, county, *ORDER)
    before = counts(session)
    header, rows = SAMPLES["rescue_teams"]
    rows = [list(r) for r in rows]
    rows[1][3] = "15"  # size of T-TEAM-2
    data = sheet(header, rows)
    report = service.import_file(session, county, "rescue_teams", data, "t.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert counts(session)["audit_entry"] == before["audit_entry"] + 1
    entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert (entry.action, entry.entity, entry.before, entry.after) == (
        "update",
        "rescue_team",
        {"size": 12},
        {"size": 15},
    )


def test_absent_optional_columns_keep_stored_values(session: Session, county: Actor) -> None:
    load(session, county, *ORDER)
    data = "编码,名称,队伍类别,经度,纬度\nT-TEAM-1,测试山地救援队,professional,108.4092,30.7021\n"
    report = service.import_file(session, county, "rescue_teams", data.encode(), "t.csv")
    assert report.unchanged == 1
    team = session.scalar(select(RescueTeam).where(RescueTeam.code == "T-TEAM-1"))
    assert team.size == 24 and team.contact_person_id is not None


def test_stock_take_sets_the_counted_quantity(session: Session, county: Actor) -> None:
    load(session, county, *ORDER)
    batch = _batch(session, "T-CK-1", "T-MAT-WATER", "")
    data = sheet(
        ["warehouse_code", "material_code", "batch", "quantity"],
        [["T-CK-1", "T-MAT-TENT", "2025-01", "30"], ["T-CK-1", "T-MAT-WATER", "", "0"]],
    )
    report = service.import_file(session, county, "stock", data, "s.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    assert _batch(session, "T-CK-1", "T-MAT-TENT", "2025-01").quantity == 30  # not 80
    again = _batch(session, "T-CK-1", "T-MAT-WATER", "")
    assert again.id == batch.id and again.quantity == 0
    assert again.expires_on == dt.date(2026, 6, 30)  # no date column: kept


def test_equipment_stands_at_its_team_base(session: Session, county: Actor) -> None:
    load(session, county, "rescue_teams")
    header = ["code", "name", "type", "team_code", "lon", "lat"]
    rows = [
        ["T-ZB-9", "测试消防车", "fire_engine", "XF-500101", "", ""],
        ["T-ZB-10", "测试无人机", "drone", "", "", ""],
    ]
    assert _rejected(session, county, "equipment", sheet(header, rows), "e.csv") == {(3, "lon")}
    report = service.import_file(session, county, "equipment", sheet(header, rows[:1]), "e.csv")
    assert report.created == 1
    station = session.scalar(select(RescueTeam).where(RescueTeam.code == "XF-500101"))
    engine = session.scalar(select(Equipment).where(Equipment.code == "T-ZB-9"))
    assert (engine.lon, engine.lat, engine.team_id) == (station.lon, station.lat, station.id)
    assert (engine.region_id, engine.region_path) == (station.region_id, station.region_path)
    assert (engine.quantity, engine.status, engine.capability) == (1, "available", {})


def test_equipment_cannot_shrink_below_its_deployed_units(session: Session, county: Actor) -> None:
    load(session, county, *ORDER)
    session.execute(update(Equipment).where(Equipment.code == "T-ZB-1").values(deployed=2))
    header, rows = SAMPLES["equipment"]
    rows = [list(r) for r in rows]
    rows[0][3] = "1"
    assert _rejected(session, county, "equipment", sheet(header, rows), "e.csv") == {
        (2, "quantity")
    }
    rows[0][3] = "3"
    report = service.import_file(session, county, "equipment", sheet(header, rows), "e.csv")
    assert report.updated == 1
    pump = session.scalar(select(Equipment).where(Equipment.code == "T-ZB-1"))
    assert (pump.quantity, pump.deployed) == (3, 2)  # deployed is dispatch's, never written


def test_bad_rows_name_row_and_field_and_nothing_is_written(
    session: Session, county: Actor
) -> None:
    load(session, county, "materials", "warehouses")
    before = counts(session)
    teams = sheet(
        ["编码", "名称", "队伍类别", "人数", "状态", "经度", "纬度", "联系人手机"],
        [
            ["T-TEAM-8", "好队伍", "county", "5", "", *IN_WANZHOU, ""],  # good, not written
            ["T-TEAM-9", "坏类别", "坦克营", "-3", "休息", *IN_WANZHOU, "12345"],
            ["T-TEAM-10", "辖区外", "social", "", "", *IN_YUZHONG, ""],
            ["T-TEAM-11", "海上", "social", "", "", "0", "0", ""],
            ["T-TEAM-8", "", "", "", "", "", "", "17498000099"],
        ],
    )
    assert _rejected(session, county, "rescue_teams", teams, "t.csv") == {
        (3, "kind"),
        (3, "size"),
        (3, "status"),
        (3, "contact_mobile"),
        (4, "lon"),  # outside 万州区
        (5, "lon"),  # outside every region
        (6, "code"),  # same code as row 2
        (6, "name"),
        (6, "kind"),
        (6, "lon"),
        (6, "contact_mobile"),  # no such person
    }
    stock = sheet(
        ["仓库编码", "物资编码", "批次", "数量", "有效期至"],
        [
            ["T-CK-1", "T-MAT-TENT", "A", "-1", ""],  # negative quantity
            ["T-CK-404", "T-MAT-TENT", "A", "5", ""],  # unknown warehouse
            ["T-CK-1", "T-MAT-404", "A", "5", ""],  # unknown material
            ["T-CK-1", "T-MAT-WATER", "A", "5", "2026-02-30"],  # no such date
            ["T-CK-1", "T-MAT-WATER", "B", "5", "30/06/2026"],  # not ISO
            ["CK-500103", "TENT-12", "A", "5", ""],  # 渝中区's store: outside 万州区
            ["T-CK-1", "T-MAT-TENT", "C", "", ""],  # quantity required
            ["T-CK-1", "T-MAT-TENT", "D", "五", ""],  # not a number
            ["T-CK-2", "T-MAT-TENT", "", "1", ""],  # good
            ["T-CK-2", "T-MAT-TENT", "", "2", ""],  # same batch again
        ],
    )
    assert _rejected(session, county, "stock", stock, "s.csv") == {
        (2, "quantity"),
        (3, "warehouse_code"),
        (4, "material_code"),
        (5, "expires_on"),
        (6, "expires_on"),
        (7, "warehouse_code"),
        (8, "quantity"),
        (9, "quantity"),
        (11, "batch"),
    }
    equipment = sheet(
        ["编码", "名称", "类型", "数量", "所属队伍编码", "经度", "纬度", "性能参数"],
        [
            ["T-ZB-7", "零台", "pump", "0", "", *IN_WANZHOU, ""],
            ["T-ZB-8", "无队", "pump", "1", "T-TEAM-404", "", "", ""],
            ["T-ZB-9", "参数", "pump", "1.5", "", *IN_WANZHOU, "flow"],
            ["T-ZB-10", "JSON", "pump", "1", "", "108.4", "", "[1, 2]"],
        ],
    )
    assert _rejected(session, county, "equipment", equipment, "e.csv") == {
        (2, "quantity"),
        (3, "team_code"),
        (4, "quantity"),
        (4, "capability"),
        (5, "lon"),
        (5, "capability"),
    }
    warehouses = sheet(
        ["code", "name", "level", "lon", "lat"],
        [["T-CK-9", "省级库", "1", *IN_WANZHOU], ["T-CK-10", "外区库", "村", *IN_YUZHONG]],
    )
    assert _rejected(session, county, "warehouses", warehouses, "w.csv") == {
        (2, "level"),
        (3, "lon"),
    }
    materials = sheet(
        ["code", "name", "unit", "category", "unit_price", "shelf_life_days"],
        [["T-MAT-X", "坏价格", "个", "misc", "-1", "1.5"], ["", "无编码", "", "misc", "", ""]],
    )
    assert _rejected(session, county, "materials", materials, "m.csv") == {
        (2, "unit_price"),
        (2, "shelf_life_days"),
        (3, "code"),
        (3, "unit"),
    }
    session.commit()
    assert counts(session) == before


def test_reasons_are_chinese_then_english(session: Session, county: Actor) -> None:
    load(session, county, "rescue_teams")
    data = sheet(
        ["编码", "名称", "队伍类别", "经度", "纬度"], [["T-X", "外", "social", *IN_YUZHONG]]
    )
    with pytest.raises(ValidationFailed) as caught:
        service.import_file(session, county, "rescue_teams", data, "t.csv")
    [problem] = caught.value.details
    assert problem["row"] == 2 and problem["field"] == "lon"
    assert problem["reason"].endswith("不在您的辖区内 / lies outside your region")


def test_records_outside_the_actor_region_are_refused(session: Session) -> None:
    """An existing code in another county cannot be taken over from 万州区."""
    county = user_actor(session, "wz_operator")
    data = sheet(
        ["编码", "名称", "队伍类别", "经度", "纬度"], [["XF-500103", "改名", "social", *IN_WANZHOU]]
    )
    assert _rejected(session, county, "rescue_teams", data, "t.csv") == {(2, "code")}


def test_only_city_level_writers_change_the_catalogue(session: Session) -> None:
    township = user_actor(session, "twp_operator")
    header, rows = SAMPLES["materials"]
    assert _rejected(session, township, "materials", sheet(header, rows), "m.csv") == {
        (2, "code"),
        (3, "code"),
    }
    changed = sheet(["编码", "名称", "单位", "类别"], [["QUILT", "新棉被", "床", "shelter"]])
    assert _rejected(session, township, "materials", changed, "m.csv") == {(2, "code")}
    same = sheet(["编码", "名称", "单位", "类别"], [["QUILT", "棉被", "床", "shelter"]])
    assert service.import_file(session, township, "materials", same, "m.csv").unchanged == 1
    report = service.import_file(
        session, user_actor(session, "cq_operator"), "materials", *sample("materials")
    )
    assert report.created == 2


def test_capability_text_round_trips() -> None:
    for value in (
        {"flow_m3h": 300, "head_m": 30.5},
        {"seats": "008", "note": "a=b"},
        {"on": True, "model": "X-1"},
        {"nested": {"a": 1}},
        {"a;b": 1},
    ):
        assert parse_capability(capability_text(value)) == value
    assert capability_text({"flow": 3}) == "flow=3"
    assert capability_text({}) == ""
    assert parse_capability("flow=3；head＝2") == {"flow": 3, "head": 2}
    with pytest.raises(ValueError):
        parse_capability("flow=1; flow=2")
    with pytest.raises(ValueError):
        parse_capability('{"a": NaN}')


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_import_in_order(session: Session, admin: Actor, fmt: str) -> None:
    for kind in ORDER:
        report = service.import_file(session, admin, kind, service.template(kind, fmt), f"t.{fmt}")
        assert report.rows == 1, kind
    pump = session.scalar(select(Equipment).where(Equipment.code == "ZB-500101-0001"))
    team = session.scalar(select(RescueTeam).where(RescueTeam.code == "DW-500101-SD"))
    assert pump.team_id == team.id and pump.lon == team.lon
    assert _batch(session, "CK-500101-01", "TENT-12", "2025-01").quantity == 50


def _upload(client, kind: str, data: bytes, name: str, **params):
    return client.post(
        f"/api/v1/io/import/{kind}", params=params, files={"file": (name, data, "text/csv")}
    )


def test_api_import_export_and_errors(api) -> None:
    client = api("wz_operator")
    assert _upload(client, "persons", PERSON_CSV, "p.csv").status_code == 200
    data, name = sample("rescue_teams")
    reply = _upload(client, "rescue_teams", data, name, dry_run="true")
    assert reply.status_code == 200, reply.text
    assert (reply.json()["dry_run"], reply.json()["created"]) == (True, 2)
    reply = _upload(client, "rescue_teams", data, name)
    assert (reply.json()["dry_run"], reply.json()["created"]) == (False, 2)

    exported = client.get("/api/v1/io/export/rescue_teams")  # xlsx by default
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "rescue_teams-export-" in exported.headers["content-disposition"]
    again = client.post(
        "/api/v1/io/import/rescue_teams",
        files={"file": ("t.xlsx", exported.content, "application/octet-stream")},
    )
    body = again.json()
    assert (body["created"], body["updated"]) == (0, 0) and body["unchanged"] == body["rows"] > 2

    bad = sheet(
        ["编码", "名称", "队伍类别", "经度", "纬度"], [["T-X", "外", "坦克营", *IN_YUZHONG]]
    )
    reply = _upload(client, "rescue_teams", bad, "bad.csv")
    assert reply.status_code == 422
    details = reply.json()["error"]["details"]
    assert {(d["row"], d["field"]) for d in details} == {(2, "kind"), (2, "lon")}

    template = client.get("/api/v1/io/template/stock", params={"format": "csv"})
    assert template.status_code == 200
    assert _csv_rows(template.content)[0] == ["仓库编码", "物资编码", "批次", "数量", "有效期至"]
    assert _upload(api("viewer"), "materials", *sample("materials")).status_code == 403


def test_cli_import_errors_and_export(cli, tmp_path: Path) -> None:
    materials = tmp_path / "materials.xlsx"
    materials.write_bytes(sample("materials", "xlsx")[0])
    result = cli("import", "materials", str(materials), "--as-user", "wz_operator")
    assert result.exit_code == 0, result.output
    assert "导入完成" in result.output and "新增 2" in result.output

    bad = tmp_path / "stock.csv"
    rows = [["CK-500101", "T-MAT-TENT", "A", "-5", ""], ["CK-404", "TENT-12", "", "1", "明天"]]
    bad.write_bytes(sheet(SAMPLES["stock"][0], rows))
    result = cli("import", "stock", str(bad), "--as-user", "wz_operator")
    assert result.exit_code == 1
    assert "导入失败，共 3 处错误" in result.output
    assert "第 2 行 [数量]: 不能为负" in result.output
    assert "第 3 行 [仓库编码]:" in result.output and "第 3 行 [有效期至]:" in result.output

    out = tmp_path / "stock-out.csv"
    result = cli("export", "stock", str(out), "--under", "500101")
    assert result.exit_code == 0, result.output
    assert {r[0] for r in _csv_rows(out.read_bytes())[1:]} == {"CK-500101"}
    result = cli("import", "stock", str(out))
    assert result.exit_code == 0 and "新增 0，更新 0" in result.output
