"""Isoseismal polygons from the intensity field, measured on the equal-area grid.

Convention: the zone "intensity I and above" is bounded where the predicted intensity
reaches I.0 (not I − 0.5). An isoseismal then encloses the ground that the model expects to
shake at least at I, which is how the attenuation relations were regressed (their axes are
the radii of observed isoseismals of intensity I). Drawing at I − 0.5 instead roughly doubles
every area; see data/README.md for the check against the official maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import contourpy
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from yingji.quake.field import Grid, Rupture

LOWEST = 6
"""Isoseismals are drawn from VI: below it there is no damage to map."""
ROMAN = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "Ⅵ", "Ⅶ", "Ⅷ", "Ⅸ", "Ⅹ", "Ⅺ", "Ⅻ")
"""The single-character Roman numerals (U+2160…) Chinese intensity maps use."""


@dataclass(frozen=True)
class Isoseismal:
    intensity: int
    shape: BaseGeometry
    """The zone at or above ``intensity`` on the grid's projection (km)."""
    area_km2: float
    long_axis_km: float
    short_axis_km: float


def roman(intensity: int) -> str:
    """Intensity as its Roman numeral (6 → Ⅵ); plain digits outside Ⅰ–Ⅻ."""
    return ROMAN[intensity - 1] if 1 <= intensity <= len(ROMAN) else str(intensity)


def max_intensity(values: np.ndarray) -> int:
    """The highest integer intensity the field reaches (its floor, by the convention above)."""
    return int(np.floor(float(values.max()) + 1e-6))


def zones(grid: Grid, values: np.ndarray, rupture: Rupture) -> list[Isoseismal]:
    """One isoseismal per intensity from VI up to the maximum, outermost first."""
    padded = np.pad(values, 1, constant_values=-10.0)  # every contour closes inside the grid
    step = grid.cell_km
    axis = np.arange(-(grid.half_cells + 1), grid.half_cells + 2) * step
    generator = contourpy.contour_generator(axis, axis, padded, fill_type="OuterOffset")
    out = []
    for level in range(LOWEST, max_intensity(values) + 1):
        points, offsets = generator.filled(float(level), np.inf)
        polygons = [
            shapely.Polygon(pts[off[0] : off[1]], [pts[a:b] for a, b in pairwise(off[1:])])
            for pts, off in zip(points, offsets, strict=True)
        ]
        if not polygons:
            continue
        shape = shapely.make_valid(shapely.MultiPolygon(polygons)).buffer(0)
        long_km, short_km = _extent(shape, rupture.strike)
        out.append(Isoseismal(level, shape, float(shape.area), long_km, short_km))
    return out


def _extent(shape: BaseGeometry, strike: float) -> tuple[float, float]:
    """Lengths (km) of the zone along strike and across it."""
    coords = shapely.get_coordinates(shape)
    theta = np.radians(strike)
    along = coords[:, 0] * np.sin(theta) + coords[:, 1] * np.cos(theta)
    across = coords[:, 0] * np.cos(theta) - coords[:, 1] * np.sin(theta)
    return float(np.ptp(along)), float(np.ptp(across))


def to_lonlat(grid: Grid, shape: BaseGeometry, tolerance_km: float = 0.3) -> BaseGeometry:
    """The zone in WGS 84 longitude/latitude, simplified to about ``tolerance_km``."""
    simple = shapely.simplify(shape, tolerance_km, preserve_topology=True)
    transformer = grid.to_lonlat()
    return shapely.transform(simple, lambda xy: np.column_stack(transformer.transform(*xy.T)))
