"""The quick report pages: the phone form offers the places in the user's subtree (their
own by default), readers get no form; the list shows the township's verification queue with
verify / send-back forms (never on one's own report), the totals by region and the conflicts
highlighted; every text in both languages. In a real browser at phone size: the position
from the phone, a field error from the API beside its field, a report with a photo sent;
then the township verifies it from the list."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from incident_helpers_quick import actor, inside, places, png
from sqlalchemy import Engine, select

from live_server import need_browser, serve, signed_in
from yingji.config import get_settings
from yingji.db import make_engine, session_factory
from yingji.files.models import Attachment
from yingji.incidents import quick
from yingji.incidents.quick_models import QuickReport
from yingji.web import quick_pages
from yingji.web.i18n import CATALOGUE, LOCALES
from yingji.web.templating import TEMPLATES_DIR
from yingji.web.texts import quick as quick_texts

RAW_KEY = re.compile(r">\s*((?:quick\.|nav\.quick)[a-z0-9_.]*)\s*<")
TEXT_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
PAGES = ("/quick-reports", "/quick-reports/new")


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("YINGJI_STORAGE_ROOT", str(tmp_path / "storage"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _options(page: str) -> list[tuple[str, bool]]:
    """(value, selected) of the place select's options."""
    select_html = page.split('name="region_code"', 1)[1].split("</select>", 1)[0]
    return [
        (m.group(1), "selected" in m.group(0))
        for m in re.finditer(r'<option value="([^"]*)"[^>]*>', select_html)
    ]


@pytest.fixture
def reported(engine: Engine) -> dict[str, Any]:
    """Two reports of the grid that disagree (one by the grid member, one by the township),
    and one of the other township; committed, so the pages see them."""
    with session_factory(engine)() as s:
        p = places(s)
        now = dt.datetime.now(dt.UTC)
        grid = quick.submit(s, actor(s, "grid_user"), {"dead": 1, "injured": 2}, now=now)
        own = quick.submit(
            s,
            actor(s, "twp_operator"),
            {"region_code": p.grid.code, "dead": 3, "text": "村委会电话报告"},
            now=now + dt.timedelta(minutes=30),
        )
        other = quick.submit(
            s, actor(s, "twp2_operator"), {"region_code": p.other_village.code, "missing": 4}
        )
        s.commit()
        return {"places": p, "grid": grid.id, "own": own.id, "other": other.id}


def test_every_quick_text_has_both_languages() -> None:
    for key, entry in quick_texts.TEXTS.items():
        for locale in LOCALES:
            assert entry.get(locale, "").strip(), f"{key} has no {locale} text"
    assert "nav.quick_reports" in CATALOGUE


def test_every_text_key_used_exists() -> None:
    used: set[str] = set()
    for path in TEMPLATES_DIR.glob("quick_*.html"):
        used |= set(TEXT_KEY.findall(path.read_text(encoding="utf-8")))
    js = (TEMPLATES_DIR.parent / "static" / "quick.js").read_text(encoding="utf-8")
    used |= set(TEXT_KEY.findall(js))
    used = {key for key in used if not key.endswith(".")}  # prefixes of keys built below
    used |= {f"quick.fig.{f}" for f in quick.FIGURES}
    used |= {f"quick.status.{s}" for s in quick_pages.STATUSES}
    assert len(used) > 40
    assert used <= CATALOGUE.keys(), sorted(used - CATALOGUE.keys())


