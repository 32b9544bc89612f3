"""Delivery receipts (状态报告) from gateways: a sent message reached the phone, or not.

Receipts come in batches, matched by our request id (the delivery key) or the gateway's
message id; both are applied with set-based statements. A receipt may overtake the sender's
own record of the send (the gateway answers the receipt first), so ``sending`` rows are
updated too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from yingji.notify.models import Delivery, DeliveryState
from yingji.notify.sender import mark_delivered, mark_failed

OPEN = (DeliveryState.sent.value, DeliveryState.sending.value)


@dataclass(frozen=True, slots=True)
class Receipt:
    request_id: str | None
    gateway_id: str | None
    delivered: bool
    at: dt.datetime
    error: str | None = None


def apply_receipts(session: Session, channel: str, receipts: Iterable[Receipt]) -> int:
    """Apply the receipts of ``channel``; returns how many deliveries changed."""
    rows = [r for r in receipts if r.request_id or r.gateway_id]
    changed = 0
    conn = session.connection()
    table = Delivery.__table__
    for delivered in (True, False):
        mine = [r for r in rows if r.delivered is delivered]
        if not mine:
            continue
        if delivered:
            values = {
                "state": DeliveryState.delivered.value,
                "delivered_at": bindparam("b_at"),
                "sent_at": func.coalesce(table.c.sent_at, bindparam("b_at")),
            }
        else:
            values = {"state": DeliveryState.failed.value, "last_error": bindparam("b_error")}
        for column, attr in ((table.c.key, "request_id"), (table.c.gateway_id, "gateway_id")):
            params = [
                {
                    "b_match": getattr(r, attr),
                    "b_at": r.at,
                    "b_error": r.error or "未送达 / not delivered",
                }
                for r in mine
                if getattr(r, attr) and (attr == "request_id" or not r.request_id)
            ]
            if not params:
                continue
            stmt = (
                update(table)
                .where(
                    column == bindparam("b_match"),
                    table.c.channel == channel,
                    table.c.state.in_(OPEN),
                )
                .values(**values)
            )
            changed += max(conn.execute(stmt, params).rowcount or 0, 0)
        keys = [r.request_id for r in mine if r.request_id]
        gids = [r.gateway_id for r in mine if r.gateway_id and not r.request_id]
        ids = set(
            session.scalars(
                select(Delivery.instruction_id).where(
                    Delivery.channel == channel,
                    or_(Delivery.key.in_(keys), Delivery.gateway_id.in_(gids)),
                )
            )
        )
        if delivered:
            mark_delivered(session, ids, max(r.at for r in mine))
        else:
            mark_failed(session, ids)
    return changed
