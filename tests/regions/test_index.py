"""Spatial index: point look-ups and coverage shares, identical on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.regions import geo, index
from yingji.regions.china import china_regions
from yingji.regions.models import Region

KNOWN = {
    (106.57, 29.55): "500103",  # 重庆 渝中区
    (116.397, 39.909): "110101",  # 天安门, 东城区
    (121.4737, 31.2304): "310101",  # 上海 黄浦区
    (113.75, 23.02): "441900",  # 东莞: a city without counties answers at county level
    (112.6, 35.07): "419001",  # 济源
    (123.0, 30.0): None,  # East China Sea
    (2.35, 48.85): None,  # Paris
}
_digests: dict[str, str] = {}


def _code(db: Session, region_id: int | None) -> str | None:
    if region_id is None or region_id < 0:
        return None
    return db.scalar(select(Region.code).where(Region.id == region_id))


def _random_points(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(73.0, 135.5, n), rng.uniform(17.5, 54.0, n)


def test_known_points(db: Session) -> None:
    ix = index.get_index(db, 3)
    for (lon, lat), code in KNOWN.items():
        assert _code(db, ix.locate_one(lon, lat)) == code, (lon, lat)
    ids = ix.locate(np.array([p[0] for p in KNOWN]), np.array([p[1] for p in KNOWN]))
    assert [_code(db, int(i)) for i in ids] == list(KNOWN.values())


def test_cut_per_level(db: Session) -> None:
    provinces = index.get_index(db, 1)
    assert len(provinces) == 31
    assert _code(db, provinces.locate_one(106.57, 29.55)) == "500000"
    prefectures = index.get_index(db, 2)
    # Chongqing's districts and 济源 sit directly under a province: they answer at level 2
    assert _code(db, prefectures.locate_one(106.57, 29.55)) == "500103"
    assert _code(db, prefectures.locate_one(112.6, 35.07)) == "419001"
    assert _code(db, prefectures.locate_one(114.5, 38.05)) == "130100"


def test_grid_and_tree_agree_with_a_reference_built_from_the_source(db: Session) -> None:
    """The answer depends only on the WKB, so both backends must give these exact codes:
    compare with STRtree "intersects" over the source polygons, and across backends."""
    lons, lats = _random_points(30_000)
    ix = index.get_index(db, 3)
    via_grid = ix.locate(lons, lats, use_grid=True)
    via_tree = ix.locate(lons, lats, use_grid=False)
    assert np.array_equal(via_grid, via_tree)

    recs = [r for r in china_regions() if r.level == 3 or r.code in _childless_prefectures()]
    recs.sort(key=lambda r: (r.level, r.code))  # the order ids were given in
    geoms = geo.many_from_wkb([r.geometry for r in recs])
    pt, poly = shapely.STRtree(geoms).query(shapely.points(lons, lats), predicate="intersects")
    best = np.full(len(lons), len(recs))
    np.minimum.at(best, pt, poly)
    expected = [recs[i].code if i < len(recs) else None for i in best]
    got = [ix.codes[p] if p >= 0 else None for p in ix.positions(lons, lats)]
    assert got == expected
    digest = hashlib.sha256(repr(got).encode()).hexdigest()
    assert _digests.setdefault("county", digest) == digest  # same on every backend


def _childless_prefectures() -> set[str]:
    parents = {r.parent_code for r in china_regions()}
    return {r.code for r in china_regions() if r.level == 2 and r.code not in parents}


def test_points_on_a_shared_border_go_to_the_smaller_id(db: Session) -> None:
    ix = index.get_index(db, 3)
    a = ix.codes.index("500103")
    ring = np.asarray(shapely.get_exterior_ring(shapely.get_parts(ix.geoms[a])[0]).coords)
    lons, lats = ring[:, 0], ring[:, 1]
    pt, poly = ix.tree.query(shapely.points(lons, lats), predicate="intersects")
    shared = np.unique(pt[poly != a])
    assert len(shared) > 10  # 渝中 shares borders with its neighbours
    for use_grid in (False, True):
        got = ix.locate(lons[shared], lats[shared], use_grid=use_grid)
        for k, p in enumerate(shared):
            assert got[k] == min(ix.ids[poly[pt == p]])


def test_bad_coordinates_resolve_to_nothing(db: Session) -> None:
    ix = index.get_index(db, 3)
    got = ix.locate(np.array([np.nan, np.inf, 500.0, 106.57]), np.array([29.5, 29.5, 29.5, 29.55]))
    assert got[:3].tolist() == [-1, -1, -1] and got[3] > 0
    for use_grid in (True, False):
        assert len(ix.locate(np.array([]), np.array([]), use_grid=use_grid)) == 0


def test_covering_a_circle_inside_one_county(db: Session) -> None:
    ix = index.get_index(db, 3)
    chengkou = ix.codes.index("500229")
    centre = shapely.point_on_surface(ix.geoms[chengkou])
    circle = geo.circle(centre.x, centre.y, 5)
    assert shapely.contains(ix.geoms[chengkou], circle)
    found = ix.covering(circle)
    assert [rid for rid, _ in found] == [int(ix.ids[chengkou])]
    share = found[0][1]
    area = db.scalar(select(Region.area_km2).where(Region.code == "500229"))
    assert 0 < share < 1
    assert share == pytest.approx(geo.area_km2(circle) / area, rel=1e-3)


def test_covering_a_county_with_itself(db: Session) -> None:
    ix = index.get_index(db, 3)
    yuzhong = ix.codes.index("500103")
    shares = dict(ix.covering(ix.geoms[yuzhong]))
    assert shares.pop(int(ix.ids[yuzhong])) == pytest.approx(1.0, abs=1e-9)
    assert all(s < 1e-3 for s in shares.values())  # neighbours only touch
    with pytest.raises(Exception, match="Polygon"):
        ix.covering(shapely.Point(106.57, 29.55))


def test_cache_reuses_until_regions_change(db: Session) -> None:
    first = index.get_index(db, 3)
    assert index.get_index(db, 3) is first
    token = index.version_token(db)
    region = db.scalar(select(Region).where(Region.code == "500103"))
    region.name = "渝中区（改）"
    db.flush()
    assert index.version_token(db) != token
    assert index.get_index(db, 3) is not first
