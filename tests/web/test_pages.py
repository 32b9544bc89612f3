"""Web UI pages through TestClient: sign-in, CSRF, language switch, redirects, every page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from yingji.auth.models import LoginFailure, UserRole
from yingji.db import session_factory
from yingji.io.kinds import KINDS
from yingji.people.models import Person, Role
from yingji.web import i18n

if TYPE_CHECKING:
    from tests.web.conftest import WebUI

PAGES = ["/", "/regions", "/persons", "/assignments", "/enterprises", "/duty", "/data"]
WEB = Path(__file__).parents[2] / "src" / "yingji" / "web"


def _json_script(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert found, f"no {element_id} script"
    return json.loads(found.group(1))


def _failures(engine: Engine, username: str) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).where(LoginFailure.username == username)) or 0


# --- sign-in ----------------------------------------------------------------------------


def test_login_page_is_chinese_by_default(ui: WebUI) -> None:
    reply = ui.client().get("/login")
    assert reply.status_code == 200
    assert '<html lang="zh-CN">' in reply.text
    assert "用户名" in reply.text and "密码" in reply.text
    assert 'name="csrf"' in reply.text


def test_wrong_password_shows_error_and_is_recorded(ui: WebUI, sqlite_engine: Engine) -> None:
    client = ui.client()
    token = ui.csrf(client.get("/login").text)
    reply = client.post(
        "/login", data={"username": "admin", "password": "wrong-password", "csrf": token}
    )
    assert reply.status_code == 401
    assert "用户名或密码错误" in reply.text
    assert 'value="admin"' in reply.text  # the username stays filled in
    assert _failures(sqlite_engine, "admin") == 1  # committed although sign-in failed
    assert client.get("/", follow_redirects=False).status_code == 303


def test_repeated_failures_are_throttled(ui: WebUI) -> None:
    client = ui.client()
    token = ui.csrf(client.get("/login").text)
    form = {"username": "admin", "password": "wrong-password", "csrf": token}
    statuses = [client.post("/login", data=form).status_code for _ in range(5)]
    assert statuses == [401] * 5
    reply = client.post("/login", data={**form, "password": ui.password})
    assert reply.status_code == 429
    assert "登录失败次数过多" in reply.text


def test_login_without_csrf_token_is_refused(ui: WebUI, sqlite_engine: Engine) -> None:
    client = ui.client()
    client.get("/login")
    for form in (
        {"username": "admin", "password": ui.password},
        {"username": "admin", "password": ui.password, "csrf": "forged"},
    ):
        reply = client.post("/login", data=form, follow_redirects=False)
        assert reply.status_code == 403
        assert "页面已过期" in reply.text
    assert client.get("/", follow_redirects=False).status_code == 303
    assert _failures(sqlite_engine, "admin") == 0  # refused before the password was checked


def test_login_signs_in_rotates_csrf_and_shows_map(ui: WebUI) -> None:
    client = ui.client()
    before = ui.csrf(client.get("/login").text)
    reply = client.post(
        "/login",
        data={"username": "admin", "password": ui.password, "csrf": before},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert 'data-testid="map"' in page.text
    assert "admin" in page.text and "系统管理员" in page.text
    config = _json_script(page.text, "yingji-config")
    assert config["home"]["code"] == "500000"
    assert config["csrf"] != before
    # The browser's API calls authenticate with the same cookie.
    assert client.get("/api/v1/auth/me").json()["username"] == "admin"


def test_login_returns_to_local_next_only(ui: WebUI) -> None:
    for next_url, expected in (("/persons?q=x", "/persons?q=x"), ("//evil.example/", "/")):
        client = ui.client()
        token = ui.csrf(client.get("/login").text)
        reply = client.post(
            "/login",
            data={"username": "admin", "password": ui.password, "csrf": token, "next": next_url},
            follow_redirects=False,
        )
        assert reply.headers["location"] == expected


def test_logout_needs_csrf(ui: WebUI, admin: TestClient) -> None:
    assert admin.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert admin.get("/", follow_redirects=False).status_code == 200
    token = ui.csrf(admin.get("/").text)
    reply = admin.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/login"
    assert admin.get("/", follow_redirects=False).status_code == 303


# --- language ---------------------------------------------------------------------------


def test_english_switch(admin: TestClient) -> None:
    reply = admin.get("/lang/en?next=/persons", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/persons"
    page = admin.get("/persons")
    assert '<html lang="en">' in page.text
    assert "People" in page.text and "Sign out" in page.text
    assert "退出" not in page.text
    assert _json_script(page.text, "yingji-i18n")["map.drill"] == "Drill down"
    admin.get("/lang/zh-CN")
    page = admin.get("/persons")
    assert "退出" in page.text and "Sign out" not in page.text
    assert _json_script(page.text, "yingji-i18n")["map.drill"] == "下钻"


def test_english_login_page_and_unknown_locale(ui: WebUI) -> None:
    client = ui.client()
    client.get("/lang/en?next=/login")
    assert "Sign in" in client.get("/login").text
    assert client.get("/lang/fr").status_code == 404
    assert (
        client.get("/lang/en?next=https://evil.example/", follow_redirects=False).headers[
            "location"
        ]
        == "/"
    )


# --- pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*PAGES, "/persons/1"])
def test_pages_redirect_to_login_when_signed_out(ui: WebUI, path: str) -> None:
    reply = ui.client().get(path, follow_redirects=False)
    assert reply.status_code == 303
    location = reply.headers["location"]
    assert location.startswith("/login")
    if path != "/":
        assert "next=" in location


def test_every_page_renders_when_signed_in(admin: TestClient, sqlite_engine: Engine) -> None:
    with session_factory(sqlite_engine)() as session:
        person_id = session.scalar(select(Person.id).order_by(Person.id))
    paths = [*PAGES]
    if person_id is not None:
        paths.append(f"/persons/{person_id}")
    for path in paths:
        reply = admin.get(path)
        assert reply.status_code == 200, (path, reply.text[:500])
        assert 'data-testid="nav"' in reply.text
        assert "行政区划" in reply.text and "退出" in reply.text


def test_missing_person_is_a_404_page(admin: TestClient) -> None:
    reply = admin.get("/persons/987654321")
    assert reply.status_code == 404
    assert "记录不存在" in reply.text


def test_person_search_and_region_filter(admin: TestClient, sqlite_engine: Engine) -> None:
    with session_factory(sqlite_engine)() as session:
        person = session.scalar(select(Person).order_by(Person.id))
    if person is None:
        pytest.skip("the test database has no persons")
    page = admin.get("/persons", params={"q": person.name})
    assert page.status_code == 200
    assert f'href="/persons/{person.id}"' in page.text
    page = admin.get("/persons", params={"under": "999999"})
    assert "区划编码不存在" in page.text
    detail = admin.get(f"/persons/{person.id}")
    assert person.name in detail.text and "逐级上报链" in detail.text


def test_assignment_roles_shown_in_chinese(admin: TestClient) -> None:
    page = admin.get("/assignments")
    assert page.status_code == 200
    for role in Role:
        assert i18n.translate("zh-CN", f"role.{role.value}") in page.text  # filter options
    filtered = admin.get("/assignments", params={"role": "grid_member", "on": "2024-01-01"})
    assert filtered.status_code == 200
    assert admin.get("/assignments", params={"on": "yesterday"}).status_code == 200


def test_scope_follows_the_users_region(ui: WebUI, sqlite_engine: Engine) -> None:
    ui.user("web_county", UserRole.operator, "500101")
    client = ui.client()
    ui.sign_in(client, "web_county")
    page = client.get("/")
    assert _json_script(page.text, "yingji-config")["home"]["code"] == "500101"
    assert "业务操作员" in page.text
    assert "区划编码不存在" in client.get("/persons", params={"under": "500000"}).text


def test_static_assets_are_local(ui: WebUI) -> None:
    client = ui.client()
    for path in (
        "/static/leaflet/leaflet.js",
        "/static/leaflet/leaflet.css",
        "/static/leaflet/images/marker-icon.png",
        "/static/app/app.css",
        "/static/app/app.js",
        "/static/app/map.js",
    ):
        assert client.get(path).status_code == 200, path
    page = client.get("/login").text
    assert "http://" not in page and "https://" not in page  # no CDN


# --- catalogue --------------------------------------------------------------------------


def test_catalogue_is_complete() -> None:
    for key, entry in i18n.CATALOGUE.items():
        assert set(entry) == set(i18n.LOCALES), key
        assert all(entry.values()), key
    used: set[str] = set()
    for path in WEB.rglob("*"):
        if path.suffix in {".html", ".js", ".py"} and path.name != "i18n.py":
            text = path.read_text(encoding="utf-8")
            found = set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.0-9]+)["']""", text))
            used |= {key for key in found if not key.endswith(".")}  # "role." ~ r: see below
    dynamic = (
        [f"role.{r.value}" for r in Role]
        + [f"user_role.{r.value}" for r in UserRole]
        + [f"level.{n}" for n in range(1, 7)]
        + [f"data.kind.{k}" for k in KINDS]
        + [f"nav.{k}" for k in ("map", "regions", "persons", "assignments", "duty", "data")]
        + [
            f"{p}.{k}"
            for p in ("risk_level", "grade")
            for k in ("major", "large", "general", "low")
        ]
    )
    missing = sorted((used | set(dynamic)) - set(i18n.CATALOGUE))
    assert not missing, missing
    assert len(used) > 50  # the scan found the templates' keys


def test_enterprise_list_shows_grade_and_regulator(admin) -> None:
    page = admin.get("/enterprises")
    assert page.status_code == 200 and "统一社会信用代码" in page.text
    assert "应急管理局" in page.text and "grade-" in page.text
    items = admin.get("/api/v1/enterprises", params={"limit": 1000}).json()["items"]
    first = items[0]
    other = next(i for i in items if i["industry_code"][:2] != first["industry_code"][:2])
    filtered = admin.get("/enterprises", params={"industry": first["industry_code"][:2]})
    assert first["name"] in filtered.text and other["name"] not in filtered.text
