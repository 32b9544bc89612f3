"""API shapes for risk points and categories."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CategoryIn(BaseModel):
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    group: str = Field(description="natural | production | urban")
    active: bool = True


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name_zh: str
    name_en: str
    group: str
    active: bool


class RiskPointIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(description="类别编码或中文名 / category code or Chinese name")
    level: str = Field(description="major | large | general | low (重大/较大/一般/低)")
    geometry: str | dict[str, Any] | None = Field(
        None, description="点或面：GeoJSON 或 WKT / Point or Polygon as GeoJSON or WKT"
    )
    lon: float | None = None
    lat: float | None = None
    threatened_people: int = Field(0, ge=0)
    threatened_property_wan: float = Field(0.0, ge=0)
    status: str = "active"
    note: str | None = Field(None, max_length=2000)


class RiskPointPatch(BaseModel):
    """Only the fields sent are changed; a new geometry or lon/lat moves the point."""

    name: str | None = Field(None, min_length=1, max_length=200)
    category: str | None = None
    level: str | None = None
    geometry: str | dict[str, Any] | None = None
    lon: float | None = None
    lat: float | None = None
    threatened_people: int | None = Field(None, ge=0)
    threatened_property_wan: float | None = Field(None, ge=0)
    status: str | None = None
    note: str | None = Field(None, max_length=2000)


class RiskPointOut(BaseModel):
    id: int
    code: str
    name: str
    category: str
    category_name: str
    level: str
    level_label: str
    colour: str
    lon: float
    lat: float
    region_id: int
    region_code: str
    region_name: str
    threatened_people: int
    threatened_property_wan: float
    status: str
    note: str | None
    geometry: dict[str, Any] | None = None


class PersonByRole(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: int
    name: str
    mobile: str


class ResponsibleOut(BaseModel):
    risk_point_id: int
    roles: dict[str, list[PersonByRole]]
