"""The flow and task pages: list, detail with the chart and print/PDF links, the editor for
writers only, /tasks, the incident page's tasks panel; every text in both languages; and,
in a real browser, a flow typed into the editor with its row errors shown beside the right
cells, then a task moved along and reported with a photo on /tasks."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flow_helpers import ZHONGHE, actor, flow, incident, standard_steps, step
from PIL import Image
from sqlalchemy import select
from starlette.requests import Request

from live_server import need_browser, serve, signed_in
from set_aside import set_aside_demo_incidents
from yingji.auth.models import User
from yingji.config import get_settings
from yingji.db import make_engine, session_factory, utcnow
from yingji.incidents import tasks
from yingji.incidents.flow_models import TaskStatus
from yingji.people.models import Role
from yingji.regions.models import Region
from yingji.web import flow_pages
from yingji.web.i18n import CATALOGUE, LOCALES
from yingji.web.pages import PageUser
from yingji.web.templating import TEMPLATES_DIR, templates
from yingji.web.texts import flows as flow_texts

CONFIG = re.compile(r'<script id="yingji-config" type="application/json">(.*?)</script>', re.S)
RAW_KEY = re.compile(r">\s*(flow\.[a-z0-9_.]+)\s*<")
TEXT_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")


def _config(page: str) -> dict[str, Any]:
    found = CONFIG.search(page)
    assert found, "page has no JS config"
    return json.loads(html.unescape(found.group(1)))


# --- texts --------------------------------------------------------------------------------


def test_every_flow_text_has_both_languages() -> None:
    for key, entry in flow_texts.TEXTS.items():
        for locale in LOCALES:
            assert entry.get(locale, "").strip(), f"{key} has no {locale} text"
    assert "nav.flows" in CATALOGUE and CATALOGUE["nav.flows"]["zh-CN"] == "响应流程"


def test_every_text_key_used_exists() -> None:
    used: set[str] = set()
    for path in TEMPLATES_DIR.glob("flow_*.html"):
        used |= set(TEXT_KEY.findall(path.read_text(encoding="utf-8")))
    used |= {f"flow.role.{r.value}" for r in Role}
    used |= {f"flow.task.status.{s.value}" for s in TaskStatus}
    used |= {f"flow.task.to.{s}" for s in ("in_progress", "done", "cancelled")}
    missing = sorted(k for k in used if not k.endswith(".") and k not in CATALOGUE)
    assert not missing, missing


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def county_flow(session) -> dict[str, Any]:
    f = flow(
        session,
        actor(session, "wz_operator"),
        standard_steps(session),
        code="WZ-PAGE",
        name="万州区防汛一页纸流程",
        type_codes=["flood"],
    )
    session.commit()
    return {"id": f.id, "actions": [s.action for s in f.steps]}


def test_list_and_detail_pages(pages, county_flow) -> None:
    for user in ("admin", "cq_operator", "wz_operator", "twp_operator", "viewer"):
        client = pages(user)
        listed = client.get("/flows")
        assert listed.status_code == 200, (user, listed.text[:300])
        text = listed.text
        assert 'data-testid="nav-flows"' in text and "响应流程" in text
        assert "万州区防汛一页纸流程" in text and not RAW_KEY.findall(text)
        writer = user in ("admin", "cq_operator", "wz_operator", "twp_operator")
        assert ('data-testid="flow-new"' in text) == writer
        inherited = user == "twp_operator"
        row = re.search(r'<tr data-id="\d+" data-testid="flow-row-WZ-PAGE">(.*?)</tr>', text, re.S)
        assert row and ("上级流程" in row.group(1)) == inherited
        detail = client.get(f"/flows/{county_flow['id']}")
        assert detail.status_code == 200
        page = detail.text
        assert 'data-testid="flow-chart"' in page and not RAW_KEY.findall(page)
        for action in county_flow["actions"]:
            assert page.count(action) >= 2  # in the chart and in the steps table
        assert f"/api/v1/flows/{county_flow['id']}/chart.pdf" in page
        assert f"/api/v1/flows/{county_flow['id']}/chart.html" in page
        assert ('data-testid="flow-edit"' in page) == (writer and not inherited)
    assert pages("twp2_operator").get("/flows/999999").status_code == 404


def test_english_pages(pages, county_flow) -> None:
    client = pages("wz_operator")
    client.get("/lang/en")
    page = client.get(f"/flows/{county_flow['id']}").text
    assert "Level IV response" in page and "Print chart" in page
    assert "?lang=en" in page


def test_editor_for_writers_only(pages, county_flow) -> None:
    new = pages("wz_operator").get("/flows/new")
    assert new.status_code == 200 and 'data-testid="flow-form"' in new.text
    assert 'id="flow-step-row"' in new.text and "万州区应急管理局" in new.text
    assert _config(new.text)["flowEditor"]["id"] is None
    edit = pages("wz_operator").get(f"/flows/{county_flow['id']}/edit")
    cfg = _config(edit.text)["flowEditor"]
    assert cfg["id"] == county_flow["id"]
    assert [s["action"] for s in cfg["steps"]] == county_flow["actions"]
    assert 'data-method="PUT"' in edit.text and "readonly" in edit.text
    assert pages("viewer").get("/flows/new").status_code == 403
    assert pages("twp_operator").get(f"/flows/{county_flow['id']}/edit").status_code == 403


def test_tasks_page(pages, session, county_flow) -> None:
    inc = incident(session, region_code=ZHONGHE, title="中和街道洪涝")
    tasks.apply_level(session, inc, 3, by="duty", now=utcnow() - dt.timedelta(hours=2))
    session.commit()
    page = pages("twp_operator").get("/tasks").text
    mine = page[page.index('data-testid="my-tasks"') : page.index('data-testid="overdue-tasks"')]
    assert "事发地乡镇组织群众转移" in mine and "中和街道洪涝" in mine
    assert "值班室接报核实" not in mine  # the county bureau's, not the township lead's
    late = page[page.index('data-testid="overdue-tasks"') :]
    assert "值班室接报核实" in late and "已超时" in late  # the area's overdue tasks
    assert not RAW_KEY.findall(page)
    assert 'data-role="task-status"' in mine
    viewer = pages("viewer").get("/tasks").text
    assert "task-status" not in viewer  # readers see, do not act


def _request() -> Request:
    app = SimpleNamespace(state=SimpleNamespace(settings=None))
    return Request({"type": "http", "headers": [], "app": app, "path": "/", "query_string": b""})


def test_tasks_panel_partial(session, county_flow) -> None:
    inc = incident(session, region_code=ZHONGHE, title="中和街道洪涝")
    tasks.apply_level(session, inc, 4, by="duty", now=utcnow() - dt.timedelta(hours=2))
    user = session.scalar(select(User).where(User.username == "wz_operator"))
    me = PageUser(user, actor(session, "wz_operator"), session.get(Region, user.region_id))
    ctx = flow_pages.tasks_panel(_request(), session, me, inc)
    assert ctx["ft_panel"]["open"] == 2 and ctx["ft_panel"]["overdue"] == 2
    out = templates.env.get_template("flow_tasks_panel.html").render(
        **ctx, locale="zh-CN", version="t"
    )
    assert 'data-testid="tasks-panel"' in out and "值班室接报核实" in out
    assert "超时 2 项" in out and 'data-testid="task-new-form"' in out
    assert "/static/app/flows.js" in out and not RAW_KEY.findall(out)
    # a reader's panel has no forms
    viewer = session.scalar(select(User).where(User.username == "viewer"))
    them = PageUser(viewer, actor(session, "viewer"), session.get(Region, viewer.region_id))
    quiet = templates.env.get_template("flow_tasks_panel.html").render(
        **flow_pages.tasks_panel(_request(), session, them, inc), locale="zh-CN", version="t"
    )
    assert "task-new-form" not in quiet and "task-status" not in quiet


# --- in a real browser ----------------------------------------------------------------------


@pytest.fixture
def served(template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """Yingji on a copy of the test database with an incident responding in 中和街道."""
    need_browser()
    monkeypatch.setenv("YINGJI_STORAGE_ROOT", str(tmp_path / "storage"))
    get_settings.cache_clear()
    path = tmp_path / "flows.db"
    shutil.copy(template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    set_aside_demo_incidents(engine)  # the demo's 重庆 flood flow would add its own tasks
    with session_factory(engine)() as s:
        flow(s, actor(s, "wz_operator"), [step(4, "组织巡查并转移群众", 30, role="admin")])
        inc = incident(s, region_code=ZHONGHE, title="浏览器测试洪涝")
        task_id = tasks.apply_level(s, inc, 4, by="duty", now=utcnow())["created"][0]
        s.commit()
    with serve(engine) as url:
        yield {"url": url, "task": task_id}
    engine.dispose()
    get_settings.cache_clear()


def _png(path: Path) -> Path:
    Image.new("RGB", (8, 8), (0, 120, 60)).save(path, format="PNG")
    return path


def test_browser_edits_a_flow_and_works_a_task(served: dict, tmp_path: Path) -> None:
    server = served["url"]
    with signed_in(server, "twp_operator", viewport=(1400, 900)) as browsing:
        page = browsing.page

        # a new flow with a bad second row: the error lands in that row's minutes cell
        page.goto(server + "/flows/new")
        form = page.get_by_test_id("flow-form")
        form.get_by_test_id("flow-code").fill("ZH-BROWSER")
        form.get_by_test_id("flow-name-input").fill("中和街道防汛流程")
        rows = form.get_by_test_id("flow-step")
        assert rows.count() == 1
        rows.nth(0).locator("[name=action]").fill("网格员巡查")
        rows.nth(0).locator("[name=minutes]").fill("20")
        form.get_by_test_id("flow-add-step").click()
        form.get_by_test_id("flow-add-step").click()
        assert rows.count() == 3
        rows.nth(2).get_by_test_id("flow-remove-step").click()
        assert rows.count() == 2
        second = rows.nth(1)
        second.locator("[name=min_level]").select_option("2")
        second.locator("[name=action]").fill("组织群众转移")
        second.locator("[name=minutes]").fill("0")
        form.get_by_test_id("flow-save").click()
        slot = second.locator("[data-error-for=minutes]")
        slot.wait_for(state="visible")
        assert "第 2 步" in slot.inner_text()
        assert rows.nth(0).locator("[data-error-for=minutes]").is_hidden()
        assert form.get_by_test_id("form-error").is_visible()
        second.locator("[name=minutes]").fill("45")
        form.get_by_test_id("flow-save").click()
        page.wait_for_url(re.compile(r".*/flows/\d+$"))
        chart = page.get_by_test_id("flow-chart")
        assert "组织群众转移" in chart.inner_text() and "网格员巡查" in chart.inner_text()

        # the task on /tasks: start it, then report with a photo, then finish
        task = served["task"]
        page.goto(server + "/tasks")
        item = page.get_by_test_id(f"task-{task}")
        item.get_by_test_id(f"task-{task}-in_progress").click()
        page.wait_for_function(
            f"document.querySelector('[data-testid=task-{task}] .badge[data-status=in_progress]')"
        )
        item = page.get_by_test_id(f"task-{task}")
        item.locator("details.ft-feedback > summary").click()
        report = item.get_by_test_id(f"task-{task}-form")
        report.locator("[name=text]").fill("已转移 8 户 21 人")
        report.locator("[name=files]").set_input_files(str(_png(tmp_path / "scene.png")))
        report.locator("button[type=submit]").click()
        page.wait_for_function(
            f"document.querySelector('[data-testid=task-{task}] .ft-updates')"
            " && document.querySelector('[data-testid=task-{task}] .ft-updates')"
            ".textContent.includes('scene.png')".replace("{task}", str(task))
        )
        item = page.get_by_test_id(f"task-{task}")
        item.get_by_test_id(f"task-{task}-done").click()
        page.get_by_test_id(f"task-{task}").wait_for(state="detached")  # done: off the open list
        page.goto(server + "/tasks?closed=1")
        done = page.get_by_test_id(f"task-{task}")
        assert done.locator(".badge[data-status=done]").count() >= 1
