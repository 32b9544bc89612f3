"""The web UI in a real browser: Debian's chromium driven by Playwright, against uvicorn.

Skipped (with the reason printed) when ``/usr/bin/chromium`` or the ``playwright`` package
is missing. Never runs ``playwright install``: the browser comes from apt.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from live_server import TIMEOUT_MS, Browsing, need_browser, serve, signed_in
from yingji.auth.models import UserRole

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from tests.conftest import Template


@pytest.fixture(scope="module")
def server(
    template: Template,
    tmp_path_factory: pytest.TempPathFactory,
    make_user: Callable[..., None],
) -> Iterator[str]:
    """Yingji on a copy of the test database, for the module's browser tests."""
    need_browser()
    from yingji.db import make_engine

    path = tmp_path_factory.mktemp("browser") / "web.db"
    shutil.copy(template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    make_user(engine, "admin", UserRole.system_admin, "500000")
    with serve(engine) as url:
        yield url
    engine.dispose()


def _admin(server: str) -> AbstractContextManager[Browsing]:
    """The admin (at 500000) on a desktop in Chinese, failed requests counted as problems."""
    return signed_in(server, "admin", viewport=(1280, 800), locale="zh-CN", console=True)


def _map_ready(page: Page, more_than: int = 0) -> int:
    page.wait_for_function(f"window.yingjiMapReady > {more_than}", timeout=TIMEOUT_MS)
    return int(page.evaluate("window.yingjiMapReady"))


def _drill(page: Page, code: str) -> int:
    """Click the region ``code`` on the map, check the panel, drill down; features drawn."""
    page.evaluate("window.yingjiMapReady = -1")
    page.locator(f".leaflet-overlay-pane path.region-{code}").dispatch_event("click")
    page.get_by_test_id("region-panel").wait_for(state="visible")
    assert page.get_by_test_id("panel-code").inner_text() == code
    page.get_by_test_id("drill-down").click()
    page.wait_for_function("window.yingjiMapReady >= 0", timeout=TIMEOUT_MS)
    return int(page.evaluate("window.yingjiMapReady"))


def _first_code(page: Page) -> str:
    """The region code of the first boundary drawn."""
    cls = page.locator(".leaflet-overlay-pane path").first.get_attribute("class") or ""
    return next(c.removeprefix("region-") for c in cls.split() if c.startswith("region-"))


def test_map_draws_boundaries_and_drills_down(server: str, tmp_path: Path) -> None:
    with _admin(server) as browsing:
        page = browsing.page
        drawn = _map_ready(page)
        paths = page.locator(".leaflet-overlay-pane path")
        assert paths.count() == drawn
        assert drawn == 38, drawn  # 重庆's counties for the admin at 500000
        assert "重庆" in page.get_by_test_id("breadcrumb").inner_text()
        shot = tmp_path / "map.png"
        page.screenshot(path=str(shot))
        print(f"\nmap screenshot: {shot}")

        # 万州区 has demo townships; drill down through them to the grids.
        assert _drill(page, "500101") > 0
        assert "万州" in page.get_by_test_id("breadcrumb").inner_text()
        assert "code=500101" in page.url
        page.screenshot(path=str(tmp_path / "map-township.png"))
        for _level in ("village", "grid"):
            assert _drill(page, _first_code(page)) > 0
        grid = _first_code(page)
        page.locator(f".leaflet-overlay-pane path.region-{grid}").dispatch_event("click")
        assert page.get_by_test_id("drill-down").is_hidden()  # grids are the lowest level
        shot = tmp_path / "map-grids.png"
        page.screenshot(path=str(shot))
        print(f"grid screenshot: {shot}")

        # A reload keeps the place (?code=), and the breadcrumb goes back up to the top.
        page.evaluate("window.yingjiMapReady = -1")
        page.reload()
        assert _map_ready(page) > 0
        assert len(page.get_by_test_id("breadcrumb").locator("a").all()) == 3
        page.evaluate("window.yingjiMapReady = -1")
        page.get_by_test_id("breadcrumb").locator("a").first.click()
        assert _map_ready(page) == drawn


def _add_risk_point(page: Page, server: str, township: str) -> None:
    """A 重大 risk point inside ``township``, created through the API with the page's
    cookie session and CSRF header (as the page's own scripts would)."""
    import shapely.geometry

    county = township[:6]
    fc = page.request.get(f"{server}/api/v1/regions/geojson?parent_code={county}").json()
    feature = next(f for f in fc["features"] if f["properties"]["code"] == township)
    inside = shapely.geometry.shape(feature["geometry"]).representative_point()
    csrf = page.evaluate("window.Yingji.config.csrf")
    reply = page.request.post(
        server + "/api/v1/risk-points",
        data={
            "code": "BROWSER-RP-1",
            "name": "浏览器测试滑坡",
            "category": "landslide",
            "level": "major",
            "lon": round(inside.x, 6),
            "lat": round(inside.y, 6),
            "threatened_people": 120,
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert reply.status == 201, reply.text()
    assert reply.json()["region_code"].startswith(county)


def _layers(page: Page) -> dict[str, int]:
    page.wait_for_function(
        "window.yingjiLayers && window.yingjiLayers.riskPoints >= 1"
        " && window.yingjiLayers.enterprises >= 1",
        timeout=TIMEOUT_MS,
    )
    return dict(page.evaluate("window.yingjiLayers"))


def test_map_overlays_risk_points_and_enterprises(server: str, tmp_path: Path) -> None:
    with _admin(server) as browsing:
        page = browsing.page
        drawn = _map_ready(page)
        _add_risk_point(page, server, "500101001")  # 中和街道, in 万州区

        control = page.locator(".leaflet-control-layers-overlays")
        assert control.locator("text=风险点").count() == 1
        assert control.locator("text=企业").count() == 1
        assert control.locator("input[type=checkbox]:checked").count() == 2  # both on

        page.evaluate("window.yingjiLayers = null")
        assert _drill(page, "500101") > 0
        counts = _layers(page)
        assert page.locator(".leaflet-risk-points-pane path").count() == counts["riskPoints"]
        assert page.locator(".leaflet-risk-points-pane path.risk-major").count() >= 1
        assert page.locator(".enterprise-marker").count() == counts["enterprises"]
        # The overlays stay out of the overlay pane: its paths are the boundaries.
        assert page.locator(".leaflet-overlay-pane path").count() == int(
            page.evaluate("window.yingjiMapReady")
        )
        assert "风险等级" in page.get_by_test_id("legend").inner_text()

        page.screenshot(path=str(tmp_path / "map-overlays-markers.png"))
        page.locator(".leaflet-risk-points-pane path.risk-major").first.dispatch_event("click")
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        page.wait_for_function(  # the popup fades in
            "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
        )
        text = popup.inner_text()
        assert "浏览器测试滑坡" in text and "重大" in text and "120" in text
        shot = tmp_path / "map-overlays.png"
        page.screenshot(path=str(shot))
        print(f"\noverlay screenshot: {shot}")

        # Switching a layer off removes its markers; the layer follows the region back up.
        control.locator("label", has_text="企业").locator("input").uncheck()
        assert page.locator(".enterprise-marker").count() == 0
        control.locator("label", has_text="企业").locator("input").check()
        page.evaluate("window.yingjiLayers = null; window.yingjiMapReady = -1")
        page.get_by_test_id("breadcrumb").locator("a").first.click()
        assert _map_ready(page) == drawn
        assert _layers(page)["enterprises"] >= counts["enterprises"]


def test_map_on_a_phone(server: str, tmp_path: Path) -> None:
    with signed_in(
        server, "admin", viewport=(390, 844), device_scale_factor=2, is_mobile=True
    ) as browsing:
        page = browsing.page
        assert _map_ready(page) > 0
        assert page.locator(".leaflet-overlay-pane path").count() > 0
        toggle = page.get_by_test_id("nav-toggle")
        assert toggle.is_visible()
        toggle.click()
        assert page.get_by_test_id("nav-persons").is_visible()
        shot = tmp_path / "map-phone.png"
        page.screenshot(path=str(shot))
        print(f"\nphone screenshot: {shot}")


def test_region_tree_and_lists(server: str, tmp_path: Path) -> None:
    with _admin(server) as browsing:
        page = browsing.page
        page.goto(server + "/regions")
        tree = page.get_by_test_id("region-tree")
        tree.locator("[data-testid=tree-item] [data-testid=tree-item]").first.wait_for()
        children = tree.locator("[data-testid=tree-item] [data-testid=tree-item]")
        assert children.count() >= 30
        children.first.locator("[data-testid=tree-toggle]").click()
        children.first.locator("[role=group] [data-testid=tree-item]").first.wait_for()

        page.get_by_test_id("region-q").fill("渝中")
        page.get_by_test_id("region-q").press("Enter")
        page.get_by_test_id("region-result").first.wait_for()
        assert "渝中" in page.get_by_test_id("region-results").inner_text()
        page.screenshot(path=str(tmp_path / "regions.png"), full_page=True)

        for path, testid in (("/persons", "person-table"), ("/assignments", "assignment-table")):
            page.goto(server + path)
            assert page.get_by_test_id(testid).is_visible()
        page.goto(server + "/data")
        assert page.get_by_test_id("io-persons").is_visible()
        page.screenshot(path=str(tmp_path / "data.png"), full_page=True)


def test_english_in_the_browser(server: str) -> None:
    with _admin(server) as browsing:
        page = browsing.page
        _map_ready(page)
        page.get_by_test_id("lang-en").click()
        page.wait_for_url(server + "/")
        _map_ready(page)
        assert page.get_by_test_id("nav-map").inner_text() == "Map"
        assert page.get_by_test_id("logout").inner_text() == "Sign out"
        assert page.get_by_test_id("map-status").inner_text().endswith("subregions")


def test_import_checks_then_imports(server: str) -> None:
    """The upload goes through fetch with the CSRF header: a dry run lists bad cells, a
    clean file passes the check, and only the confirm button writes."""
    header = "姓名,手机号,所属区划编码\n"
    with _admin(server) as browsing:
        page = browsing.page
        page.goto(server + "/data")
        upload = page.get_by_test_id("file-persons")
        result = page.get_by_test_id("result-persons")

        bad = header + "浏览器测试员,17499999990,999999\n"
        upload.set_input_files({"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()})
        page.get_by_test_id("check-persons").click()
        error = result.get_by_test_id("import-error").first
        error.wait_for()
        assert "所属区划编码" in error.inner_text() and "2" in error.inner_text()
        assert page.get_by_test_id("confirm-persons").is_hidden()

        good = header + "浏览器测试员,17499999990,500101\n"
        upload.set_input_files(
            {"name": "good.csv", "mimeType": "text/csv", "buffer": good.encode()}
        )
        page.get_by_test_id("check-persons").click()
        confirm = page.get_by_test_id("confirm-persons")
        confirm.wait_for(state="visible")
        assert "校验通过" in result.inner_text()
        page.goto(server + "/persons?q=浏览器测试员")
        assert page.get_by_test_id("person-row").count() == 0  # the check wrote nothing

        page.goto(server + "/data")
        upload = page.get_by_test_id("file-persons")
        upload.set_input_files(
            {"name": "good.csv", "mimeType": "text/csv", "buffer": good.encode()}
        )
        page.get_by_test_id("check-persons").click()
        page.get_by_test_id("confirm-persons").click()
        page.get_by_text("导入完成").wait_for()
        page.goto(server + "/persons?q=浏览器测试员")
        assert page.get_by_test_id("person-row").count() == 1
        # the bad file's 422 is expected; any other problem still fails the test
        browsing.problems[:] = [p for p in browsing.problems if "status of 422" not in p]
