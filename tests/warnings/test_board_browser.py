"""The live board in a real browser (Debian's chromium through Playwright, uvicorn on a
copy of the test database): the map draws the regions coloured by confirmation rate, the
timeline is drawn, and a confirmation made meanwhile appears without a reload.

Skipped (with the reason printed) when ``/usr/bin/chromium`` or ``playwright`` is missing.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from board_scenario import build
from sqlalchemy import update

from yingji.db import make_engine, session_factory, utcnow
from yingji.warnings.instruction_models import Instruction

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(template, tmp_path: Path) -> Iterator[tuple[str, object]]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    import uvicorn

    from yingji.app import create_app

    path = tmp_path / "board.db"
    shutil.copy(template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(create_app(engine=engine), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", engine
    srv.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def test_board_map_timeline_and_live_update(served) -> None:
    from playwright.sync_api import sync_playwright

    server, engine = served
    with session_factory(engine)() as session:
        session.execute(Instruction.__table__.delete())
        s = build(session)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto(server + "/login")
        page.get_by_test_id("username").fill("cq_operator")
        page.get_by_test_id("password").fill("yingji-demo")
        page.get_by_test_id("login-submit").click()
        page.wait_for_url(server + "/")
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
        assert not problems, problems
        browser.close()
