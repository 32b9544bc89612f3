"""Demo warnings over the demo counties, one of each kind a duty officer meets: an orange
rainstorm warning in force with its area drawn, a geological warning raised by an update,
a cancelled gale warning and an expired heat warning.

All are published through the warning service as the city operator, so their CAP
envelopes, covered regions and statuses are exactly what daily use would leave behind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.service import actor_for
from yingji.warnings import service

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
    return {"warnings": len({w.id for w in (rain, first, second, gale, heat)})}
