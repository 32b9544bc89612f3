"""The tiny demo holds one report in each state, handled as in daily use."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.hazards.models import Hazard
from yingji.whistle import service
from yingji.whistle.models import WhistleReport, WhistleState


def test_demo_reports_cover_every_state(session: Session) -> None:
    reports = {r.state: r for r in session.scalars(select(WhistleReport))}
    assert set(reports) == {s.value for s in WhistleState}
    accepted = reports["accepted"]
    hazard = session.get(Hazard, accepted.hazard_id)
    assert hazard is not None and hazard.source == "whistle"
    reward = service.reward_of(session, accepted.id)
    assert reward is not None and service.payouts_of(session, reward.id)
    assert reports["duplicate"].duplicate_of_id == accepted.id
    assert reports["rejected"].reject_reason
    assert reports["verifying"].identity_cipher and reports["received"].anonymous
