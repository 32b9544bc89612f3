"""Risk points: seeded taxonomy, region derived from geometry, scope, import (CSV, XLSX,
GeoJSON) all or nothing, responsible persons through assignments, GeoJSON map layers."""

from __future__ import annotations

import csv
import io
import json

import pytest
import shapely
from openpyxl import Workbook
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from yingji.auth.models import AuditEntry, User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.errors import Conflict, PermissionDenied, ValidationFailed
from yingji.io import service as io_service
from yingji.people import service as people_service
from yingji.people.models import Person
from yingji.regions import geo
from yingji.regions.models import Region
from yingji.risk import service
from yingji.risk.models import RiskCategory, RiskPoint

TOWN = "500101001"  # 中和街道: twp_operator's township
OTHER_TOWN = "500101002"  # 溪口镇: twp2_operator's township


def _actor(session: Session, username: str) -> Actor:
    return actor_for(session, session.scalar(select(User).where(User.username == username)))


def _inside(session: Session, code: str) -> tuple[float, float]:
    """A point surely inside region ``code`` (and inside its first township, if a county)."""
    region = session.scalar(select(Region).where(Region.code == code))
    p = geo.from_wkb(region.geometry).point_on_surface()
    return round(p.x, 6), round(p.y, 6)


def _square(lon: float, lat: float, half: float = 0.0005) -> str:
    return (
        f"POLYGON (({lon - half} {lat - half}, {lon + half} {lat - half}, "
        f"{lon + half} {lat + half}, {lon - half} {lat + half}, {lon - half} {lat - half}))"
    )


def _region_id(session: Session, code: str) -> int:
    return session.scalar(select(Region.id).where(Region.code == code))


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RiskPoint))


HEADER = ["code", "name", "category", "level", "lon", "lat", "geometry", "threatened_people"]


def _good_rows(session: Session) -> list[list[object]]:
    lon, lat = _inside(session, TOWN)
    lon2, lat2 = _inside(session, OTHER_TOWN)
    return [
        ["T-RP-1", "中和滑坡", "landslide", "较大", lon, lat, "", "35"],
        ["T-RP-2", "溪口尾矿库", "尾矿库", "major", lon2, lat2, "", "1200"],
        ["T-RP-3", "中和易涝区", "waterlogging_point", "一般风险", "", "", _square(lon, lat), ""],
    ]


# --- taxonomy --------------------------------------------------------------------------


