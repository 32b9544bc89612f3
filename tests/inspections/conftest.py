"""Fixtures for inspection tests: the places and templates the demo users work with."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from yingji.auth.models import User
from yingji.db import session_factory
from yingji.enterprises.models import Enterprise
from yingji.inspections.models import ChecklistTemplate
from yingji.people.models import Assignment, Organisation
from yingji.regions.models import Region
from yingji.risk.models import RiskPoint


def _enterprise_under(s: Any, path: str, exclude: set[int]) -> int:
    stmt = (
        select(Enterprise.id)
        .join(Organisation, Organisation.id == Enterprise.organisation_id)
        .join(Region, Region.id == Organisation.region_id)
        .where(Region.path.startswith(path), Enterprise.id.not_in(exclude))
        .order_by(Enterprise.id)
    )
    found = s.scalar(stmt.limit(1))
    assert found is not None, f"no demo enterprise under {path}"
    return found


@pytest.fixture
def places(engine: Engine) -> dict[str, Any]:
    """Ids: ent_user's enterprise, another enterprise in the city, risk points in
    twp_operator's and twp2_operator's townships, the grid member's assigned risk point,
    and the newest template of each code."""
    with session_factory(engine)() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        ent = users["ent_user"]
        own = s.scalar(
            select(Enterprise.id).where(Enterprise.organisation_id == ent.organisation_id)
        )
        twp = s.get(Region, users["twp_operator"].region_id)
        twp2 = s.get(Region, users["twp2_operator"].region_id)
        point_twp = s.scalar(select(RiskPoint.id).where(RiskPoint.region_id == twp.id).limit(1))
        point_twp2 = s.scalar(select(RiskPoint.id).where(RiskPoint.region_id == twp2.id).limit(1))
        assigned = s.scalar(
            select(Assignment.target_id)
            .where(
                Assignment.person_id == users["grid_user"].person_id,
                Assignment.target_kind == "risk_point",
            )
            .limit(1)
        )
        city = s.get(Region, users["cq_operator"].region_id)
        templates = {
            t.code: t.id
            for t in s.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.version))
        }
        return {
            "own_enterprise": own,
            "other_enterprise": _enterprise_under(s, city.path, {own}),
            "point_twp": point_twp,
            "point_twp2": point_twp2,
            "grid_point": assigned,
            "twp_code": twp.code,
            "twp2_code": twp2.code,
            "hazchem": templates["HAZCHEM-121"],
            "fire": templates["FIRE-35181"],
            "indtrade": templates["INDTRADE-10"],
        }
