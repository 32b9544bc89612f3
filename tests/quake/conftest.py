"""A session-wide pool of county exposure units: building it parses the boundary package."""

from __future__ import annotations

import pytest

from yingji.quake import units


@pytest.fixture(scope="session")
def pool(tmp_path_factory: pytest.TempPathFactory) -> units.Units:
    return units.counties(tmp_path_factory.mktemp("quake-cache"))
