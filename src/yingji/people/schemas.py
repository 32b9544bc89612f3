"""API shapes for organisations, persons, assignments, duty and responsibility queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OrganisationIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: str
    region_id: int
    subtype: str | None = None
    parent_id: int | None = None


class OrganisationOut(Orm):
    id: int
    code: str
    name: str
    kind: str
    subtype: str | None
    region_id: int
    parent_id: int | None


class CommitteeMemberIn(BaseModel):
    department_id: int
    duties: str = ""


class CommitteeMemberOut(BaseModel):
    department: OrganisationOut
    duties: str


class PersonIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    mobile: str
    region_id: int
    organisation_id: int | None = None
    title: str | None = None
    mobile_alt: str | None = None
    contacts: dict[str, Any] = Field(default_factory=dict)


class PersonOut(Orm):
    id: int
    name: str
    mobile: str
    mobile_alt: str | None
    title: str | None
    contacts: dict[str, Any]
    organisation_id: int | None
    region_id: int


class AssignmentIn(BaseModel):
    person_id: int
    role: str
    target_kind: str = "region"
    target_id: int
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    note: str | None = None


class AssignmentEnd(BaseModel):
    valid_to: dt.date | None = None


class AssignmentOut(Orm):
    id: int
    person_id: int
    role: str
    target_kind: str
    target_id: int
    region_id: int
    valid_from: dt.date
    valid_to: dt.date | None
    note: str | None


class ShiftIn(BaseModel):
    organisation_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    duty_officer_id: int
    duty_leader_id: int | None = None
    note: str | None = None


class ShiftOut(Orm):
    id: int
    organisation_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    duty_officer_id: int
    duty_leader_id: int | None
    note: str | None


class OnDutyOut(Orm):
    organisation_id: int
    organisation: str
    shift_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    officer: str
    officer_mobile: str
    leader: str | None
    leader_mobile: str | None


class ResponsibleOut(Orm):
    person_id: int
    name: str
    mobile: str
    role: str
    target_kind: str
    target_id: int


class ResponsibleQuery(BaseModel):
    target_kind: str = "region"
    target_ids: list[int] = Field(default_factory=list, max_length=100_000)
    region_codes: list[str] = Field(default_factory=list, max_length=100_000)
    points: list[tuple[float, float]] = Field(default_factory=list, max_length=100_000)
    """[lon, lat] pairs; each resolves to the region at ``level`` that contains it."""
    level: int = 4
    roles: list[str] | None = None
    on: dt.date | None = None


class ResponsibleResult(BaseModel):
    key: str
    persons: list[ResponsibleOut]


class ChainLinkOut(Orm):
    region_id: int
    code: str
    name: str
    level: int
    persons: list[ResponsibleOut]


class Page(BaseModel):
    total: int
    offset: int
    limit: int
