"""Pure geometry helpers: WKB, equal-area measures, circles and parsing user input.

Geometries are stored in WGS 84 longitude/latitude. Anything measured in km or km² is
computed on a projection, because degrees are not a unit of length or area: areas on an
Albers equal-area projection fitted to China, circles on an azimuthal equidistant projection
centred on the circle, so "10 km" is 10 km in every direction.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from yingji.errors import ValidationFailed

ALBERS_CHINA = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"
"""Albers equal-area conic for China (standard parallels 25°N and 47°N)."""
WGS84 = "EPSG:4326"
POLYGONAL = {"Polygon", "MultiPolygon"}
_LONLAT = re.compile(r"^\s*(-?\d+(?:\.\d*)?)\s*[,，\s]\s*(-?\d+(?:\.\d*)?)\s*$")


@lru_cache(maxsize=4)
def _albers(inverse: bool = False) -> Transformer:
    src, dst = (ALBERS_CHINA, WGS84) if inverse else (WGS84, ALBERS_CHINA)
    return Transformer.from_crs(src, dst, always_xy=True)


def _apply(geoms: Any, transformer: Transformer) -> Any:
    """Run every coordinate of ``geoms`` through ``transformer`` in one vectorised call."""
    return shapely.transform(geoms, transformer.transform, interleaved=False)


def to_equal_area(geoms: Any) -> Any:
    """WGS 84 geometries (one or an array) projected to metres on the China Albers projection."""
    return _apply(geoms, _albers())


def from_equal_area(geoms: Any) -> Any:
    """Inverse of :func:`to_equal_area`."""
    return _apply(geoms, _albers(inverse=True))


def from_wkb(data: bytes | None) -> BaseGeometry | None:
    return None if data is None else shapely.from_wkb(data)


def to_wkb(geom: BaseGeometry | None) -> bytes | None:
    """Little-endian 2D WKB; the same geometry always gives the same bytes."""
    if geom is None:
        return None
    return shapely.to_wkb(geom, byte_order=1, output_dimension=2)


def many_from_wkb(blobs: list[bytes | None]) -> np.ndarray:
    """An object array of geometries (``None`` kept) from WKB values, in one GEOS call."""
    arr = np.empty(len(blobs), dtype=object)
    arr[:] = blobs
    return shapely.from_wkb(arr)


def area_km2(geoms: Any) -> Any:
    """Area in km² on the equal-area projection (vectorised; 0 for points and lines)."""
    return shapely.area(to_equal_area(geoms)) / 1e6


AREA_DECIMALS = 3
COORD_DECIMALS = 6
"""Stored precision (1 m² of area, ~0.1 m of centroid), applied in one place so that
re-measuring an unchanged boundary gives exactly the stored values."""


def measure(geoms: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(area_km2, centroid_lon, centroid_lat) for an array of geometries, one projection
    pass, rounded to the stored precision."""
    arr = np.asarray(geoms, dtype=object)
    projected = to_equal_area(arr)
    back = from_equal_area(shapely.centroid(projected))
    return (
        np.round(shapely.area(projected) / 1e6, AREA_DECIMALS),
        np.round(shapely.get_x(back), COORD_DECIMALS),
        np.round(shapely.get_y(back), COORD_DECIMALS),
    )


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` repaired if invalid, keeping only its areal part (GEOS "structure" method)."""
    if shapely.is_valid(geom):
        return geom
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    if fixed.geom_type == "GeometryCollection":
        parts = [p for p in shapely.get_parts(fixed) if p.geom_type in POLYGONAL]
        fixed = shapely.union_all(parts)
    return fixed


def circle(lon: float, lat: float, radius_km: float, quad_segs: int = 32) -> BaseGeometry:
    """A circle of ``radius_km`` around (lon, lat) as a WGS 84 polygon: buffered on an
    azimuthal equidistant projection centred on the point, where the radius is exact."""
    check_lonlat(lon, lat)
    if not radius_km > 0:
        raise ValidationFailed(
            "半径必须大于 0 / radius_km must be positive",
            [{"row": None, "field": "radius_km", "reason": "must be > 0"}],
        )
    aeqd = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs"
    back = Transformer.from_crs(aeqd, WGS84, always_xy=True)
    disc = shapely.Point(0.0, 0.0).buffer(radius_km * 1000.0, quad_segs=quad_segs)
    return _apply(disc, back)


def check_lonlat(lon: float, lat: float) -> None:
    if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed(
            f"经纬度超出范围 / coordinates out of range: {lon}, {lat}",
            [
                {
                    "row": None,
                    "field": "point",
                    "reason": "lon must be in [-180, 180], lat in [-90, 90]",
                }
            ],
        )


def parse_geometry(text: str | dict[str, Any]) -> BaseGeometry:
    """A geometry from GeoJSON (text or already-parsed dict: a geometry, Feature or
    FeatureCollection), WKT, or ``"lon,lat"`` for a point."""
    if isinstance(text, dict):
        return _from_geojson(text)
    raw = text.strip()
    if not raw:
        raise _bad("empty")
    match = _LONLAT.match(raw)
    if match:
        lon, lat = float(match[1]), float(match[2])
        check_lonlat(lon, lat)
        return shapely.Point(lon, lat)
    if raw.startswith("{"):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise _bad(f"invalid JSON: {exc.msg}") from exc
        return _from_geojson(data)
    try:
        return shapely.from_wkt(raw)
    except shapely.errors.GEOSException as exc:
        raise _bad(f"neither GeoJSON, WKT nor 'lon,lat': {exc}") from exc


def _from_geojson(data: dict[str, Any]) -> BaseGeometry:
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "Feature":
        return _from_geojson(data.get("geometry") or {})
    if kind == "FeatureCollection":
        geoms = [_from_geojson(f) for f in data.get("features") or []]
        if not geoms:
            raise _bad("empty FeatureCollection")
        return shapely.union_all(geoms)
    try:
        return shapely.from_geojson(json.dumps(data))
    except (shapely.errors.GEOSException, TypeError, ValueError) as exc:
        raise _bad(f"invalid GeoJSON geometry: {exc}") from exc


def _bad(reason: str) -> ValidationFailed:
    return ValidationFailed(
        f"无法解析几何 / cannot parse geometry: {reason}",
        [{"row": None, "field": "geometry", "reason": reason}],
    )