def test_migration_seeds_the_category_taxonomy(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(text('SELECT code, name_zh, "group", active FROM risk_category'))
        found = {code: (name, group, active) for code, name, group, active in rows}
    assert 40 <= len(found) <= 50
    assert {g for _, g, _ in found.values()} == {"natural", "production", "urban"}
    assert found["landslide"][:2] == ("滑坡", "natural")
    assert found["tailings_pond"][:2] == ("尾矿库", "production")
    assert found["nine_small_places"][:2] == ("九小场所", "urban")
    assert all(bool(active) for _, _, active in found.values())


def test_categories_are_listed_by_all_and_edited_by_admins_only(engine: Engine, api) -> None:
    listed = api("viewer").get("/api/v1/risk-categories")
    assert listed.status_code == 200 and len(listed.json()) >= 40
    body = {"name_zh": "冰湖溃决", "name_en": "Glacial lake outburst", "group": "natural"}
    refused = api("viewer").put("/api/v1/risk-categories/glacial_lake", json=body)
    assert refused.status_code == 403
    assert (
        api("wz_operator").put("/api/v1/risk-categories/glacial_lake", json=body).status_code == 403
    )
    made = api("admin").put("/api/v1/risk-categories/glacial_lake", json=body)
    assert made.status_code == 200 and made.json()["active"] is True
    clash = api("admin").put("/api/v1/risk-categories/other", json={**body, "name_zh": "滑坡"})
    assert clash.status_code == 409
    bad_group = api("admin").put("/api/v1/risk-categories/x", json={**body, "group": "misc"})
    assert bad_group.status_code == 422
    off = api("admin").put("/api/v1/risk-categories/glacial_lake", json={**body, "active": False})
    assert off.json()["active"] is False
    codes = {c["code"] for c in api("viewer").get("/api/v1/risk-categories").json()}
    assert "glacial_lake" not in codes
    lon, lat = _inside_via_api(api)
    point = {"code": "T-GL", "name": "冰湖", "category": "冰湖溃决", "level": "low"}
    reply = api("admin").post("/api/v1/risk-points", json={**point, "lon": lon, "lat": lat})
    assert reply.status_code == 422 and "deactivated" in reply.text


def _inside_via_api(api) -> tuple[float, float]:
    with Session(api.app.state.engine) as session:
        return _inside(session, TOWN)


# --- single records and region derivation ----------------------------------------------


def test_create_derives_the_township_from_point_and_polygon(session: Session) -> None:
    admin = _actor(session, "admin")
    start = session.scalar(select(func.max(AuditEntry.id)))
    lon, lat = _inside(session, TOWN)
    point = service.create_risk_point(
        session, admin, code="T-P", name="点", category="landslide", level="重大", lon=lon, lat=lat
    )
    assert point.region_id == _region_id(session, TOWN)
    assert (point.lon, point.lat, point.level, point.status) == (lon, lat, "major", "active")
    assert geo.from_wkb(point.geometry).equals(shapely.Point(lon, lat))
    area = service.create_risk_point(
        session,
        admin,
        code="T-A",
        name="面",
        category="森林火险区",
        level="low",
        geometry=_square(lon, lat),
        threatened_people=10,
        threatened_property_wan=52.5,
    )
    assert area.region_id == _region_id(session, TOWN)
    assert geo.from_wkb(area.geometry).contains(shapely.Point(area.lon, area.lat))
    with pytest.raises(Conflict):
        service.create_risk_point(
            session,
            admin,
            code="T-P",
            name="x",
            category="landslide",
            level="low",
            lon=lon,
            lat=lat,
        )
    session.commit()
    audited = session.scalars(
        select(AuditEntry.entity_id).where(AuditEntry.entity == "risk_point", AuditEntry.id > start)
    ).all()
    assert set(audited) == {str(point.id), str(area.id)}


def test_geometry_outside_every_region_or_bad_is_refused(session: Session) -> None:
    admin = _actor(session, "admin")
    base = {"code": "T-X", "name": "x", "category": "landslide", "level": "low"}
    with pytest.raises(ValidationFailed) as outside:
        service.create_risk_point(session, admin, **base, lon=-30.0, lat=10.0)
    assert outside.value.details[0]["field"] == "geometry"
    assert "outside every region" in outside.value.details[0]["reason"]
    for bad in ("LINESTRING (108 30, 109 31)", "not a shape", "POINT (200 10)"):
        with pytest.raises(ValidationFailed) as exc:
            service.create_risk_point(session, admin, **base, geometry=bad)
        assert exc.value.details[0]["field"] == "geometry"
    with pytest.raises(ValidationFailed) as exc:
        service.create_risk_point(session, admin, **{**base, "level": "huge"}, lon=108, lat=30)
    assert {d["field"] for d in exc.value.details} >= {"level"}
    assert _count(session) == 0


def test_scope_refuses_points_outside_the_operators_township(engine: Engine, api) -> None:
    with Session(engine) as session:
        own = _inside(session, TOWN)
        other = _inside(session, OTHER_TOWN)
    body = {"code": "T-S1", "name": "滑坡", "category": "landslide", "level": "general"}
    twp = api("twp_operator")
    refused = twp.post("/api/v1/risk-points", json={**body, "lon": other[0], "lat": other[1]})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "validation_failed"
    assert "outside your region" in error["details"][0]["reason"]
    made = twp.post("/api/v1/risk-points", json={**body, "lon": own[0], "lat": own[1]})
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["region_code"] == TOWN and created["colour"] == "yellow"
    assert created["geometry"]["type"] == "Point"
    pid = created["id"]
    assert api("twp2_operator").get(f"/api/v1/risk-points/{pid}").status_code == 404
    assert api("viewer").get(f"/api/v1/risk-points/{pid}").status_code == 200
    viewer = api("viewer").post(
        "/api/v1/risk-points", json={**body, "code": "T-S2", "lon": own[0], "lat": own[1]}
    )
    assert viewer.status_code == 403
    moved = twp.patch(f"/api/v1/risk-points/{pid}", json={"lon": other[0], "lat": other[1]})
    assert moved.status_code == 422
    assert (
        api("twp2_operator").patch(f"/api/v1/risk-points/{pid}", json={"name": "x"}).status_code
        == 404
    )
    changed = twp.patch(f"/api/v1/risk-points/{pid}", json={"level": "重大", "status": "监测中"})
    assert changed.status_code == 200
    assert (changed.json()["level"], changed.json()["status"]) == ("major", "monitoring")
    assert changed.json()["lon"] == own[0]
    county = api("wz_operator").patch(
        f"/api/v1/risk-points/{pid}", json={"lon": other[0], "lat": other[1]}
    )
    assert county.status_code == 200 and county.json()["region_code"] == OTHER_TOWN


# --- import ----------------------------------------------------------------------------


def test_import_with_bad_rows_reports_every_cell_and_writes_nothing(session: Session) -> None:
    county = _actor(session, "wz_operator")
    good = _good_rows(session)
    far = _inside(session, "500102")  # 涪陵区: outside 万州区
    rows = [
        *good,
        ["T-RP-4", "", "landslide", "低", 108.4, 30.8, "", ""],  # row 5: no name
        ["T-RP-5", "x", "volcano", "低", 108.4, 30.8, "", ""],  # row 6: unknown category
        ["T-RP-6", "x", "landslide", "extreme", 108.4, 30.8, "", ""],  # row 7: bad level
        ["T-RP-7", "x", "landslide", "低", far[0], far[1], "", ""],  # row 8: out of scope
        ["T-RP-1", "x", "landslide", "低", 108.4, 30.8, "", ""],  # row 9: duplicate code
        ["T-RP-8", "x", "landslide", "低", "", "", "", "-3"],  # row 10: no place, bad count
        ["T-RP-9", "x", "landslide", "低", -30, 10, "", ""],  # row 11: in no region
    ]
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(ValidationFailed) as exc:
        io_service.import_file(session, county, "risk_points", _csv(HEADER, rows), "r.csv")
    found = {(d["row"], d["field"]) for d in exc.value.details}
    assert found == {
        (5, "name"),
        (6, "category"),
        (7, "level"),
        (8, "geometry"),
        (9, "code"),
        (10, "geometry"),
        (10, "threatened_people"),
        (11, "geometry"),
    }
    assert all(d["reason"] for d in exc.value.details)
    assert _count(session) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_then_reimport_unchanged(session: Session, fmt: str) -> None:
    county = _actor(session, "wz_operator")
    start = session.scalar(select(func.max(AuditEntry.id)))
    rows = _good_rows(session)
    data = _csv(HEADER, rows) if fmt == "csv" else _xlsx(HEADER, rows)
    report = io_service.import_file(session, county, "risk_points", data, f"r.{fmt}")
    session.commit()
    assert (report.rows, report.created, report.updated) == (3, 3, 0)
    stored = {p.code: p for p in session.scalars(select(RiskPoint))}
    assert stored["T-RP-1"].region_id == _region_id(session, TOWN)
    assert stored["T-RP-2"].region_id == _region_id(session, OTHER_TOWN)
    assert stored["T-RP-2"].threatened_people == 1200 and stored["T-RP-2"].level == "major"
    assert stored["T-RP-3"].threatened_people == 0 and stored["T-RP-3"].level == "general"
    tailings = session.scalar(select(RiskCategory.id).where(RiskCategory.code == "tailings_pond"))
    assert stored["T-RP-2"].category_id == tailings
    entries = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.entity == "risk_point", AuditEntry.id > start)
    )
    assert entries == 3

    again = io_service.import_file(session, county, "risk_points", data, f"r.{fmt}")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    exported = io_service.export(session, county, "risk_points", fmt)
    back = io_service.import_file(session, county, "risk_points", exported, f"e.{fmt}")
    assert (back.rows, back.created, back.updated, back.unchanged) == (3, 0, 0, 3)

    rows[0][3] = "重大"
    changed = io_service.import_file(session, county, "risk_points", _csv(HEADER, rows), "c.csv")
    assert (changed.updated, changed.unchanged) == (1, 2)
    session.commit()
    last = session.scalar(
        select(AuditEntry).where(AuditEntry.entity == "risk_point").order_by(AuditEntry.id.desc())
    )
    record = json.loads(last.record)
    assert record["action"] == "update"
    assert record["before"] == {"level": "large"} and record["after"] == {"level": "major"}


