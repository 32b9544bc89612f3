"""Map bounding boxes (``bbox=west,south,east,north``): parsed once, checked the same way
for every map layer, so a map loads only what is in view and a bad box is a clear 422."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_

from yingji.errors import ValidationFailed


class BBox(NamedTuple):
    """WGS 84 degrees; ``west < east`` (a box across the antimeridian is not supported)."""

    west: float
    south: float
    east: float
    north: float

    def where(self, lon: Any, lat: Any) -> ColumnElement[bool]:
        """A WHERE clause keeping rows whose ``lon``/``lat`` columns lie in the box."""
        return and_(lon.between(self.west, self.east), lat.between(self.south, self.north))


def _bad(reason: str) -> ValidationFailed:
    return ValidationFailed(f"bbox: {reason}", [{"field": "bbox", "reason": reason}])


def parse(text: str | None) -> BBox | None:
    """The box in ``text`` (None when absent), or :class:`ValidationFailed` naming bbox."""
    if text is None or not text.strip():
        return None
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise _bad("应为 西,南,东,北 四个数 / must be four numbers: west,south,east,north")
    west, south, east, north = values
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise _bad("经度须在 -180 到 180 之间 / longitudes must lie in [-180, 180]")
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise _bad("纬度须在 -90 到 90 之间 / latitudes must lie in [-90, 90]")
    if not west < east:
        raise _bad("西边界须小于东边界 / west must be less than east")
    if not south < north:
        raise _bad("南边界须小于北边界 / south must be less than north")
    return BBox(west, south, east, north)
