"""Pydantic shapes of warnings in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class AreaIn(BaseModel):
    """Where the warning applies: any mix of polygons (rings of [lon, lat], closed), circles
    ([lon, lat, radius_km]), a GeoJSON geometry, and region codes (GB/T 2260)."""

    polygons: list[list[tuple[float, float]]] = Field(default_factory=list)
    circles: list[tuple[float, float, float]] = Field(default_factory=list)
    geojson: dict[str, Any] | None = None
    region_codes: list[str] = Field(default_factory=list)


class WarningIn(BaseModel):
    """A new warning; ``replaces`` (a warning id) makes it an update that supersedes it."""

    category: str = Field(description="rainstorm, flood, geological, typhoon, ...")
    level: int = Field(description="1 red, 2 orange, 3 yellow, 4 blue")
    stage: str = Field("forecast", description="outlook / forecast / nowcast / imminent")
    key_period: bool = Field(False, description="降标提级: respond one stage earlier, one level up")
    area_desc: str = Field(max_length=500)
    area: AreaIn
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    authority: str = Field(max_length=200)
    headline: str = Field(max_length=500)
    description: str | None = None
    instruction: str | None = None
    replaces: int | None = None


class WarningOut(BaseModel):
    id: int
    code: str
    category: str
    category_label: str
    level: int
    level_name: str
    level_label: str
    stage: str
    stage_label: str
    key_period: bool
    status: str
    status_label: str
    area_desc: str
    area: dict[str, Any]
    region_codes: list[str]
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    authority: str
    headline: str
    description: str | None
    instruction: str | None
    identifier: str
    sender: str
    sent: dt.datetime
    msg_type: str
    references: list[list[str]]
    replaces_id: int | None
    cancelled_at: dt.datetime | None
    source: str
    cap_url: str


class WarningPage(BaseModel):
    items: list[WarningOut]
    total: int
