"""The live board in a real browser (Debian's chromium through Playwright, uvicorn on a
copy of the test database): the map draws the regions coloured by confirmation rate, the
timeline is drawn, and a confirmation made meanwhile appears without a reload.

Skipped (with the reason printed) when ``/usr/bin/chromium`` or ``playwright`` is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from board_scenario import build
from sqlalchemy import update

from live_server import need_browser, serve, signed_in
from yingji.db import make_engine, session_factory, utcnow
from yingji.warnings.instruction_models import Instruction


@pytest.fixture
def served(template, tmp_path: Path) -> Iterator[tuple[str, object]]:
    need_browser()
    path = tmp_path / "board.db"
    shutil.copy(template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    with serve(engine) as url:
        yield url, engine
    engine.dispose()


def test_board_map_timeline_and_live_update(served) -> None:
    server, engine = served
    with session_factory(engine)() as session:
        session.execute(Instruction.__table__.delete())
        s = build(session)
    with signed_in(server) as browsing:
        page = browsing.page
        page.goto(f"{server}/warnings/{s.warning_id}/board")
        page.wait_for_function("document.getElementById('board-map').dataset.regions !== undefined")
        assert page.get_by_test_id("board-map").get_attribute("data-regions") == "3"
        assert page.locator("#board-map .leaflet-overlay-pane path").count() == 3
        fills = {
            page.locator("#board-map .leaflet-overlay-pane path").nth(i).get_attribute("fill")
            for i in range(3)
        }
        assert "#2e7d32" in fills  # the county: every asked person confirmed
        assert page.locator("#board-timeline polyline").count() == 4
        assert page.get_by_test_id("board-confirmed").inner_text() == "2"
        with session_factory(engine)() as session:
            session.execute(
                update(Instruction)
                .where(Instruction.id == s.instructions["p3"])
                .values(state="confirmed", confirmed_at=utcnow(), confirmed_via="link")
            )
            session.commit()
        page.wait_for_function(
            "document.querySelector('[data-testid=board-confirmed]').textContent === '3'"
        )
        assert page.get_by_test_id("board-unanswered").inner_text() == "1"
        page.screenshot(path=str(Path(engine.url.database).parent / "board.png"))
