"""Gateway callbacks: delivery receipts and inbound SMS (replies with a confirm code).

Gateways are not users: they prove themselves with the gateway token in the
``X-Gateway-Token`` header (``YINGJI_GATEWAY_TOKEN``, or by default a key derived from
``YINGJI_SECRET_KEY``; ``expected_token()`` tells it to whoever configures the gateway).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, Field

from yingji.api_deps import DbSession
from yingji.auth.scope import system_actor
from yingji.clock import aware
from yingji.config import Settings, get_settings
from yingji.db import utcnow
from yingji.errors import PermissionDenied, invalid
from yingji.notify import events
from yingji.notify.receipts import Receipt, apply_receipts
from yingji.notify.registry import available_channels
from yingji.people.phones import PhoneError, normalise

router = APIRouter(tags=["notify"])
TOKEN_HEADER = "X-Gateway-Token"


def expected_token(settings: Settings | None = None) -> str:
    """The token gateways must send: the configured one, else derived from the secret key."""
    settings = settings or get_settings()
    if settings.gateway_token is not None and settings.gateway_token.get_secret_value():
        return settings.gateway_token.get_secret_value()
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, b"yingji.gateway-token", hashlib.sha256).hexdigest()[:40]


def require_gateway(
    token: Annotated[str | None, Header(alias=TOKEN_HEADER)] = None,
) -> None:
    if not token or not secrets.compare_digest(token, expected_token()):
        raise PermissionDenied("网关令牌无效 / invalid gateway token")


Gateway = Annotated[None, Depends(require_gateway)]


class ReceiptIn(BaseModel):
    request_id: str | None = Field(None, max_length=200)
    """Our idempotency key, sent as ``request_id`` with the message."""
    message_id: str | None = Field(None, max_length=100)
    """The gateway's own id (answered when it accepted the message)."""
    status: Literal["delivered", "failed"]
    at: dt.datetime | None = None
    error: str | None = Field(None, max_length=500)


class ReceiptsIn(BaseModel):
    receipts: list[ReceiptIn] = Field(max_length=10000)


class InboundSmsIn(BaseModel):
    mobile: str = Field(max_length=32)
    text: str = Field(max_length=1000)
    at: dt.datetime | None = None


def _aware(at: dt.datetime | None) -> dt.datetime:
    """When the gateway says it happened (UTC when it gives no zone), else now."""
    return utcnow() if at is None else aware(at)


@router.post("/notify/receipts/{channel}")
def receipts(
    channel: str, body: ReceiptsIn | ReceiptIn, session: DbSession, _gateway: Gateway
) -> dict[str, int]:
    """Delivery receipts of a channel (one, or ``{"receipts": [...]}``)."""
    if channel not in available_channels():
        raise invalid("channel", f"未知的通知渠道 / unknown channel: {channel}")
    items = body.receipts if isinstance(body, ReceiptsIn) else [body]
    session.info["actor"] = system_actor("gateway")
    changed = apply_receipts(
        session,
        channel,
        (
            Receipt(r.request_id, r.message_id, r.status == "delivered", _aware(r.at), r.error)
            for r in items
        ),
    )
    return {"received": len(items), "updated": changed}


@router.post("/notify/inbound/sms")
def inbound_sms(body: InboundSmsIn, session: DbSession, _gateway: Gateway) -> dict[str, bool]:
    """An SMS a recipient sent back (e.g. the confirm code), handed to call-response."""
    try:
        mobile = normalise(body.mobile)
    except PhoneError as exc:
        raise invalid("mobile", str(exc)) from None
    session.info["actor"] = system_actor("gateway")
    handled = events.replied(session, mobile, body.text.strip(), _aware(body.at))
    return {"handled": handled}
