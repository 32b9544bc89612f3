"""Actors for import/export tests (samples live in ``io_samples``)."""

from __future__ import annotations

import pytest
from io_samples import user_actor
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor


@pytest.fixture
def county(session: Session) -> Actor:
    """The demo operator of 万州区 (500101)."""
    return user_actor(session, "wz_operator")


@pytest.fixture
def admin(session: Session) -> Actor:
    return user_actor(session, "admin")
