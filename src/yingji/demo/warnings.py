"""Demo warnings over the demo counties, one of each kind a duty officer meets: an orange
rainstorm warning in force with its area drawn, a geological warning raised by an update,
a cancelled gale warning, an expired heat warning, and a red imminent rainstorm warning
over part of 万州 whose calls have run for 25 minutes: most confirmed, the rest redialled
and escalated up two levels, so the live board has a story to tell.

All are published through the warning service as the city operator, so their CAP
envelopes, covered regions and statuses are exactly what daily use would leave behind.
The red warning's calls go through the response plan and call-response code; only the
gateways are imagined (the demo has none), so its deliveries are marked as the gateway
would have reported them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.notify.models import Delivery, DeliveryState
from yingji.warnings import respond, service
from yingji.warnings.callresponse import service as callresponse
from yingji.warnings.callresponse.jobs import follow_up
from yingji.warnings.instruction_models import Instruction, InstructionState

AUTHORITY = "重庆市应急管理局"
WANZHOU = "500101"
YUZHONG = "500103"


def _warning(now: dt.datetime, **fields: Any) -> dict[str, Any]:
    """A warning body with the fields every demo warning shares."""
    body: dict[str, Any] = {
        "stage": "forecast",
        "key_period": False,
        "valid_from": now - dt.timedelta(hours=2),
        "valid_until": now + dt.timedelta(hours=24),
        "authority": AUTHORITY,
        "description": None,
        "instruction": None,
    }
    body.update(fields)
    return body


def load(session: Session, rng: np.random.Generator, now: dt.datetime) -> dict[str, int]:
    """Publish the demo warnings as cq_operator; returns how many warning records exist."""
    user = session.scalar(select(User).where(User.username == "cq_operator"))
    assert user is not None, "demo users must be loaded first"
    actor = actor_for(session, user)
    hours = int(rng.integers(12, 36))
    rain = service.create(
        session,
        actor,
        _warning(
            now,
            category="rainstorm",
            level=2,
            valid_until=now + dt.timedelta(hours=hours),
            area_desc="万州区",
            area={"region_codes": [WANZHOU], "circles": [[108.40, 30.81, 12.0]]},
            headline="万州区发布暴雨橙色预警",
            description="预计未来24小时万州区北部将出现大暴雨，累计雨量100~150毫米。",
            instruction="做好防暴雨应急工作，暂停户外作业，防范山洪、滑坡、泥石流。",
        ),
    )
    first = service.create(
        session,
        actor,
        _warning(
            now,
            category="geological",
            level=4,
            stage="outlook",
            area_desc="万州区、渝中区",
            area={"region_codes": [WANZHOU, YUZHONG]},
            headline="地质灾害气象风险蓝色预警",
        ),
    )
    second = service.create(
        session,
        actor,
        _warning(
            now,
            category="geological",
            level=3,
            key_period=True,
            area_desc="万州区、渝中区",
            area={"region_codes": [WANZHOU, YUZHONG]},
            headline="地质灾害气象风险黄色预警",
            instruction="加强隐患点巡查，危险区群众做好转移准备。",
            replaces=first.id,
        ),
    )
    gale = service.create(
        session,
        actor,
        _warning(
            now,
            category="gale",
            level=4,
            area_desc="渝中区",
            area={"region_codes": [YUZHONG]},
            headline="渝中区大风蓝色预警",
        ),
    )
    service.cancel(session, actor, gale.id)
    heat = service.create(
        session,
        actor,
        _warning(
            now,
            category="heat",
            level=3,
            valid_from=now - dt.timedelta(days=30),
            valid_until=now - dt.timedelta(days=28),
            area_desc="万州区、渝中区",
            area={"region_codes": [WANZHOU, YUZHONG]},
            headline="高温黄色预警",
        ),
    )
    red = _red_rainstorm(session, actor, rng, now)
    return {"warnings": len({w.id for w in (rain, first, second, gale, heat, red)})}


def _red_rainstorm(session: Session, actor: Actor, rng: np.random.Generator, now: dt.datetime):
    """A red imminent rainstorm warning issued 25 minutes ago, played forward: the calls
    are delivered within a minute, about two thirds answer, the rest are redialled and
    escalated to their village heads, of whom half answer, and the rest to the township."""
    issued = now - dt.timedelta(minutes=25)
    red = service.create(
        session,
        actor,
        _warning(
            issued,
            category="rainstorm",
            level=1,
            stage="imminent",
            valid_from=issued,
            valid_until=now + dt.timedelta(hours=6),
            area_desc="万州区北部",
            area={"circles": [[108.38, 30.85, 9.0]]},
            headline="万州区北部暴雨红色预警（临灾）",
            description="过去1小时万州区北部降雨量已超过80毫米，未来2小时仍有强降雨。",
            instruction="立即转移危险区群众，停止一切户外作业。",
        ),
    )
    respond.issue(session, red, issued)
    ids = list(
        session.scalars(
            select(Instruction.id).where(Instruction.warning_id == red.id).order_by(Instruction.id)
        )
    )
    _delivered(session, ids, issued + dt.timedelta(seconds=40))
    answer = rng.random(len(ids)) < 0.65
    vias = ("sms_code", "voice_key", "link", "inbox")
    for instruction_id, yes, via in zip(ids, answer, rng.integers(0, 4, len(ids)), strict=True):
        if yes:
            late = dt.timedelta(seconds=int(rng.integers(60, 280)))
            callresponse.confirm(session, instruction_id, vias[via], issued + late)
    # follow-ups as the worker would have run them: redials, then escalation, twice over
    for minutes in range(5, 25):
        at = issued + dt.timedelta(minutes=minutes, seconds=1)
        counts = follow_up(session, "warning", red.id, at, f"demo{minutes}")
        if counts.get("superior_calls"):
            raised = session.scalars(
                select(Instruction.id).where(
                    Instruction.warning_id == red.id,
                    Instruction.round > 0,
                    Instruction.confirmed_at.is_(None),
                )
            ).all()
            _delivered(session, list(raised), at + dt.timedelta(seconds=30))
            for instruction_id in raised[::2]:
                callresponse.confirm(session, instruction_id, "voice_key", at + _MINUTE)
    return red


_MINUTE = dt.timedelta(minutes=1)


def _delivered(session: Session, instruction_ids: list[int], at: dt.datetime) -> None:
    """What the gateways would have reported: every pending delivery of these instructions
    accepted and delivered at ``at`` (the inbox needs no gateway)."""
    if not instruction_ids:
        return
    session.execute(
        update(Delivery)
        .where(
            Delivery.instruction_id.in_(instruction_ids),
            Delivery.state == DeliveryState.pending.value,
        )
        .values(state=DeliveryState.delivered.value, sent_at=at, delivered_at=at, attempts=1),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(Instruction)
        .where(
            Instruction.id.in_(instruction_ids),
            Instruction.state == InstructionState.pending.value,
        )
        .values(state=InstructionState.delivered.value, sent_at=at, delivered_at=at),
        execution_options={"synchronize_session": False},
    )