def test_import_geojson_feature_collection(session: Session) -> None:
    county = _actor(session, "wz_operator")
    lon, lat = _inside(session, TOWN)
    area = shapely.from_wkt(_square(lon, lat))
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"编码": "T-GJ-1", "名称": "学校", "类别": "学校", "风险等级": "低"},
            },
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(area)),
                "properties": {
                    "编码": "T-GJ-2",
                    "名称": "泥石流沟",
                    "类别": "debris_flow",
                    "风险等级": "large",
                    "威胁人数": 40,
                    "威胁财产（万元）": 120.5,
                },
            },
        ],
    }
    data = json.dumps(doc, ensure_ascii=False).encode()
    report = io_service.import_file(session, county, "risk_points", data, "points.geojson")
    assert (report.rows, report.created) == (2, 2)
    flow = session.scalar(select(RiskPoint).where(RiskPoint.code == "T-GJ-2"))
    assert geo.from_wkb(flow.geometry).equals(area)
    assert flow.threatened_property_wan == 120.5 and flow.region_id == _region_id(session, TOWN)
    again = io_service.import_file(session, county, "risk_points", data, "points.geojson")
    assert again.unchanged == 2

    doc["features"][1]["properties"]["风险等级"] = "?"
    doc["features"][0]["geometry"] = None
    bad = json.dumps(doc).encode()
    with pytest.raises(ValidationFailed) as exc:
        io_service.import_file(session, county, "risk_points", bad, "points.geojson")
    assert {(d["row"], d["field"]) for d in exc.value.details} == {(1, "geometry"), (2, "level")}
    with pytest.raises(ValidationFailed):
        io_service.import_file(session, county, "risk_points", b'{"type": "Point"}', "x.geojson")


