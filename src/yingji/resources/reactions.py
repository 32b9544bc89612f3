"""What dispatch does when others report: a team contact's answer to a dispatch call
acknowledges the order it carried."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import reactions
from yingji.resources import dispatch
from yingji.resources.models import DispatchOrder, OrderState
from yingji.warnings.instruction_models import Instruction


@reactions.on("instruction.confirmed")
def acknowledge(session: Session, *, instruction_id: int, via: str, at: dt.datetime) -> None:
    """Move the order still waiting on this call to acknowledged (a later state stays)."""
    call = select(Instruction.direct_id).where(Instruction.id == instruction_id)
    direct_id = session.scalar(call)
    if direct_id is None:
        return
    order = session.scalar(
        select(DispatchOrder).where(
            DispatchOrder.direct_id == direct_id, DispatchOrder.state == OrderState.issued
        )
    )
    if order is None:
        return
    order.state = OrderState.acknowledged
    order.history = [
        *order.history,
        {"state": OrderState.acknowledged.value, "at": at.isoformat(), "by": f"team_contact:{via}"},
    ]
    session.flush()
    dispatch.announce(session, order, f"team_contact:{via}")
