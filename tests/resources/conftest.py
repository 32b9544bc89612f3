"""Actors and a small stock for the resources tests (on the demo database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from resources_helpers import WANZHOU, actor
from sqlalchemy.orm import Session

from set_aside import set_aside_demo_resources
from yingji.auth.scope import Actor
from yingji.config import get_settings
from yingji.resources import registry


@pytest.fixture(autouse=True)
def _no_demo_resources(request: pytest.FixtureRequest) -> None:
    """The demo stocks 重庆 with teams and warehouses; tests here count their own."""
    for name in ("engine", "sqlite_engine"):
        if name in request.fixturenames:
            set_aside_demo_resources(request.getfixturevalue(name))


@pytest.fixture
def city(session: Session) -> Actor:
    return actor(session, "cq_operator")


@pytest.fixture
def catalogue(session: Session, city: Actor) -> dict[str, int]:
    items = [
        {"code": "TENT", "name": "帐篷", "unit": "顶", "category": "shelter", "unit_price": 1500},
        {"code": "QUILT", "name": "棉被", "unit": "床", "category": "shelter", "unit_price": 200},
        {"code": "SANDBAG", "name": "编织袋", "unit": "条", "category": "flood", "unit_price": 2},
        {
            "code": "WATER",
            "name": "饮用水",
            "unit": "箱",
            "category": "food",
            "unit_price": 30,
            "shelf_life_days": 365,
        },
    ]
    return {m["code"]: registry.create_material(session, city, m).id for m in items}


@pytest.fixture
def store(session: Session, city: Actor, catalogue: dict[str, int]) -> int:
    lon, lat = WANZHOU
    return registry.create_warehouse(
        session,
        city,
        {"code": "WZ-CK1", "name": "万州区救灾物资储备库", "level": 3, "lon": lon, "lat": lat},
    ).id


@pytest.fixture
def storage(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A storage root of the test's own (the road network is kept there)."""
    monkeypatch.setenv("YINGJI_STORAGE_ROOT", str(tmp_path / "storage"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
