"""The map's overlays in a real browser: loaded for the view (bbox) and again after a pan or
zoom, capped at 1,000 with a "zoom in" hint, and the open-hazards layer with its popup link.

Uses the server fixture and the admin's browser of ``test_browser`` (skipped the same way
without Chromium)."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

import shapely.geometry

from live_server import TIMEOUT_MS
from web.test_browser import _admin, _map_ready, server  # noqa: F401  (fixture used by name)

if TYPE_CHECKING:
    from playwright.sync_api import Page

POINTS = 1001
HALF = 0.01  # the points fill a square of ±0.01° around a point inside 万州区


def _centre(pg: Page, base: str) -> tuple[float, float]:
    """A point well inside 万州区 (500101)."""
    fc = pg.request.get(f"{base}/api/v1/regions/geojson?parent_code=500000").json()
    found = next(f for f in fc["features"] if f["properties"]["code"] == "500101")
    inside = shapely.geometry.shape(found["geometry"]).representative_point()
    return round(inside.x, 6), round(inside.y, 6)


def _import_points(pg: Page, base: str, lon: float, lat: float) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["code", "name", "category", "level", "lon", "lat"])
    side = 32  # 32 x 32 = 1024 grid positions, the first 1,001 used
    for i in range(POINTS):
        x = lon - HALF + (i % side) * 2 * HALF / (side - 1)
        y = lat - HALF + (i // side) * 2 * HALF / (side - 1)
        writer.writerow([f"MAP-{i:04d}", f"地图测试点{i}", "landslide", "一般", x, y])
    reply = pg.request.post(
        f"{base}/api/v1/io/import/risk_points",
        multipart={
            "file": {"name": "p.csv", "mimeType": "text/csv", "buffer": buf.getvalue().encode()}
        },
        headers={"X-CSRF-Token": pg.evaluate("window.Yingji.config.csrf")},
    )
    assert reply.status == 200, reply.text()
    assert reply.json()["created"] == POINTS


def _layers(pg: Page) -> dict[str, int]:
    pg.wait_for_function("window.yingjiLayers !== null", timeout=TIMEOUT_MS)
    return dict(pg.evaluate("window.yingjiLayers"))


def _total_in_view(pg: Page, base: str, path: str, **params: str) -> int:
    """What the API holds in the map's current view (rounded outwards as map.js does)."""
    west, south, east, north = (
        float(v) for v in pg.evaluate("window.yingjiMap.getBounds().toBBoxString()").split(",")
    )
    box = (math.floor(west * 1e5), math.floor(south * 1e5), math.ceil(east * 1e5))
    bbox = ",".join(str(v / 1e5) for v in (*box, math.ceil(north * 1e5)))
    query = "&".join(f"{k}={v}" for k, v in {**params, "bbox": bbox, "limit": "1"}.items())
    return int(pg.request.get(f"{base}/api/v1/{path}?{query}").json()["total"])


def test_overlays_follow_the_view_with_a_cap_and_hint(
    server: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    with _admin(server) as browsing:
        page = browsing.page
        _map_ready(page)
        lon, lat = _centre(page, server)
        _import_points(page, server, lon, lat)

        page.evaluate("window.yingjiLayers = null")
        page.goto(server + "/?code=500101")
        _map_ready(page)
        layers = _layers(page)
        assert layers["riskPoints"] == 1000  # the cap
        hint = page.get_by_test_id("map-hint")
        assert hint.is_visible()
        assert "风险点" in hint.inner_text() and "放大" in hint.inner_text()
        assert page.locator(".leaflet-risk-points-pane path").count() == 1000
        shot = tmp_path / "map-capped.png"
        page.screenshot(path=str(shot))
        print(f"\ncapped overlay screenshot: {shot}")

        # Zoom in on the middle of the square: the overlays are asked again for the new view.
        page.evaluate("window.yingjiLayers = null")
        page.evaluate(f"window.yingjiMap.setView([{lat}, {lon}], 17, {{animate: false}})")
        layers = _layers(page)
        in_view = _total_in_view(page, server, "risk-points")
        assert 0 < layers["riskPoints"] == in_view < 1000
        assert page.locator(".leaflet-risk-points-pane path").count() == in_view
        assert hint.is_hidden()


def test_open_hazards_layer(
    server: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    with _admin(server) as browsing:
        page = browsing.page
        _map_ready(page)
        lon, lat = _centre(page, server)
        csrf = page.evaluate("window.Yingji.config.csrf")
        reply = page.request.post(
            f"{server}/api/v1/hazards",
            data={"title": "浏览器测试隐患", "lon": lon + 0.0003, "lat": lat + 0.0003},
            headers={"X-CSRF-Token": csrf},
        )
        assert reply.status == 201, reply.text()
        hazard_id = reply.json()["id"]

        page.evaluate(f"window.yingjiMap.setView([{lat}, {lon}], 15, {{animate: false}})")
        layers = _layers(page)
        assert layers["hazards"] == 0  # off until switched on
        control = page.locator(".leaflet-control-layers-overlays")
        assert control.locator("text=未整改隐患").count() == 1
        page.evaluate("window.yingjiLayers = null")
        control.locator("label", has_text="未整改隐患").locator("input").check()
        layers = _layers(page)
        in_view = _total_in_view(page, server, "hazards", open="true")
        assert layers["hazards"] == in_view >= 1
        assert page.get_by_test_id("legend-hazards").is_visible()
        marker = page.locator(".leaflet-hazards-pane path.hazard-unconfirmed")
        assert marker.count() >= 1
        marker.first.dispatch_event("click")
        link = page.locator(".leaflet-popup-content a.popup-link")
        link.wait_for()
        shot = tmp_path / "map-hazards.png"
        page.screenshot(path=str(shot))
        print(f"\nhazard layer screenshot: {shot}")
        href = link.get_attribute("href") or ""
        assert re.fullmatch(r"/hazards/\d+", href), href
        assert hazard_id > 0
