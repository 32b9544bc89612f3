"""Pydantic shapes of hazards in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class HazardIn(BaseModel):
    """A new hazard. Give where it is: an enterprise, a risk point, a position or a region."""

    title: str = Field(max_length=200)
    description: str | None = None
    source: str | None = Field(None, description="inspection/patrol/self_check/whistle/manual")
    enterprise_id: int | None = None
    risk_point_id: int | None = None
    region_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    inspection_id: int | None = None
    checklist_item_id: int | None = None
    comment: str | None = None


class ActionIn(BaseModel):
    """Fields a step may need; each action reads the ones it uses.

    confirm: grade, criterion (for major). assign: owner_person_id, deadline, measures,
    funds_wan, contingency_plan (all five for major). transfer: region_code or department_id.
    dismiss, send_back, suspend, reopen: comment is required.
    """

    comment: str | None = None
    grade: str | None = None
    criterion: str | None = None
    owner_person_id: int | None = None
    deadline: dt.date | None = None
    measures: str | None = None
    funds_wan: float | None = None
    contingency_plan: str | None = None
    region_code: str | None = None
    department_id: int | None = None


class EventOut(BaseModel):
    id: int
    action: str
    action_label: str
    from_state: str | None
    to_state: str
    to_state_label: str
    at: dt.datetime
    actor: str
    comment: str | None
    data: dict[str, Any] | None


class HazardOut(BaseModel):
    id: int
    code: str | None
    title: str
    description: str | None
    state: str
    state_label: str
    grade: str | None
    grade_label: str | None
    criterion: str | None
    source: str
    source_label: str
    region_id: int
    region_code: str
    region_name: str
    enterprise_id: int | None
    enterprise_name: str | None
    risk_point_id: int | None
    risk_point_name: str | None
    department_id: int | None
    department_name: str | None
    industry_code: str | None
    inspection_id: int | None
    checklist_item_id: int | None
    lon: float | None
    lat: float | None
    found_at: dt.datetime
    confirmed_at: dt.datetime | None
    owner_person_id: int | None
    owner_name: str | None
    deadline: dt.date | None
    overdue: bool
    measures: str | None
    funds_wan: float | None
    contingency_plan: str | None
    submitted_at: dt.datetime | None
    verified_at: dt.datetime | None
    closed_at: dt.datetime | None
    reported_up_at: dt.datetime | None
    colour_hex: str
    allowed_actions: list[str] = []


class HazardDetail(HazardOut):
    events: list[EventOut]
    photos: list[dict[str, Any]]
