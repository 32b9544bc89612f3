"""The review pages: one incident's measures, findings and corrective actions (forms for
writers only), the corrective-action list with overdue ones highlighted, the sitrep links
partial; every text in both languages; and, in a real browser when chromium and Playwright
are installed, findings saved and an action added (with a field error first) and closed."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from review_helpers import actor, incident, story
from sqlalchemy.orm import Session

from live_server import need_browser, serve, signed_in
from yingji import clock
from yingji.db import make_engine, session_factory
from yingji.incidents import review
from yingji.web.i18n import CATALOGUE, LOCALES
from yingji.web.templating import TEMPLATES_DIR
from yingji.web.texts import review as review_texts

RAW_KEY = re.compile(r">\s*(review\.[a-z0-9_.]+)\s*<")
TEXT_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
TEMPLATES = ("review_incident.html", "review_actions.html", "sitrep_links.html")


@pytest.fixture
def ids(session: Session) -> dict[str, int]:
    """A story in 万州区 with a review, an overdue and a closed action, and an incident in
    涪陵区; committed for the pages to see."""
    here = story(session)
    there = incident(session, region="500102", title="涪陵区洪涝")
    wz = actor(session, "wz_operator")
    review.save(session, wz, here.id, "首报用时偏长。")
    late = review.add_action(
        session,
        wz,
        here.id,
        title="完善值班接报流程",
        owner="万州区应急管理局",
        due_on=clock.today() - dt.timedelta(days=3),
    )
    done = review.add_action(session, wz, here.id, title="补充监测设备", owner="区规自局")
    review.close_action(session, wz, done.id, "已采购到位")
    session.commit()
    return {"here": here.id, "there": there.id, "late": late.id, "done": done.id}


def test_review_page_for_a_writer(pages, ids: dict[str, int]) -> None:
    page = pages("wz_operator").get(f"/incidents/{ids['here']}/review")
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="metric-first_report-occurred">40<' in html
    assert 'data-testid="metric-first_arrival-received">65<' in html
    assert 'data-testid="metric-tasks_on_time">1/3 · 33.3%<' in html
    assert 'data-testid="metric-warnings_confirmed">8/10 · 80.0%<' in html
    assert "以上为评估保存时" in html
    assert 'id="findings-form"' in html and "首报用时偏长。</textarea>" in html
    assert 'id="action-form"' in html
    row = re.search(rf'<tr data-action="{ids["late"]}"[^>]*>', html)
    assert row is not None and 'class="overdue"' in row.group(0)
    assert f'data-testid="close-{ids["late"]}"' in html
    assert f'data-testid="close-{ids["done"]}"' not in html  # closed: no close form
    assert "已采购到位" in html
    links = re.findall(r'href="(/api/v1/incidents/\d+/(?:sitrep|review)\.\w+)"', html)
    here = ids["here"]
    assert {f"/api/v1/incidents/{here}/sitrep.{f}" for f in ("html", "pdf", "docx")} <= set(links)
    assert {f"/api/v1/incidents/{here}/review.{f}" for f in ("html", "pdf", "docx")} <= set(links)
    assert "/static/app/review.js" in html
    assert not RAW_KEY.findall(html)


def test_review_page_for_a_reader_and_outsiders(pages, ids: dict[str, int]) -> None:
    html = pages("viewer").get(f"/incidents/{ids['here']}/review").text
    assert 'id="findings-form"' not in html and 'id="action-form"' not in html
    assert 'data-testid="findings-text">首报用时偏长。<' in html
    assert 'data-testid="close-' not in html
    outside = pages("wz_operator").get(f"/incidents/{ids['there']}/review")
    assert outside.status_code == 404
    assert pages("twp2_operator").get(f"/incidents/{ids['here']}/review").status_code == 404


def test_action_list_highlights_overdue(pages, ids: dict[str, int]) -> None:
    wz = pages("wz_operator")
    html = wz.get("/review-actions").text
    assert re.search(rf'<tr data-action="{ids["late"]}" data-status="open" class="overdue">', html)
    assert f'data-testid="overdue-{ids["late"]}"' in html
    assert f'data-action="{ids["done"]}"' not in html
    closed = wz.get("/review-actions?show=closed").text
    assert f'data-action="{ids["done"]}"' in closed and f'data-action="{ids["late"]}"' not in closed
    overdue = wz.get("/review-actions?show=overdue").text
    assert f'data-action="{ids["late"]}"' in overdue
    everything = wz.get("/review-actions?show=all").text
    assert f'data-action="{ids["late"]}"' in everything
    assert f'data-action="{ids["done"]}"' in everything
    assert f'data-action="{ids["late"]}"' not in pages("twp2_operator").get("/review-actions").text
    assert not RAW_KEY.findall(html)


def test_pages_in_english(pages, ids: dict[str, int]) -> None:
    client = pages("wz_operator")
    client.get("/lang/en", follow_redirects=False)
    html = client.get(f"/incidents/{ids['here']}/review").text
    assert "After-action review" in html and "Corrective actions" in html
    assert "Overdue" in client.get("/review-actions").text


def test_pages_need_sign_in(api, ids: dict[str, int]) -> None:
    for path in (f"/incidents/{ids['here']}/review", "/review-actions"):
        reply = api.anonymous().get(path, follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/login")


def test_every_text_key_exists_in_every_language() -> None:
    used = set()
    for name in TEMPLATES:
        keys = TEXT_KEY.findall((TEMPLATES_DIR / name).read_text("utf-8"))
        used |= {k for k in keys if not k.endswith(".")}  # prefixes are completed below
    used |= {f"review.actions.show.{k}" for k in ("open", "overdue", "closed", "all")}
    used |= {f"review.metric.{k}" for k in ("first_report", "response", "first_arrival")}
    used |= {f"review.format.{k}" for k in ("html", "pdf", "docx")}
    missing = sorted(k for k in used if k not in CATALOGUE)
    assert not missing
    for key, entry in review_texts.TEXTS.items():
        assert key.startswith("review.") or key == "nav.review_actions", key
        assert set(entry) == set(LOCALES), key


# --- in a real browser --------------------------------------------------------------------


@pytest.fixture
def served(template, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """Yingji on a copy of the test database with one incident, for a real browser."""
    need_browser()
    path = tmp_path / "review.db"
    shutil.copy(template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    with session_factory(engine)() as session:
        incident_id = story(session).id
        session.commit()
    with serve(engine) as url:
        yield url, incident_id
    engine.dispose()


def test_browser_saves_findings_and_tracks_an_action(served: tuple[str, int]) -> None:
    server, incident_id = served
    with signed_in(server, "wz_operator") as browsing:
        page = browsing.page

        page.goto(f"{server}/incidents/{incident_id}/review")
        assert "尚未保存评估" in page.get_by_test_id("metrics-basis").inner_text()
        page.get_by_test_id("findings-input").fill("首报用时偏长。")
        page.get_by_test_id("findings-save").click()
        page.get_by_test_id("metrics-basis").filter(has_text="评估保存时").wait_for()
        assert page.get_by_test_id("findings-input").input_value() == "首报用时偏长。"

        form = page.get_by_test_id("action-form")
        form.get_by_test_id("action-owner").fill("万州区应急管理局")
        form.get_by_test_id("action-add").click()
        title_error = form.locator("[data-error-for=title]")
        title_error.wait_for(state="visible")
        assert "必填" in title_error.inner_text()
        form.get_by_test_id("action-title").fill("完善值班接报流程")
        form.get_by_test_id("action-due").fill("2020-01-31")
        form.get_by_test_id("action-add").click()
        row = page.locator("[data-testid=review-actions] tr", has_text="完善值班接报流程")
        row.wait_for()
        assert "overdue" in (row.get_attribute("class") or "")

        close = row.locator("form[data-close]")
        close.locator("button").click()
        close.locator("[data-error-for=note]").wait_for(state="visible")
        close.locator("input[name=note]").fill("已修订接报流程")
        close.locator("button").click()
        page.locator("[data-testid=review-actions] tr[data-status=closed]").wait_for()
        assert "已修订接报流程" in page.get_by_test_id("review-actions").inner_text()

        page.goto(server + "/review-actions?show=closed")
        assert "完善值班接报流程" in page.get_by_test_id("review-action-list").inner_text()