def test_bulk_upsert_service_is_all_or_nothing(session: Session) -> None:
    county = _actor(session, "wz_operator")
    lon, lat = _inside(session, TOWN)
    rows = [
        {"code": "T-B1", "name": "a", "category": "school", "level": "low", "lon": lon, "lat": lat},
        {"code": "T-B2", "name": "b", "category": "school", "level": "low", "lon": 0, "lat": 0},
    ]
    with pytest.raises(ValidationFailed) as exc:
        service.upsert_risk_points(session, county, rows)
    assert [(d["row"], d["field"]) for d in exc.value.details] == [(2, "geometry")]
    assert _count(session) == 0
    counts = service.upsert_risk_points(session, county, rows[:1])
    assert (counts.created, counts.updated) == (1, 0)
    with pytest.raises(PermissionDenied):
        service.upsert_risk_points(session, _actor(session, "viewer"), rows[:1])


# --- responsibility and map layers -----------------------------------------------------


def test_assignment_targets_a_risk_point_and_responsible_returns_the_person(
    session: Session,
) -> None:
    county = _actor(session, "wz_operator")
    lon, lat = _inside(session, TOWN)
    point = service.create_risk_point(
        session,
        county,
        code="T-R",
        name="滑坡",
        category="landslide",
        level="large",
        lon=lon,
        lat=lat,
    )
    person = session.scalar(
        select(Person).where(Person.region_id == _region_id(session, TOWN)).order_by(Person.id)
    )
    people_service.create_assignment(
        session,
        county,
        person_id=person.id,
        role="monitoring",
        target_kind="risk_point",
        target_id=point.id,
    )
    session.commit()
    found = service.responsible(session, county, [point.id])
    assert [p.person_id for p in found[point.id]["monitoring"]] == [person.id]
    assert service.responsible(session, _actor(session, "twp2_operator"), [point.id]) == {}


