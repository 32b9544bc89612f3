"""Reports as the API and the pages show them: names looked up once per page, identity
always as its placeholder."""

from __future__ import annotations

import decimal
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.files import service as files
from yingji.hazards.models import Hazard
from yingji.regions.models import Region
from yingji.whistle import service
from yingji.whistle.models import STATE_LABELS, TARGET, WhistleEvent, WhistleReport
from yingji.whistle.schemas import (
    EventOut,
    PayoutOut,
    RewardOut,
    WhistleDetail,
    WhistleOut,
)


def outs(session: Session, reports: Sequence[WhistleReport]) -> list[WhistleOut]:
    ids = {r.region_id for r in reports}
    regions = {
        rid: (code, name)
        for rid, code, name in session.execute(
            select(Region.id, Region.code, Region.name).where(Region.id.in_(ids))
        )
    }
    out = []
    for r in reports:
        code, name = regions.get(r.region_id, ("", ""))
        out.append(
            WhistleOut(
                id=r.id,
                code=r.code,
                state=r.state,
                state_label=STATE_LABELS[r.state],
                title=r.title,
                region_id=r.region_id,
                region_code=code,
                region_name=name,
                address=r.address,
                enterprise_name=r.enterprise_name,
                lon=r.lon,
                lat=r.lat,
                reporter=service.identity_label(r),
                hazard_id=r.hazard_id,
                duplicate_of_id=r.duplicate_of_id,
                received_at=r.received_at,
                decided_at=r.decided_at,
            )
        )
    return out


def event_out(event: WhistleEvent) -> EventOut:
    return EventOut(
        id=event.id,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        at=event.at,
        actor=event.actor_name,
        comment=event.comment,
        public_note=event.public_note,
    )


def reward_out(session: Session, report_id: int) -> RewardOut | None:
    reward = service.reward_of(session, report_id)
    if reward is None:
        return None
    payouts = service.payouts_of(session, reward.id)
    decider = session.get(User, reward.decided_by_id) if reward.decided_by_id else None
    return RewardOut(
        amount_yuan=reward.amount_yuan,
        basis=reward.basis,
        decided_by=decider.username if decider else None,
        decided_at=reward.decided_at,
        paid_yuan=sum((p.amount_yuan for p in payouts), decimal.Decimal(0)),
        payouts=[
            PayoutOut(
                id=p.id,
                amount_yuan=p.amount_yuan,
                paid_at=p.paid_at,
                method=p.method,
                method_label=service.PAYOUT_METHODS.get(p.method, p.method),
                reference=p.reference,
            )
            for p in payouts
        ],
    )


def detail(session: Session, actor: Actor, report: WhistleReport) -> WhistleDetail:
    events = service.timeline(session, actor, report.id)
    hazard_code = (
        session.scalar(select(Hazard.code).where(Hazard.id == report.hazard_id))
        if report.hazard_id
        else None
    )
    return WhistleDetail(
        **outs(session, [report])[0].model_dump(),
        description=report.description,
        reject_reason=report.reject_reason,
        hazard_code=hazard_code,
        allowed_actions=[a.value for a in service.allowed(report.state)] if actor.can_write else [],
        can_read_identity=not report.anonymous and service.may_read_identity(actor),
        events=[event_out(e) for e in events],
        photos=[files.as_dict(p) for p in files.list_for(session, TARGET, [report.id])],
        reward=reward_out(session, report.id),
    )
