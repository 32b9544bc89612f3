"""Shared fixtures for hazard tests: the demo enterprise user's enterprise and a person."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from yingji.auth.models import User
from yingji.db import session_factory
from yingji.enterprises.models import Enterprise


@pytest.fixture
def demo(engine: Engine) -> dict[str, Any]:
    """Ids the tests need: ent_user's enterprise and person, an operator's person."""
    with session_factory(engine)() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        ent = users["ent_user"]
        enterprise = s.scalar(
            select(Enterprise).where(Enterprise.organisation_id == ent.organisation_id)
        )
        assert enterprise is not None
        return {
            "enterprise_id": enterprise.id,
            "owner_person_id": ent.person_id,
            "twp_person_id": users["twp_operator"].person_id,
        }
