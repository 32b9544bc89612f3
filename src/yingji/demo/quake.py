"""The demo's earthquake: a drill assessment of an M6.0 under 万州, two hours before load,
run through the real service by the city bureau's operator, so the earthquake page opens
on a worked example (intensity map, townships, priorities, reports)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.service import actor_for
from yingji.quake import service
from yingji.quake.source import Event

DRILL = Event(
    lat=30.81,
    lon=108.41,
    magnitude=6.0,
    depth_km=10.0,
    name="万州区6.0级地震（演练）",
)


def load(session: Session, rng: np.random.Generator, now: dt.datetime) -> dict[str, Any]:
    user = session.scalar(select(User).where(User.username == "cq_operator"))
    if user is None:
        return {"quake_assessments": 0}
    origin = (now - dt.timedelta(hours=2)).isoformat()
    service.run(session, actor_for(session, user), replace(DRILL, origin_time=origin))
    return {"quake_assessments": 1}
