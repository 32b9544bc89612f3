"""Who lives in each grid cell: exposure units burned onto the grid, population spread evenly.

Each cell takes the unit containing its centre. A unit's census population is spread evenly
over its cells, in proportion to area (people per km² × cell area), so a county cut by the
grid's edge keeps only its share inside. Units smaller than a cell, which no cell centre
falls in, put all their people in the cell holding their representative point, so small
urban districts are not lost. Even spreading is the documented first-order weighting: the
boundary data has no seat locations; importing townships (each with its population) gives
the finer weighting where it matters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from yingji.quake.field import Grid
from yingji.quake.units import Units


@dataclass(frozen=True)
class Exposure:
    unit: np.ndarray
    """Index into the units of the unit holding each cell; -1 outside every unit (sea, abroad)."""
    people: np.ndarray
    """People in each cell (float; sums to the exposed share of each unit)."""
    touched: np.ndarray
    """Indices of the units that reach the grid."""


def burn(grid: Grid, units: Units) -> Exposure:
    lon, lat = grid.lonlat
    frame = shapely.box(lon.min(), lat.min(), lon.max(), lat.max())
    touched = np.sort(units.tree.query(frame, predicate="intersects"))
    unit = np.full(lon.shape, -1, dtype=np.int32)
    # Each unit is tested only against the cells of its own bounding window on the grid
    # (found by projecting its outline), so the work follows the cells, not units × cells.
    forward = grid.from_lonlat()
    outlines = shapely.transform(
        units.geoms[touched], lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1]))
    )
    x, y = grid.xy
    size = 2 * grid.half_cells + 1
    bounds = shapely.bounds(outlines) / grid.cell_km
    low = np.floor(bounds[:, :2]).astype(int) + grid.half_cells
    high = np.ceil(bounds[:, 2:]).astype(int) + grid.half_cells
    windows = np.column_stack([low, high])
    for i, outline, (c0, r0, c1, r1) in zip(touched, outlines, windows, strict=True):
        c0, r0 = max(c0, 0), max(r0, 0)
        c1, r1 = min(c1, size - 1), min(r1, size - 1)
        if c0 > c1 or r0 > r1:
            continue
        shapely.prepare(outline)
        window = (slice(r0, r1 + 1), slice(c0, c1 + 1))
        hit = shapely.contains_xy(outline, x[window], y[window])
        unit[window][hit] = i

    density = units.population / np.maximum(units.area_km2, 1e-9)
    people = np.where(unit >= 0, density[np.maximum(unit, 0)] * grid.cell_area_km2, 0.0)
    _place_small_units(grid, units, touched, unit, people)
    return Exposure(unit=unit, people=people, touched=touched)


def _place_small_units(
    grid: Grid, units: Units, touched: np.ndarray, unit: np.ndarray, people: np.ndarray
) -> None:
    """Put each unit that holds no cell centre into the cell at its representative point."""
    missing = np.setdiff1d(touched, np.unique(unit[unit >= 0]))
    if not len(missing):
        return
    points = shapely.point_on_surface(units.geoms[missing])
    x, y = grid.from_lonlat().transform(shapely.get_x(points), shapely.get_y(points))
    cols = np.rint(np.asarray(x) / grid.cell_km).astype(int) + grid.half_cells
    rows = np.rint(np.asarray(y) / grid.cell_km).astype(int) + grid.half_cells
    size = 2 * grid.half_cells + 1
    for i, r, c in zip(missing, rows, cols, strict=True):
        if 0 <= r < size and 0 <= c < size:
            people[r, c] += units.population[i]
            if unit[r, c] < 0:
                unit[r, c] = i
