"""The warning's board page renders the figures, map, timeline and tables; the warning
page links to it; out-of-scope warnings are not found."""

from __future__ import annotations

import json

from board_scenario import build, make_warning
from sqlalchemy.orm import Session


def test_board_page_renders_numbers(session: Session, pages) -> None:
    s = build(session)
    client = pages("cq_operator")
    detail = client.get(f"/warnings/{s.warning_id}")
    assert f'href="/warnings/{s.warning_id}/board"' in detail.text
    page = client.get(f"/warnings/{s.warning_id}/board")
    assert page.status_code == 200
    text = page.text
    for testid in ("board-kpis", "board-map", "board-timeline", "board-regions", "board-layers"):
        assert f'data-testid="{testid}"' in text
    assert 'data-figure="targeted">8<' in text
    assert 'data-testid="board-unanswered">2<' in text
    assert s.names["p3"] in text and s.names["p4"] in text  # the unanswered list
    assert "/static/leaflet/leaflet.js" in text and "/static/app/board.js" in text
    config = json.loads(text.split('id="yingji-config" type="application/json">')[1].split("<")[0])
    assert config["boardApi"] == f"/warnings/{s.warning_id}/board"
    assert config["boardGeo"] == f"/warnings/{s.warning_id}/board.geojson"
    by_county = client.get(f"/warnings/{s.warning_id}/board", params={"level": "3"})
    assert by_county.status_code == 200 and "level=3" in by_county.text


def test_board_page_scope(session: Session, pages) -> None:
    s = build(session)
    mine = pages("twp_operator").get(f"/warnings/{s.warning_id}/board")
    assert mine.status_code == 200 and 'data-figure="targeted">4<' in mine.text
    hidden = make_warning(session, ["500102"])
    session.commit()
    assert pages("twp_operator").get(f"/warnings/{hidden}/board").status_code == 404


def test_static_files_served(session: Session, pages) -> None:
    client = pages("admin")
    for name in ("board.js", "board.css", "direct.js"):
        assert client.get(f"/static/app/{name}").status_code == 200