def test_the_form_offers_the_places_of_the_users_subtree(pages, engine: Engine) -> None:
    with session_factory(engine)() as s:
        p = places(s)
    grid_page = pages("grid_user").get("/quick-reports/new")
    assert grid_page.status_code == 200
    assert _options(grid_page.text) == [(p.grid.code, True), ("", False)]
    assert 'data-testid="quick-locate"' in grid_page.text
    assert 'type="file" name="photos"' in grid_page.text

    township = dict(_options(pages("twp_operator").get("/quick-reports/new").text))
    assert township[p.township.code] is True  # their own place first, chosen
    assert {p.village.code, p.grid.code, p.grid2.code, p.village2.code} <= township.keys()
    assert p.other_village.code not in township

    county = _options(pages("wz_operator").get("/quick-reports/new").text)
    assert county[0] == ("", True)  # a county is no place: "from my position" first
    assert p.other_village.code in dict(county) and p.county.code not in dict(county)

    reader = pages("viewer").get("/quick-reports/new").text
    assert 'data-testid="quick-cannot-report"' in reader and 'id="quick-form"' not in reader


def test_too_many_places_turn_the_picker_into_a_code_field(
    pages, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quick_pages, "PLACE_CHOICES_MAX", 3)
    text = pages("cq_operator").get("/quick-reports/new").text
    assert '<input name="region_code"' in text and '<select name="region_code"' not in text


def test_the_form_offers_the_incidents_above_the_reporter(pages, engine: Engine) -> None:
    from incident_helpers_quick import incident

    with session_factory(engine)() as s:
        p = places(s)
        mine = incident(s, p.township, code="PG-Q1")
        theirs = incident(s, p.other_township, code="PG-Q2")
        s.commit()
        mine_id, theirs_id = mine.id, theirs.id
    text = pages("grid_user").get(f"/quick-reports/new?incident_id={mine_id}").text
    assert f'<option value="{mine_id}" selected>' in text
    assert f'value="{theirs_id}"' not in text


def test_the_list_shows_the_queue_totals_and_conflicts(pages, reported) -> None:
    p = reported["places"]
    text = pages("twp_operator").get("/quick-reports").text
    assert f'data-testid="quick-decide-{reported["grid"]}"' in text  # someone else's: decide
    assert f'data-testid="quick-decide-{reported["own"]}"' not in text  # their own: not
    assert "本人上报，须由他人核实" in text
    assert f'<tr data-id="{reported["other"]}"' not in text  # the other township's
    # the two reports of the grid disagree: flagged, and both rows marked
    conflict = text.split('data-testid="quick-conflict"', 1)[1].split("</article>", 1)[0]
    assert 'data-open="1"' in conflict
    assert 'data-field="dead"' in conflict and 'data-field="injured"' in conflict
    for rid in (reported["grid"], reported["own"]):
        assert re.search(rf'<tr data-id="{rid}"[^>]*data-disputed="1"', text)
    # nothing verified yet: the newest unverified figures show in brackets
    totals = text.split('data-testid="quick-totals"', 1)[1].split("</section>", 1)[0]
    assert f'data-code="{p.village.code}"' in totals and "未核实 3" in totals

    other = pages("twp2_operator").get("/quick-reports").text
    assert f'<tr data-id="{reported["grid"]}"' not in other
    assert f'<tr data-id="{reported["other"]}"' in other
    assert 'data-testid="quick-no-conflicts"' in other

    grid_view = pages("grid_user").get("/quick-reports?status=").text
    assert f'<tr data-id="{reported["grid"]}"' in grid_view
    assert 'data-testid="quick-decide-' not in grid_view  # a grid member does not verify


def test_verified_reports_leave_the_queue(api, pages, reported) -> None:
    reply = api("twp_operator").post(f"/api/v1/quick-reports/{reported['grid']}/verify")
    assert reply.status_code == 200, reply.text
    queue = pages("twp_operator").get("/quick-reports").text
    assert f'<tr data-id="{reported["grid"]}"' not in queue
    verified = pages("twp_operator").get("/quick-reports?status=verified").text
    assert f'<tr data-id="{reported["grid"]}" data-status="verified"' in verified
    assert "处理人：twp_operator" in verified


