"""Loading mainland China: hierarchy, codes, population, area and idempotency."""

from __future__ import annotations

import csv
from collections import defaultdict

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from yingji.auth.models import AuditEntry
from yingji.regions import population
from yingji.regions.china import load_china
from yingji.regions.models import Region


def _region(db: Session, code: str) -> Region:
    region = db.scalar(select(Region).where(Region.code == code))
    assert region is not None, code
    return region


def _children(db: Session, code: str) -> list[Region]:
    parent = _region(db, code)
    return list(db.scalars(select(Region).where(Region.parent_id == parent.id)))


def test_all_mainland_provinces_and_nothing_else(db: Session) -> None:
    provinces = db.scalars(select(Region.code).where(Region.level == 1)).all()
    assert len(provinces) == 31
    assert all(c.endswith("0000") for c in provinces)
    assert not db.scalar(
        select(func.count()).where(
            Region.code.startswith("71")
            | Region.code.startswith("81")
            | Region.code.startswith("82")
        )
    )
    assert (
        db.scalar(select(func.count()).where(Region.level == 1, Region.parent_id.is_not(None))) == 0
    )


def test_municipality_counties_hang_under_the_province(db: Session) -> None:
    kids = _children(db, "500000")
    assert len(kids) == 38 and {k.level for k in kids} == {3}
    assert _region(db, "500103").path == "/500000/500103/"
    assert _region(db, "110101").path == "/110000/110101/"
    assert _region(db, "130102").path == "/130000/130100/130102/"
    assert not db.scalar(
        select(func.count()).where(Region.code.in_(["110000", "500000"]), Region.level != 1)
    )


def test_city_without_counties_is_one_level_2_region(db: Session) -> None:
    for code in ("441900", "442000", "460400", "620200", "629700"):
        region = _region(db, code)
        assert region.level == 2, code
        assert region.path == f"/{code[:2]}0000/{code}/"
        assert _children(db, code) == []
    # province-administered county-level units are counties under the province
    for code in ("419001", "429004", "469002", "659001"):
        region = _region(db, code)
        assert region.level == 3 and region.path == f"/{code[:2]}0000/{code}/", code


def test_every_parent_link_matches_the_path(db: Session) -> None:
    parent = aliased(Region)
    rows = db.execute(
        select(Region.code, Region.path, Region.level, parent.path, parent.level).join(
            parent, Region.parent_id == parent.id
        )
    ).all()
    assert len(rows) == db.scalar(select(func.count()).select_from(Region)) - 31
    for code, path, level, ppath, plevel in rows:
        assert path == f"{ppath}{code}/" and level > plevel


def test_population_total_is_exact_and_provinces_match_the_census(db: Session) -> None:
    child = aliased(Region)
    has_child = select(child.id).where(child.parent_id == Region.id).exists()
    leaves = db.scalar(
        select(func.sum(Region.population)).where(
            (Region.level == 3) | ((Region.level == 2) & ~has_child)
        )
    )
    assert leaves == population.CENSUS_TOTAL == 1_409_778_724
    assert db.scalar(select(func.sum(Region.population)).where(Region.level == 1)) == 1_409_778_724

    census: dict[str, int] = defaultdict(int)
    with population.CENSUS_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            census[row["adcode"][:2]] += int(row["population"])
    provinces = dict(
        db.execute(select(Region.code, Region.population).where(Region.level == 1)).all()
    )
    assert {code[:2]: pop for code, pop in provinces.items()} == census
    assert provinces["110000"] == 21_893_095

    # a prefecture is the sum of its counties
    pref = _region(db, "130100")
    assert pref.population == sum(c.population or 0 for c in _children(db, "130100"))
    # 余杭 was split in 2021: the census figure is shared by area with 临平
    yuhang, linping = _region(db, "330110"), _region(db, "330113")
    assert linping.population > 0 and yuhang.population > linping.population
    assert _region(db, "460321").population >= 1694  # 西沙区 via the code map
    assert _region(db, "441900").population > 10_000_000  # 东莞 keeps its own figure


def test_areas_are_equal_area_km2(db: Session) -> None:
    chongqing = _region(db, "500000")
    assert abs(chongqing.area_km2 - 82_400) / 82_400 < 0.02
    counties = db.scalar(select(func.sum(Region.area_km2)).where(Region.parent_id == chongqing.id))
    assert abs(counties - chongqing.area_km2) / chongqing.area_km2 < 0.005
    beijing = _region(db, "110000")
    assert abs(beijing.area_km2 - 16_410) / 16_410 < 0.02
    assert 106 < chongqing.centroid_lon < 109 and 29 < chongqing.centroid_lat < 31


def test_second_load_changes_nothing(db: Session) -> None:
    regions = db.scalar(select(func.count()).select_from(Region))
    audits = db.scalar(select(func.count()).select_from(AuditEntry))
    assert load_china(db) == 0
    assert db.scalar(select(func.count()).select_from(Region)) == regions
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_first_load_audited_one_entry_per_region_without_geometry(db: Session) -> None:
    n = db.scalar(select(func.count()).where(AuditEntry.entity == "region"))
    assert n == db.scalar(select(func.count()).select_from(Region)) == 3212
    entry = db.scalar(
        select(AuditEntry).where(AuditEntry.entity == "region").order_by(AuditEntry.id).limit(1)
    )
    assert entry.action == "create" and entry.before is None
    assert set(entry.after) == {"code", "name", "level", "parent", "population", "area_km2"}


def test_reload_repairs_a_changed_row_and_audits_it(db: Session) -> None:
    yuzhong = _region(db, "500103")
    db.execute(update(Region).where(Region.id == yuzhong.id).values(name="改名", population=1))
    before = db.scalar(select(func.count()).select_from(AuditEntry))
    assert load_china(db) == 1
    db.expire_all()
    assert _region(db, "500103").name == "渝中区"
    entry = db.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
    assert entry.action == "update" and entry.entity_id == str(yuzhong.id)
    assert entry.before["name"] == "改名" and entry.after["name"] == "渝中区"
    assert entry.after["parent"] == "500000"


def test_reload_re_roots_the_subtree_of_a_region_whose_path_changed(db: Session) -> None:
    from yingji.auth.scope import system_actor
    from yingji.regions import service

    service.upsert_regions(
        db,
        system_actor(),
        [{"code": "500103001", "name": "街道", "level": 4, "parent_code": "500103"}],
    )
    db.execute(
        update(Region)
        .where(Region.code.in_(["500103", "500103001"]))
        .values(path=func.replace(Region.path, "/500000/", "/500000/stale/"))
    )
    assert load_china(db) == 1
    db.expire_all()
    assert _region(db, "500103").path == "/500000/500103/"
    assert _region(db, "500103001").path == "/500000/500103/500103001/"
