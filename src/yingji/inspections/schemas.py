"""Pydantic shapes of checklists, schedules and inspections in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class ItemIn(BaseModel):
    code: str
    text_zh: str
    text_en: str = ""
    clause: str
    major: bool = True
    section: str | None = None


class TemplateIn(BaseModel):
    """A checklist; on ``PUT /checklists/{code}`` the code comes from the path."""

    code: str | None = None
    name_zh: str
    name_en: str = ""
    source: str = ""
    items: list[ItemIn]


class ItemOut(BaseModel):
    id: int
    code: str
    position: int
    section: str | None
    text_zh: str
    text_en: str
    clause: str
    major: bool


class TemplateOut(BaseModel):
    id: int
    code: str
    version: int
    name_zh: str
    name_en: str
    source: str
    item_count: int
    latest: bool = True
    created_at: dt.datetime


class TemplateDetail(TemplateOut):
    items: list[ItemOut]


class InspectionIn(BaseModel):
    """A new inspection at an enterprise or a risk point (give exactly one)."""

    template_id: int
    kind: str | None = Field(None, description="regulatory / patrol / self_check")
    enterprise_id: int | None = None
    risk_point_id: int | None = None
    unannounced: bool = False
    lon: float | None = None
    lat: float | None = None
    note: str | None = None


class ResultIn(BaseModel):
    item_code: str
    result: str | None = Field(None, description="pass / fail / na; null clears it")
    note: str | None = None
    lon: float | None = None
    lat: float | None = None


class ResultsIn(BaseModel):
    """Results of some items (others stay as they are) and, optionally, the inspector's
    current position."""

    results: list[ResultIn] = []
    lon: float | None = None
    lat: float | None = None


class ResultOut(BaseModel):
    item_id: int
    item_code: str
    text_zh: str
    text_en: str
    clause: str
    major: bool
    section: str | None
    result: str | None
    result_label: str | None
    note: str | None
    lon: float | None
    lat: float | None
    hazard_id: int | None
    photos: list[dict[str, Any]]


class InspectionOut(BaseModel):
    id: int
    code: str | None
    template_id: int
    template_code: str
    template_version: int
    template_name: str
    kind: str
    kind_label: str
    unannounced: bool
    state: str
    state_label: str
    enterprise_id: int | None
    risk_point_id: int | None
    target_name: str
    region_code: str
    region_name: str
    inspector_id: int | None
    inspector_name: str
    lon: float | None
    lat: float | None
    note: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    hazard_count: int


class InspectionDetail(InspectionOut):
    results: list[ResultOut]
    answered: int
    failed: int
    editable: bool


class FinishOut(BaseModel):
    inspection: InspectionDetail
    hazard_ids: list[int]


class ScheduleIn(BaseModel):
    name: str
    target_kind: str = Field(description="enterprise / risk_point")
    interval_days: int
    region_code: str | None = Field(None, description="default: your own region")
    grade: str | None = Field(None, description="enterprise risk grade or risk-point level")
    category_id: int | None = Field(None, description="risk category (risk points only)")
    kind: str | None = Field(None, description="only this kind of inspection counts")
    active: bool = True


class ScheduleOut(BaseModel):
    id: int
    name: str
    target_kind: str
    region_id: int
    region_code: str
    interval_days: int
    grade: str | None
    category_id: int | None
    kind: str | None
    active: bool
