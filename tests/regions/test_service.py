"""Region services: scope checks, listings, bulk upserts with validation, spatial wrappers."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.audit import verify
from yingji.auth.models import AuditEntry, UserRole
from yingji.auth.scope import system_actor
from yingji.errors import NotFound, PermissionDenied, ValidationFailed
from yingji.regions import geo, index, service
from yingji.regions.models import Region

from .conftest import actor_for_path

ADMIN = system_actor()
YUZHONG = actor_for_path("/500000/500103/")


def _region(db: Session, code: str) -> Region:
    return db.scalar(select(Region).where(Region.code == code))


def _piece(db: Session, code: str, frac: float = 0.3) -> shapely.Geometry:
    """A part of a county: its polygon cut by a box around its inside point."""
    county = geo.from_wkb(db.scalar(select(Region.geometry).where(Region.code == code)))
    p = shapely.point_on_surface(county)
    x0, y0, x1, y1 = county.bounds
    dx, dy = (x1 - x0) * frac / 2, (y1 - y0) * frac / 2
    return geo.polygonal(
        shapely.intersection(county, shapely.box(p.x - dx, p.y - dy, p.x + dx, p.y + dy))
    )


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_get_and_scope(db: Session) -> None:
    assert service.get_by_code(db, YUZHONG, "500103").name == "渝中区"
    with pytest.raises(NotFound) as err:
        service.get_by_code(db, YUZHONG, "500104")
    assert " / " in err.value.message
    with pytest.raises(NotFound):
        service.get_by_code(db, YUZHONG, "500000")  # the province is above the actor
    other = _region(db, "500104")
    with pytest.raises(NotFound):
        service.get_region(db, YUZHONG, other.id)
    with pytest.raises(NotFound):
        service.get_by_code(db, ADMIN, "999999")
    assert service.get_region(db, ADMIN, other.id).code == "500104"


def test_children_ancestors_and_listing(db: Session) -> None:
    cq = _region(db, "500000")
    assert len(service.children(db, ADMIN, cq.id)) == 38
    with pytest.raises(NotFound):
        service.children(db, YUZHONG, cq.id)
    assert [a.code for a in service.ancestors(db, _region(db, "130102"))] == ["130000", "130100"]
    assert service.ancestors(db, cq) == []

    page = service.list_regions(db, ADMIN, under="500000", level=3, offset=30, limit=5)
    assert page.total == 38 and len(page.items) == 5 and page.items[0].code < page.items[-1].code
    assert service.list_regions(db, ADMIN, under="500000").total == 39  # itself included
    assert [r.code for r in service.list_regions(db, ADMIN, q="渝中").items] == ["500103"]
    assert service.list_regions(db, ADMIN, q="4419").items[0].code == "441900"
    assert service.list_regions(db, ADMIN, parent_code="440000").total == 21
    assert service.list_regions(db, YUZHONG).total == 1  # only its own county
    with pytest.raises(NotFound):
        service.list_regions(db, YUZHONG, under="500000")
    with pytest.raises(ValidationFailed):
        service.list_regions(db, ADMIN, level=9)


def _rows(db: Session) -> list[dict]:
    return [
        {
            "code": "500103001",
            "name": "测试街道",
            "level": 4,
            "parent_code": "500103",
            "geometry": _piece(db, "500103"),
            "population": 1200,
        },
        {
            "code": "500103001001",
            "name": "测试社区",
            "level": 5,
            "parent_code": "500103001",
            "point": (106.57, 29.55),
        },
        {"code": "G-500103-1", "name": "一号网格", "level": 6, "parent_code": "500103001001"},
        {"code": "G-500103-2", "name": "二号网格", "level": 6, "parent_code": "500103001"},
    ]


def test_upsert_creates_updates_and_audits(db: Session) -> None:
    audits = _count(db, AuditEntry)
    result = service.upsert_regions(db, YUZHONG, _rows(db))
    assert result.created == ["500103001", "500103001001", "G-500103-1", "G-500103-2"]
    assert _count(db, AuditEntry) == audits + 4
    town = _region(db, "500103001")
    assert town.path == "/500000/500103/500103001/" and town.level == 4
    assert 0 < town.area_km2 < 23.4 and town.population == 1200 and town.centroid_lon > 106
    village = _region(db, "500103001001")
    assert village.path == "/500000/500103/500103001/500103001001/"
    assert (village.centroid_lon, village.centroid_lat) == (106.57, 29.55)
    assert _region(db, "G-500103-2").parent_id == town.id

    again = service.upsert_regions(db, YUZHONG, _rows(db))
    assert again.unchanged == result.created and not again.created and not again.updated
    assert _count(db, AuditEntry) == audits + 4

    rows = _rows(db)
    rows[0]["name"] = "测试街道（新）"
    rows[0].pop("population")  # omitted: keeps the stored value
    changed = service.upsert_regions(db, YUZHONG, rows)
    assert changed.updated == ["500103001"]
    assert _region(db, "500103001").name == "测试街道（新）"
    assert _region(db, "500103001").population == 1200
    last = db.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert last.action == "update" and last.after["name"] == "测试街道（新）"
    assert "geometry" not in last.after
    assert verify(db).ok

    # the township now answers at level 4; elsewhere the counties still do
    in_town = shapely.point_on_surface(_piece(db, "500103"))
    codes = service.locate_codes(db, ADMIN, [in_town.x, 106.3], [in_town.y, 29.6], 4)
    assert codes[0] == "500103001" and codes[1] is not None and len(codes[1]) == 6


def test_upsert_reports_every_bad_row_and_writes_nothing(db: Session) -> None:
    regions, audits = _count(db, Region), _count(db, AuditEntry)
    rows = [
        {"code": "500104001", "name": "错县", "level": 4, "parent_code": "500103"},  # prefix
        {"code": "50010300", "name": "短", "level": 4, "parent_code": "500103"},  # 8 digits
        {"code": "500103002", "name": "", "level": 4, "parent_code": "500103"},  # no name
        {"code": "500103003", "name": "层级", "level": 5, "parent_code": "500103"},  # level
        {"code": "500103004", "name": "无上级", "level": 4, "parent_code": "509999"},
        {
            "code": "500103005",
            "name": "线",
            "level": 4,
            "parent_code": "500103",
            "geometry": shapely.LineString([(106.5, 29.5), (106.6, 29.6)]),
        },
        {
            "code": "500103006",
            "name": "人口",
            "level": 4,
            "parent_code": "500103",
            "population": -1,
        },
        {"code": "500103007", "name": "好", "level": 4, "parent_code": "500103"},
        {"code": "500103007", "name": "重复", "level": 4, "parent_code": "500103"},
        {"code": "500103", "name": "占用", "level": 4, "parent_code": "500103"},
        {"code": "G1", "name": "网格", "level": 6, "parent_code": "500103"},  # under a county
        {"code": "G2", "name": "点", "level": 6, "parent_code": "500103007", "point": (500, 1)},
        {"code": "G/3", "name": "斜杠", "level": 6, "parent_code": "500103007"},
        {"code": "50010300８", "name": "全角", "level": 4, "parent_code": "500103"},
    ]
    with pytest.raises(ValidationFailed) as err:
        service.upsert_regions(db, ADMIN, rows)
    problems = {(d["row"], d["field"]) for d in err.value.details}
    assert problems == {
        (0, "code"),
        (1, "code"),
        (2, "name"),
        (3, "parent_code"),
        (4, "parent_code"),
        (5, "geometry"),
        (6, "population"),
        (8, "code"),
        (9, "code"),
        (10, "parent_code"),
        (11, "point"),
        (12, "code"),
        (13, "code"),
    }
    assert all(" / " in d["reason"] for d in err.value.details)
    assert _count(db, Region) == regions and _count(db, AuditEntry) == audits


def test_upsert_refuses_other_areas_and_readers(db: Session) -> None:
    row = {"code": "500104001", "name": "大渡口街道", "level": 4, "parent_code": "500104"}
    with pytest.raises(ValidationFailed) as err:
        service.upsert_regions(db, YUZHONG, [row])
    assert err.value.details == [
        {"row": 0, "field": "parent_code", "reason": err.value.details[0]["reason"]}
    ]
    viewer = actor_for_path("/500000/500104/", UserRole.viewer)
    with pytest.raises(PermissionDenied):
        service.upsert_regions(db, viewer, [row])
    assert service.upsert_regions(db, actor_for_path("/500000/500104/"), [row]).created == [
        "500104001"
    ]
    # a region outside the actor's area keeps its code
    with pytest.raises(ValidationFailed) as err:
        service.upsert_regions(db, YUZHONG, [{**row, "parent_code": "500103", "code": "500104001"}])
    assert {d["field"] for d in err.value.details} == {"code"}


def test_township_under_a_city_without_counties(db: Session) -> None:
    ok = service.upsert_regions(
        db, ADMIN, [{"code": "441900003", "name": "东城街道", "level": 4, "parent_code": "441900"}]
    )
    assert ok.created == ["441900003"]
    with pytest.raises(ValidationFailed):  # 石家庄 has counties: townships go under them
        service.upsert_regions(
            db, ADMIN, [{"code": "130100001", "name": "x", "level": 4, "parent_code": "130100"}]
        )


def test_spatial_wrappers_hide_other_areas(db: Session) -> None:
    inside = shapely.point_on_surface(_piece(db, "500104"))
    lons, lats = np.array([106.57, inside.x]), np.array([29.55, inside.y])
    assert service.locate_codes(db, ADMIN, lons, lats, 3) == ["500103", "500104"]
    assert service.locate_codes(db, YUZHONG, lons, lats, 3) == ["500103", None]
    ids = service.locate_points(db, YUZHONG, lons, lats, 3)
    assert ids[0] == _region(db, "500103").id and ids[1] == -1
    circle = geo.circle(106.55, 29.53, 4)
    everyone = service.regions_covering(db, ADMIN, circle, 3)
    assert len(everyone) >= 2 and everyone[0].share >= everyone[-1].share
    mine = service.regions_covering(db, YUZHONG, circle, 3)
    assert [c.code for c in mine] == ["500103"]
    assert service.regions_covering(db, ADMIN, circle, 3, min_share=1.1) == []


def test_moving_a_grid_to_another_village(db: Session) -> None:
    rows = _rows(db)
    rows.append({"code": "500103002", "name": "另一街道", "level": 4, "parent_code": "500103"})
    service.upsert_regions(db, YUZHONG, rows)
    token = index.version_token(db)
    moved = {**rows[1], "code": "500103002001", "parent_code": "500103002"}
    service.upsert_regions(db, YUZHONG, [moved])  # a new village under the other township
    grid = {"code": "G-500103-1", "name": "一号网格", "level": 6, "parent_code": "500103002001"}
    result = service.upsert_regions(db, YUZHONG, [grid])
    assert result.updated == ["G-500103-1"]
    assert _region(db, "G-500103-1").path == "/500000/500103/500103002/500103002001/G-500103-1/"
    assert index.version_token(db) != token  # Core updates bump updated_at too


def test_large_batches_are_written_in_chunks(db: Session) -> None:
    service.upsert_regions(db, YUZHONG, _rows(db)[:2])
    grids = [
        {"code": f"W{k:05d}", "name": f"网格{k}", "level": 6, "parent_code": "500103001001"}
        for k in range(6_000)
    ]
    assert len(service.upsert_regions(db, YUZHONG, grids).created) == 6_000
    assert len(service.upsert_regions(db, YUZHONG, grids).unchanged) == 6_000
