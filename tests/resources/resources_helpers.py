"""Helpers the resources tests import by name (a module, not ``conftest``: test folders
here have no ``__init__``, so "conftest" means whichever folder's was imported last)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for

WANZHOU = (108.41, 30.81)
"""A point in 万州区 (demo county 500101)."""


def actor(session: Session, username: str) -> Actor:
    return actor_for(session, session.scalar(select(User).where(User.username == username)))