def test_pages_in_english_and_signed_out(api, pages, reported) -> None:
    for user in ("admin", "twp_operator", "grid_user", "viewer"):
        client = pages(user)
        for path in PAGES:
            reply = client.get(path)
            assert reply.status_code == 200, (user, path, reply.text[:300])
            assert not RAW_KEY.findall(reply.text), (path, RAW_KEY.findall(reply.text))
    client = pages("twp_operator")
    client.get("/lang/en")
    text = client.get("/quick-reports").text
    assert "Totals by region" in text and "Conflicting figures" in text and "按区划汇总" not in text
    assert "Send report" in client.get("/quick-reports/new").text
    for path in PAGES:
        reply = api.anonymous().get(path, follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/login")


# --- in a real browser --------------------------------------------------------------------


@pytest.fixture
def served(template, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """Yingji on a copy of the test database, for a real browser."""
    need_browser()
    path = tmp_path / "quick.db"
    shutil.copy(template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    with serve(engine) as url:
        yield url, engine
    engine.dispose()


def test_browser_phone_form_sends_a_report(served, tmp_path: Path) -> None:
    server, engine = served
    with session_factory(engine)() as s:
        p = places(s)
        lon, lat = inside(p.grid)
    with signed_in(
        server,
        "grid_user",
        viewport=(390, 844),
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": lon, "latitude": lat},
        permissions=["geolocation"],
    ) as phone:
        page = phone.page
        page.goto(server + "/quick-reports/new")
        form = page.get_by_test_id("quick-form")
        assert form.get_by_test_id("quick-place").input_value() == p.grid.code

        form.get_by_test_id("quick-locate").click()
        page.wait_for_function("document.querySelector('[data-testid=quick-lon]').value !== ''")
        assert abs(float(form.get_by_test_id("quick-lon").input_value()) - lon) < 1e-5
        assert abs(float(form.get_by_test_id("quick-lat").input_value()) - lat) < 1e-5
        assert str(lon)[:6] in form.get_by_test_id("quick-locate-status").inner_text()

        # a negative figure: the API's reason lands beside that field
        form.get_by_test_id("quick-dead").fill("-1")
        form.get_by_test_id("quick-submit").click()
        dead_error = form.locator("[data-error-for=dead]")
        dead_error.wait_for(state="visible")
        assert "整数" in dead_error.inner_text()
        assert form.get_by_test_id("quick-error").is_visible()

        form.get_by_test_id("quick-dead").fill("2")
        form.get_by_test_id("quick-trapped").fill("5")
        form.get_by_test_id("quick-text").fill("山体滑坡，两户房屋被埋")
        form.get_by_test_id("quick-photos").set_input_files(
            {"name": "scene.png", "mimeType": "image/png", "buffer": png()}
        )
        form.get_by_test_id("quick-submit").click()
        sent = page.get_by_test_id("quick-sent")
        sent.wait_for(state="visible")
        report_id = int(sent.get_attribute("data-id") or 0)
        assert report_id and "第1网格" in sent.inner_text()
        assert not dead_error.is_visible()
        assert form.get_by_test_id("quick-dead").input_value() == ""  # ready for the next one
        # one column on the phone: nothing sticks out sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        page.screenshot(path=str(tmp_path / "quick-form.png"), full_page=True)

    # the township verifies it from the list
    with signed_in(server, "twp_operator") as browsing:
        desk = browsing.page
        desk.goto(server + "/quick-reports")
        desk.get_by_test_id(f"quick-verify-{report_id}").click()
        desk.locator(f'tr[data-id="{report_id}"]').wait_for(state="detached")
        total = desk.get_by_test_id("quick-total-sum").locator("[data-field=dead]")
        assert total.inner_text().strip() == "2"

    with session_factory(engine)() as s:
        report = s.get(QuickReport, report_id)
        assert report is not None
        assert report.region_id == p.grid.id and report.status == "verified"
        assert (report.dead, report.trapped, report.reporter) == (2, 5, "grid_user")
        assert report.lon is not None and abs(report.lon - lon) < 1e-5
        photos = s.scalars(
            select(Attachment).where(
                Attachment.owner_kind == "quick_report", Attachment.owner_id == report_id
            )
        ).all()
        assert [a.filename for a in photos] == ["scene.png"]
