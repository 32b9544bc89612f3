"""Risk point tests start from an empty register: the demo's risk points are removed from
the per-test database copy, so counts and layers hold exactly what each test created."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text


@pytest.fixture(autouse=True)
def no_demo_risk_points(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM assignment WHERE target_kind = 'risk_point'"))
        conn.execute(text("UPDATE hazard SET risk_point_id = NULL"))
        conn.execute(text("DELETE FROM inspection WHERE risk_point_id IS NOT NULL"))
        conn.execute(text("DELETE FROM risk_point"))
