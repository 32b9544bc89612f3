"""The incident tests count what they create: the demo's incidents, flow and tasks are set
aside first (helpers are imported by name from the *_helpers modules, not from here)."""

from __future__ import annotations

import pytest

from set_aside import set_aside_demo_incidents


@pytest.fixture(autouse=True)
def _no_demo_incidents(request: pytest.FixtureRequest) -> None:
    for name in ("engine", "sqlite_engine"):
        if name in request.fixturenames:
            set_aside_demo_incidents(request.getfixturevalue(name))
