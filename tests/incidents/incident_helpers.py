"""Helpers the incident tests import by name (a module, not ``conftest``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.incidents import service
from yingji.incidents.models import Incident

WANZHOU = (108.41, 30.81)
"""A point in 万州区 (demo county 500101)."""
T0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)


def actor(session: Session, username: str) -> Actor:
    return actor_for(session, session.scalar(select(User).where(User.username == username)))


def incident(session: Session, who: Actor, now: dt.datetime = T0, **extra: Any) -> Incident:
    lon, lat = WANZHOU
    data = {
        "title": "某煤矿透水事故",
        "type_code": "mine",
        "lon": lon,
        "lat": lat,
        "occurred_at": now.isoformat(),
        **extra,
    }
    return service.create(session, who, data, now=now)
