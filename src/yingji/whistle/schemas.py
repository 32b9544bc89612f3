"""Pydantic shapes of whistle reports in and out of the API. The public shapes are separate
classes with only the fields a reporter may see, so nothing internal is added by accident."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from pydantic import BaseModel, Field


class FormOut(BaseModel):
    """What a client needs to show the public form: a token, its question, the regions."""

    form_token: str
    question: str
    min_fill_seconds: int
    regions: list[dict[str, Any]]


class ReceiptOut(BaseModel):
    receipt: str
    """Shown once: the only way to follow the report. Only its hash is kept."""
    state: str
    state_label: str
    received_at: dt.datetime


class PublicNote(BaseModel):
    at: dt.datetime
    state: str
    note: str


class PublicStatus(BaseModel):
    state: str
    state_label: str
    title: str
    received_at: dt.datetime
    decided_at: dt.datetime | None
    reject_reason: str | None
    notes: list[PublicNote]
    reward_granted: bool
    reward_yuan: decimal.Decimal | None
    reward_paid: bool


class ActionIn(BaseModel):
    """accept: title, enterprise_id (optional, for the hazard). reject: reason (required).
    duplicate: duplicate_of (the earlier report's code). public_note: shown to the reporter;
    comment: internal only."""

    comment: str | None = None
    public_note: str | None = Field(None, max_length=2000)
    reason: str | None = Field(None, max_length=2000)
    duplicate_of: str | None = None
    title: str | None = Field(None, max_length=200)
    enterprise_id: int | None = None


class RewardIn(BaseModel):
    amount_yuan: decimal.Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    basis: str = Field(min_length=1, max_length=2000)


class PayoutIn(BaseModel):
    method: str = Field(description="bank_transfer / cash / mobile_payment")
    amount_yuan: decimal.Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    """Default: everything still unpaid."""
    paid_at: dt.datetime | None = None
    reference: str | None = Field(None, max_length=100)


class EventOut(BaseModel):
    id: int
    action: str
    from_state: str | None
    to_state: str
    at: dt.datetime
    actor: str
    comment: str | None
    public_note: str | None


class PayoutOut(BaseModel):
    id: int
    amount_yuan: decimal.Decimal
    paid_at: dt.datetime
    method: str
    method_label: str
    reference: str | None


class RewardOut(BaseModel):
    amount_yuan: decimal.Decimal
    basis: str
    decided_by: str | None
    decided_at: dt.datetime
    paid_yuan: decimal.Decimal
    payouts: list[PayoutOut]


class WhistleOut(BaseModel):
    id: int
    code: str | None
    state: str
    state_label: str
    title: str
    region_id: int
    region_code: str
    region_name: str
    address: str | None
    enterprise_name: str | None
    lon: float | None
    lat: float | None
    reporter: str
    """Always the placeholder: 匿名 or 已加密; the identity is read separately, audited."""
    hazard_id: int | None
    duplicate_of_id: int | None
    received_at: dt.datetime
    decided_at: dt.datetime | None


class WhistleDetail(WhistleOut):
    description: str | None
    reject_reason: str | None
    hazard_code: str | None
    allowed_actions: list[str]
    can_read_identity: bool
    events: list[EventOut]
    photos: list[dict[str, Any]]
    reward: RewardOut | None


class IdentityOut(BaseModel):
    name: str
    phone: str
