"""The intensity field on a grid of about 1 km around the epicentre.

The grid lives on a Lambert azimuthal equal-area projection centred on the epicentre: every
cell has the same true area (so areas are cell counts) and distances from the centre are true
to well under 1 % within 1,000 km. It reaches out to where the long axis falls to intensity V.

The source is a point for moderate events and a line along strike for large ones (Ms ≥ 7 or a
given rupture). For a point source the elliptical relation's long axis carries the typical
elongation of moderate ruptures. A line source makes that elongation explicit, so a point
then takes the short-axis relation (the one measured across the rupture) at its distance from
the line: the isoseismals become stadiums whose length grows with the rupture, which is what
lets great earthquakes reach their observed extent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pyproj import Transformer

from yingji.quake.attenuation import Relation

OUTER_INTENSITY = 5.0
MAX_CELLS_PER_SIDE = 1201
"""Beyond this the cells grow past 1 km so a great earthquake stays a fast computation."""


@dataclass(frozen=True)
class Rupture:
    """Where the source lies: strike (degrees from north), half length and the offset of its
    midpoint from the epicentre along strike (km). A point source has half length 0."""

    strike: float
    half_length_km: float = 0.0
    offset_km: float = 0.0


@dataclass(frozen=True)
class Grid:
    lon0: float
    lat0: float
    cell_km: float
    half_cells: int

    @property
    def projection(self) -> str:
        return f"+proj=laea +lat_0={self.lat0} +lon_0={self.lon0} +datum=WGS84 +units=km +no_defs"

    @cached_property
    def axis_km(self) -> np.ndarray:
        """Cell-centre coordinates (km) along x and along y: the same for both."""
        return np.arange(-self.half_cells, self.half_cells + 1) * self.cell_km

    @property
    def cell_area_km2(self) -> float:
        return self.cell_km**2

    @cached_property
    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """(x east, y north) of every cell centre in km, rows running south to north."""
        return np.meshgrid(self.axis_km, self.axis_km)

    @cached_property
    def lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.xy
        lon, lat = self.to_lonlat().transform(x, y)
        return np.asarray(lon), np.asarray(lat)

    def to_lonlat(self) -> Transformer:
        return Transformer.from_crs(self.projection, "EPSG:4326", always_xy=True)

    def from_lonlat(self) -> Transformer:
        return Transformer.from_crs("EPSG:4326", self.projection, always_xy=True)


def grid_for(lon: float, lat: float, reach_km: float, cell_km: float = 1.0) -> Grid:
    """A square grid centred on (lon, lat) covering ``reach_km`` in every direction."""
    reach = max(reach_km, 10.0) + 2 * cell_km
    cell = max(cell_km, 2 * reach / (MAX_CELLS_PER_SIDE - 1))
    return Grid(lon0=lon, lat0=lat, cell_km=cell, half_cells=int(np.ceil(reach / cell)))


def reach_km(relation: Relation, magnitude: float, rupture: Rupture) -> float:
    """How far from the epicentre intensity V can reach along the long axis."""
    ra = float(relation.long.radius(magnitude, OUTER_INTENSITY))
    return ra + rupture.half_length_km + abs(rupture.offset_km)


def along_across(grid: Grid, rupture: Rupture) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's distance beyond the rupture's ends along strike and from it across (km)."""
    x, y = grid.xy
    theta = np.radians(rupture.strike)
    along = x * np.sin(theta) + y * np.cos(theta) - rupture.offset_km
    across = x * np.cos(theta) - y * np.sin(theta)
    beyond = np.maximum(np.abs(along) - rupture.half_length_km, 0.0)
    return beyond, np.abs(across)


def intensity(grid: Grid, relation: Relation, magnitude: float, rupture: Rupture) -> np.ndarray:
    """Predicted (bedrock) intensity of every cell, float32, rows south to north."""
    along, across = along_across(grid, rupture)
    if rupture.half_length_km > 0:
        values = relation.short.intensity(magnitude, np.hypot(along, across))
        return np.minimum(values, relation.epicentral(magnitude)).astype(np.float32)
    return relation.intensity(magnitude, along, across).astype(np.float32)