def test_responsible_and_geojson_layer_over_the_api(engine: Engine, api) -> None:
    with Session(engine) as session:
        lon, lat = _inside(session, TOWN)
        person_id = session.scalar(
            select(Person.id).where(Person.region_id == _region_id(session, TOWN))
        )
    admin = api("admin")
    body = {"name": "尾矿库", "category": "tailings_pond"}
    major = admin.post(
        "/api/v1/risk-points",
        json={**body, "code": "T-M", "level": "重大", "lon": lon, "lat": lat},
    ).json()
    admin.post(
        "/api/v1/risk-points",
        json={**body, "code": "T-L", "level": "低", "geometry": _square(lon, lat)},
    )
    made = admin.post(
        "/api/v1/assignments",
        json={
            "person_id": person_id,
            "role": "technical",
            "target_kind": "risk_point",
            "target_id": major["id"],
        },
    )
    assert made.status_code in (200, 201), made.text
    reply = api("twp_operator").get(f"/api/v1/risk-points/{major['id']}/responsible")
    assert reply.status_code == 200
    assert [p["person_id"] for p in reply.json()["roles"]["technical"]] == [person_id]

    layer = api("twp_operator").get("/api/v1/risk-points", params={"format": "geojson"})
    assert layer.status_code == 200
    doc = layer.json()
    assert doc["type"] == "FeatureCollection" and doc["total"] == 2
    by_code = {f["properties"]["code"]: f for f in doc["features"]}
    assert by_code["T-M"]["geometry"] == {"type": "Point", "coordinates": [lon, lat]}
    assert by_code["T-M"]["properties"]["colour"] == "red"
    assert by_code["T-L"]["geometry"]["type"] == "Polygon"
    assert by_code["T-L"]["properties"]["colour"] == "blue"
    assert (
        api("twp2_operator")
        .get("/api/v1/risk-points", params={"format": "geojson"})
        .json()["features"]
        == []
    )
    listed = admin.get("/api/v1/risk-points", params={"level": "重大", "under": TOWN}).json()
    assert [i["code"] for i in listed["items"]] == ["T-M"]
    assert admin.get("/api/v1/risk-points", params={"q": "T-L"}).json()["total"] == 1
    assert admin.get("/api/v1/risk-points", params={"category": "尾矿库"}).json()["total"] == 2
    assert admin.get("/api/v1/risk-points", params={"category": "school"}).json()["total"] == 0


def test_assignments_import_targets_risk_points_by_code(session: Session) -> None:
    county = _actor(session, "wz_operator")
    lon, lat = _inside(session, TOWN)
    service.create_risk_point(
        session, county, code="T-AI", name="滑坡", category="滑坡", level="low", lon=lon, lat=lat
    )
    mobile = session.scalar(
        select(Person.mobile).where(Person.region_id == _region_id(session, TOWN))
    )
    header = ["mobile", "role", "target_kind", "target_code"]
    rows = [
        [mobile[3:], "行政责任人", "风险点", "T-AI"],
        [mobile[3:], "monitoring", "risk_point", "T-AI"],
    ]
    report = io_service.import_file(session, county, "assignments", _csv(header, rows), "a.csv")
    assert report.created == 2
    point_id = session.scalar(select(RiskPoint.id).where(RiskPoint.code == "T-AI"))
    found = service.responsible(session, county, [point_id])[point_id]
    assert sorted(found) == ["admin", "monitoring"]
    exported = io_service.export(session, county, "assignments", "csv")
    assert "T-AI" in exported.decode("utf-8-sig")
    again = io_service.import_file(session, county, "assignments", exported, "a.csv")
    assert again.created == again.updated == 0
    missing = [[mobile[3:], "admin", "risk_point", "T-NOPE"]]
    with pytest.raises(ValidationFailed) as exc:
        io_service.import_file(session, county, "assignments", _csv(header, missing), "a.csv")
    assert [(d["row"], d["field"]) for d in exc.value.details] == [(2, "target_code")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_risk_point_template_imports_cleanly(session: Session, fmt: str) -> None:
    admin = _actor(session, "admin")
    data = io_service.template("risk_points", fmt)
    report = io_service.import_file(session, admin, "risk_points", data, f"t.{fmt}")
    assert (report.rows, report.created) == (1, 1)
    point = session.scalar(select(RiskPoint))
    assert session.get(Region, point.region_id).path.startswith("/500000/500101/")
