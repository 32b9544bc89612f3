"""Warning pages render the register and one warning in zh-CN and en, in scope; the demo
warnings load through the service with every status."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, func, select

from yingji.db import session_factory, utcnow
from yingji.demo import warnings as demo_warnings
from yingji.warnings import service
from yingji.warnings.models import EarlyWarning


@pytest.fixture
def demo_loaded(engine: Engine) -> dict[str, int]:
    """The demo warnings, committed to the per-test database (unless the demo already
    loaded them when the template database was built)."""
    with session_factory(engine)() as s:
        existing = s.scalar(select(func.count()).select_from(EarlyWarning))
        if existing:
            return {"warnings": existing}
        counts = demo_warnings.load(s, np.random.default_rng(7), utcnow())
        s.commit()
    return counts


def _by_headline(engine: Engine) -> dict[str, EarlyWarning]:
    with session_factory(engine)() as s:
        return {w.headline: w for w in s.scalars(select(EarlyWarning))}


def test_demo_warnings_cover_every_status(engine: Engine, demo_loaded: dict[str, int]) -> None:
    warnings = _by_headline(engine)
    assert demo_loaded == {"warnings": len(warnings)} and len(warnings) == 6
    now = dt.datetime.now(dt.UTC)
    status = {h: service.effective_status(w, now) for h, w in warnings.items()}
    assert status["万州区发布暴雨橙色预警"] == "active"
    assert status["地质灾害气象风险蓝色预警"] == "updated"
    assert status["地质灾害气象风险黄色预警"] == "active"
    assert status["渝中区大风蓝色预警"] == "cancelled"
    assert status["高温黄色预警"] == "expired"
    assert status["万州区北部暴雨红色预警（临灾）"] == "active"
    newer = warnings["地质灾害气象风险黄色预警"]
    assert newer.replaces_id == warnings["地质灾害气象风险蓝色预警"].id and newer.key_period


def test_register_page_in_both_languages(pages: Any, demo_loaded: dict[str, int]) -> None:
    page = pages("cq_operator")
    listed = page.get("/warnings")
    assert listed.status_code == 200, listed.text
    assert listed.text.count('data-testid="warning-row"') == demo_loaded["warnings"]
    assert "万州区发布暴雨橙色预警" in listed.text and "wlevel-orange" in listed.text
    assert 'data-testid="new-warning"' in listed.text and 'data-testid="upload-cap"' in listed.text
    live = page.get("/warnings?active_now=true&level=2").text
    assert live.count('data-testid="warning-row"') == 1 and "暴雨橙色" in live
    cancelled = page.get("/warnings?status=cancelled").text
    assert cancelled.count('data-testid="warning-row"') == 1 and "渝中区大风蓝色预警" in cancelled
    assert 'data-testid="filter-error"' in page.get("/warnings?under=999999").text
    page.cookies.set("lang", "en")
    english = page.get("/warnings").text
    assert '<span class="wlevel wlevel-orange">Orange</span>' in english
    assert '<td data-label="Hazard">Rainstorm</td>' in english and "New warning" in english


def test_viewer_sees_no_forms(pages: Any, demo_loaded: dict[str, int]) -> None:
    listed = pages("viewer").get("/warnings")
    assert listed.status_code == 200
    assert 'data-testid="warning-row"' in listed.text
    assert 'data-testid="new-warning"' not in listed.text
    assert 'data-testid="upload-cap"' not in listed.text


def test_detail_page(engine: Engine, pages: Any, demo_loaded: dict[str, int]) -> None:
    warnings = _by_headline(engine)
    rain = warnings["万州区发布暴雨橙色预警"]
    page = pages("cq_operator")
    detail = page.get(f"/warnings/{rain.id}")
    assert detail.status_code == 200, detail.text
    text = detail.text
    assert 'wlevel-orange" data-testid="warning-level">橙色</span>' in text
    assert f'href="/api/v1/warnings/{rain.id}.cap"' in text
    assert 'data-testid="warning-map"' in text and "/static/leaflet/leaflet.js" in text
    assert "万州区" in text and 'data-testid="cancel-warning"' in text
    assert page.get(f"/api/v1/warnings/{rain.id}.cap").status_code == 200
    # history both ways; a superseded warning offers no update or cancel
    older = warnings["地质灾害气象风险蓝色预警"]
    newer = warnings["地质灾害气象风险黄色预警"]
    old_page = page.get(f"/warnings/{older.id}").text
    assert f'href="/warnings/{newer.id}"' in old_page
    assert 'data-testid="cancel-warning"' not in old_page
    assert f'href="/warnings/{older.id}"' in page.get(f"/warnings/{newer.id}").text
    page.cookies.set("lang", "en")
    english = page.get(f"/warnings/{rain.id}").text
    assert 'data-testid="warning-level">Orange</span>' in english
    assert "CAP XML" in english and "Cancel the warning" in english
    viewer = pages("viewer").get(f"/warnings/{rain.id}").text
    assert 'data-testid="cancel-warning"' not in viewer


def test_detail_out_of_scope_is_not_found(
    engine: Engine, pages: Any, demo_loaded: dict[str, int]
) -> None:
    warnings = _by_headline(engine)
    township = pages("twp2_operator")  # a township of 万州区 (500101)
    assert township.get(f"/warnings/{warnings['万州区发布暴雨橙色预警'].id}").status_code == 200
    assert township.get(f"/warnings/{warnings['渝中区大风蓝色预警'].id}").status_code == 404
    assert "渝中区大风蓝色预警" not in township.get("/warnings").text


def test_demo_red_warning_shows_answers_and_escalations_on_the_board(
    api: Any, demo_loaded: dict[str, int]
) -> None:
    """The demo's red warning has run through its plan, confirmations and two levels of
    escalation, and the live board shows all of it."""
    listed = api("cq_operator").get("/api/v1/warnings", params={"level": 1}).json()
    red = next(w for w in listed["items"] if "红色" in w["headline"])
    board = api("cq_operator").get(f"/api/v1/warnings/{red['id']}/board").json()
    totals = board["totals"]
    assert totals["confirmed"] > 0 and totals["escalated"] > 0
    assert totals["confirmed"] + totals["escalated"] <= totals["targeted"]
    escalations = board["escalations"]["items"]
    assert {e["round"] for e in escalations} == {1, 2}
    assert all(e["about"] for e in escalations)
