"""The incident pages and the duty desk: what each shows, for writers and readers, in scope,
and a browser taking a call that registers an incident, then reporting it and writing a note."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from incident_helpers import WANZHOU, actor, incident
from sqlalchemy.orm import Session

from live_server import need_browser, serve, signed_in
from yingji.db import make_engine, utcnow
from yingji.incidents import service
from yingji.web.i18n import CATALOGUE, LOCALES
from yingji.web.texts import incidents as incident_texts

LON, LAT = WANZHOU


def _made(engine, **extra) -> int:
    with Session(engine) as session, session.begin():
        city = actor(session, "cq_operator")
        inc = incident(session, city, now=utcnow(), dead=4, **extra)
        return inc.id


def test_texts_have_both_languages() -> None:
    for key, entry in incident_texts.TEXTS.items():
        assert set(entry) == set(LOCALES) and all(entry.values()), key


def test_every_text_key_used_exists() -> None:
    web = Path(service.__file__).parents[1] / "web"
    used: set[str] = set()
    for name in (
        "incidents.html",
        "incident_detail.html",
        "duty_desk.html",
        "incident_macros.html",
    ):
        text = (web / "templates" / name).read_text("utf-8")
        used |= set(re.findall(r"""t\(\s*["']((?:incident|desk)\.[a-z_.0-9]+)["']""", text))
    used |= set(
        re.findall(
            r"""t\("((?:incident|desk)\.[a-z_.0-9]+)\"""",
            (web / "static" / "incidents.js").read_text("utf-8"),
        )
    )
    assert {k for k in used if not k.endswith(".")} <= CATALOGUE.keys()


def test_the_list_shows_open_incidents_with_their_next_deadline(pages, engine) -> None:
    iid = _made(engine)
    text = pages("cq_operator").get("/incidents").text
    assert f'href="/incidents/{iid}"' in text and "某煤矿透水事故" in text
    assert 'data-testid="intake-form"' in text and "较大" in text and "报县级" in text
    reader = pages("viewer").get("/incidents").text
    assert "某煤矿透水事故" in reader and 'data-testid="intake-form"' not in reader


def test_the_incident_page_for_writers_readers_and_strangers(pages, engine) -> None:
    iid = _made(engine)
    text = pages("cq_operator").get(f"/incidents/{iid}").text
    for part in ("obligations", "report-form", "level-4", "note-form", "timeline", "onemap-link"):
        assert f'data-testid="{part}"' in text, part
    assert "死亡 4 人 ≥ 3" in text
    reader = pages("viewer").get(f"/incidents/{iid}").text
    assert 'data-testid="report-form"' not in reader and 'data-testid="timeline"' in reader
    assert pages("twp2_operator").get(f"/incidents/{iid}").status_code in (200, 404)
    elsewhere = _made(engine, lon=106.55, lat=29.56)
    assert pages("wz_operator").get(f"/incidents/{elsewhere}").status_code == 404


def test_the_duty_desk_lists_what_the_shift_works_from(pages, engine) -> None:
    _made(engine)
    text = pages("cq_operator").get("/duty-desk").text
    for part in ("on-duty", "open-incidents", "call-form", "handover-form", "log-list"):
        assert f'data-testid="{part}"' in text, part
    assert "某煤矿透水事故" in text
    assert 'data-testid="call-form"' not in pages("viewer").get("/duty-desk").text


@pytest.fixture
def served(template, tmp_path: Path) -> Iterator[str]:
    need_browser()
    path = tmp_path / "incidents.db"
    shutil.copy(template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    with serve(engine) as url:
        yield url
    engine.dispose()


def test_browser_call_to_incident_to_report(served: str, tmp_path: Path) -> None:
    with signed_in(served) as browsing:
        page = browsing.page

        page.goto(served + "/duty-desk")
        form = page.get_by_test_id("call-form")
        form.get_by_test_id("field-caller").fill("张三")
        form.get_by_test_id("field-call-text").fill("某村发生山体滑坡，2 人被困")
        form.get_by_test_id("call-is-incident").check()
        form.get_by_test_id("field-title").fill("某村山体滑坡")
        form.get_by_test_id("field-type").select_option("geological")
        form.get_by_test_id("field-lon").fill("10")
        form.get_by_test_id("field-lat").fill("10")
        form.get_by_test_id("call-submit").click()
        lon_error = form.locator("[data-error-for=lon]")
        lon_error.wait_for(state="visible")
        assert "区划" in lon_error.inner_text()
        form.get_by_test_id("field-lon").fill(str(LON))
        form.get_by_test_id("field-lat").fill(str(LAT))
        form.get_by_test_id("field-trapped").fill("2")
        form.get_by_test_id("call-submit").click()
        page.locator("[data-testid=open-incidents] li", has_text="某村山体滑坡").wait_for()
        assert "张三" in page.get_by_test_id("log-list").inner_text()

        page.locator("[data-testid=open-incidents] a", has_text="某村山体滑坡").click()
        page.get_by_test_id("incident-title").wait_for()
        assert (
            page.locator("[data-testid=incident-figures] [data-figure=trapped]").inner_text() == "2"
        )
        countdown = page.locator("[data-testid=due-first-3] [data-role=countdown]")
        assert "分钟" in countdown.inner_text()
        page.get_by_test_id("report-submit").click()
        page.locator("[data-testid=obligations] tr[data-state=done]").first.wait_for()
        page.get_by_test_id("note-text").fill("县应急局已派工作组")
        page.get_by_test_id("note-submit").click()
        page.locator("[data-testid=timeline] li[data-kind=note]", has_text="工作组").wait_for()
        page.screenshot(path=str(tmp_path / "incident.png"), full_page=True)
