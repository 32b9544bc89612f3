"""API shapes for regions. Geometry never rides along with a region; it has its own
GeoJSON endpoints so lists stay small."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_LOCATE_POINTS = 100_000


class RegionRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: int


class RegionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    level: int
    parent_id: int | None
    path: str
    centroid_lon: float | None
    centroid_lat: float | None
    area_km2: float | None
    population: int | None
    source: str | None


class RegionDetail(RegionOut):
    ancestors: list[RegionRef] = Field(default_factory=list)
    """From the root down to the parent: breadcrumbs."""


class RegionPage(BaseModel):
    items: list[RegionOut]
    total: int
    offset: int
    limit: int


class RegionIn(BaseModel):
    """A township (4), village (5) or grid (6) to create or update, by code."""

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    level: int = Field(ge=4, le=6)
    parent_code: str = Field(min_length=1, max_length=32)
    geometry: dict[str, Any] | None = None
    """GeoJSON Polygon/MultiPolygon (or a Feature holding one), WGS 84."""
    point: tuple[float, float] | None = None
    """[lon, lat]; stored as the centroid (e.g. a grid without a drawn boundary)."""
    population: int | None = Field(default=None, ge=0)


class LocateIn(BaseModel):
    points: list[tuple[float, float]] = Field(max_length=MAX_LOCATE_POINTS)
    """[[lon, lat], ...] in WGS 84."""
    level: int = Field(default=3, ge=1, le=6)


class CircleIn(BaseModel):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    radius_km: float = Field(gt=0, le=5000)


class CoveringIn(BaseModel):
    geometry: dict[str, Any]
    """A GeoJSON geometry or Feature, or ``{"circle": {"lon", "lat", "radius_km"}}``."""
    level: int = Field(default=4, ge=1, le=6)
    min_share: float = Field(default=0.0, ge=0.0, le=1.0)


class CoveredOut(BaseModel):
    code: str
    name: str
    share: float
