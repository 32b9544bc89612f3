"""Warning tests start from an empty register: the demo's warnings are removed from the
per-test database copy, so counts, feeds and scope checks hold exactly what each test made."""

from __future__ import annotations

import pytest
from sqlalchemy import text


@pytest.fixture(autouse=True)
def no_demo_warnings(request: pytest.FixtureRequest) -> None:
    if "engine" not in request.fixturenames:
        return
    engine = request.getfixturevalue("engine")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM instruction"))
        conn.execute(text("DELETE FROM warning_region"))
        conn.execute(text("UPDATE warning SET replaces_id = NULL"))
        conn.execute(text("DELETE FROM warning"))
