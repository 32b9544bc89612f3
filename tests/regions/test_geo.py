"""Geometry helpers: equal-area measures, circles, parsing (pure, no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod

from yingji.errors import ValidationFailed
from yingji.regions import geo

GEOD = Geod(ellps="WGS84")


def test_area_matches_the_ellipsoid() -> None:
    box = shapely.segmentize(shapely.box(105, 30, 106, 31), 0.01)
    true_km2 = abs(GEOD.geometry_area_perimeter(box)[0]) / 1e6
    assert abs(geo.area_km2(box) - true_km2) / true_km2 < 1e-3
    north = shapely.segmentize(shapely.box(125, 50, 126, 51), 0.01)
    true_north = abs(GEOD.geometry_area_perimeter(north)[0]) / 1e6
    assert abs(geo.area_km2(north) - true_north) / true_north < 1e-3


def test_circle_has_the_radius_and_area_asked_for() -> None:
    c = geo.circle(116.4, 39.9, 25)
    xs, ys = np.asarray(c.exterior.coords).T
    _, _, dist = GEOD.inv(np.full(len(xs), 116.4), np.full(len(xs), 39.9), xs, ys)
    assert np.allclose(dist, 25_000, rtol=1e-6)
    assert abs(geo.area_km2(c) - math.pi * 25**2) / (math.pi * 25**2) < 2e-3
    with pytest.raises(ValidationFailed):
        geo.circle(116.4, 39.9, 0)
    with pytest.raises(ValidationFailed):
        geo.circle(200, 39.9, 5)


def test_wkb_round_trip_and_measure() -> None:
    poly = shapely.box(106, 29, 107, 30)
    assert geo.from_wkb(geo.to_wkb(poly)).equals(poly)
    assert geo.to_wkb(None) is None and geo.from_wkb(None) is None
    arr = geo.many_from_wkb([geo.to_wkb(poly), None])
    assert arr[1] is None and arr[0].equals(poly)
    area, lon, lat = geo.measure([poly])
    assert 106.49 < lon[0] < 106.51 and 29.49 < lat[0] < 29.51 and area[0] > 10_000


@pytest.mark.parametrize(
    "text",
    [
        "106.5,29.5",
        " 106.5 , 29.5 ",
        "POINT (106.5 29.5)",
        '{"type": "Point", "coordinates": [106.5, 29.5]}',
        '{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "Point", "coordinates": [106.5, 29.5]}}',
    ],
)
def test_parse_point_forms(text: str) -> None:
    assert geo.parse_geometry(text).equals(shapely.Point(106.5, 29.5))


def test_parse_polygons_and_errors() -> None:
    feature_collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": shapely.geometry.mapping(shapely.box(0, 0, 1, 1))},
            {"type": "Feature", "geometry": shapely.geometry.mapping(shapely.box(1, 0, 2, 1))},
        ],
    }
    assert geo.parse_geometry(feature_collection).area == pytest.approx(2)
    assert geo.parse_geometry("POLYGON ((0 0, 1 0, 1 1, 0 0))").geom_type == "Polygon"
    for bad in ["", "{not json", "POLYGON ((0 0", '{"type": "Polygon"}', "300,20"]:
        with pytest.raises(ValidationFailed) as err:
            geo.parse_geometry(bad)
        assert " / " in err.value.message


def test_invalid_polygon_is_repaired_to_its_area() -> None:
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    fixed = geo.polygonal(bowtie)
    assert fixed.is_valid and fixed.geom_type in geo.POLYGONAL and fixed.area == pytest.approx(0.5)
