"""The earthquake pages: the form and the list, one result with its map, tables, downloads
and the call button, the English texts, scoping; and, in a real browser when chromium and
Playwright are installed, the form submitted and the result's map drawn."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_server import need_browser, serve, signed_in
from yingji.db import make_engine
from yingji.quake.attenuation import MODELS
from yingji.quake.labels import yi_amount
from yingji.web import quake_pages
from yingji.web.i18n import CATALOGUE, LOCALES
from yingji.web.templating import TEMPLATES_DIR
from yingji.web.texts import quake as quake_texts

WANZHOU = {"lat": 30.81, "lon": 108.41, "magnitude": 5.6, "name": "万州测试"}
STRONG = {"lat": 30.81, "lon": 108.41, "magnitude": 6.5, "name": "万州强震"}
JISHISHAN = {"lat": 35.70, "lon": 102.79, "magnitude": 6.2}
CONFIG = re.compile(r'<script id="yingji-config" type="application/json">(.*?)</script>', re.S)
RAW_KEY = re.compile(r">\s*(quake\.[a-z0-9_.]+)\s*<")


def _assess(api: Any, body: dict[str, Any], username: str = "admin") -> dict[str, Any]:
    reply = api(username).post("/api/v1/quake/assessments", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


def _config(page: str) -> dict[str, Any]:
    found = CONFIG.search(page)
    assert found, "page has no JS config"
    return json.loads(html.unescape(found.group(1)))


def _row(page: str, assessment_id: int) -> str:
    found = re.search(rf'<tr data-id="{assessment_id}">(.*?)</tr>', page, re.S)
    assert found, f"no row for assessment {assessment_id}"
    return found.group(1)


# --- helpers ------------------------------------------------------------------------------


def test_roman_numerals_and_yi() -> None:
    assert [quake_pages.roman(i) for i in (1, 4, 6, 7, 10, 12)] == list("ⅠⅣⅥⅦⅩⅫ")
    assert quake_pages.roman(13) == "13" and quake_pages.roman(None) == "—"
    assert yi_amount(445_906_646_330) == "4,459"
    assert yi_amount(1.23e9) == "12.3"
    assert yi_amount(5e6) == "0.05"
    assert yi_amount(0) == "0" and yi_amount(1e5) == "<0.01"


def test_zone_rows_count_people_per_intensity() -> None:
    result = {
        "isoseismals": [
            {"intensity": 6, "area_km2": 900.0, "long_axis_km": 40.0, "short_axis_km": 30.0},
            {"intensity": 7, "area_km2": 100.0, "long_axis_km": 14.0, "short_axis_km": 9.0},
        ],
        "exposure": {"5": 1000, "6": 300, "7": 20},
    }
    rows, total = quake_pages.zone_rows(result)
    assert [r["intensity"] for r in rows] == [6, 7]  # below VI is left out
    assert [r["population"] for r in rows] == [300, 20] and total == 320
    assert rows[0]["colour"] == quake_pages.INTENSITY_COLOURS[6]


# --- texts --------------------------------------------------------------------------------


def test_every_quake_text_has_both_languages() -> None:
    for key, entry in quake_texts.TEXTS.items():
        for locale in LOCALES:
            assert entry.get(locale, "").strip(), f"{key} has no {locale} text"
    assert quake_texts.TEXTS.keys() <= CATALOGUE.keys()  # collected into the one catalogue


def test_templates_use_only_known_text_keys() -> None:
    used: set[str] = set()
    for name in ("quake.html", "quake_detail.html"):
        source = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", source))
    pages_source = Path(quake_pages.__file__).read_text(encoding="utf-8")
    labels = re.findall(r'"(quake\.[a-z0-9_.]+)"', pages_source)  # the download labels
    used |= {key for key in labels if not key.endswith(".html")}
    used |= {f"quake.alert.{a}" for a in quake_pages.ALERT_LEVELS}
    used |= {f"quake.source.{s}" for s in ("manual", "feed")}
    used |= {f"quake.grade.{level}" for level in (1, 2, 3, 4)}
    used |= {f"quake.focus.{i}" for i in (7, 8, 9)}
    used |= {f"quake.model.{m}" for m in MODELS}
    used |= {f"quake.mtype.{m}" for m in quake_pages.MAGNITUDE_TYPES}
    missing = {key for key in used if not key.endswith(".") and key not in CATALOGUE}
    assert not missing, sorted(missing)
    js = (TEMPLATES_DIR.parent / "static" / "quake.js").read_text(encoding="utf-8")
    for key in re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", js):
        assert key in CATALOGUE, key


# --- the list page ------------------------------------------------------------------------


def test_list_shows_the_form_to_writers_and_the_rows(api, pages) -> None:
    doc = _assess(api, WANZHOU)
    page = pages("admin").get("/quake")
    assert page.status_code == 200, page.text
    text = page.text
    assert 'id="quake-form"' in text and 'id="quake-pick-map"' in text
    assert "/static/leaflet/leaflet.js" in text and "/static/app/quake.js" in text
    assert 'data-testid="nav-quake"' in text and "地震速判" in text
    for field in ("lat", "lon", "magnitude", "magnitude_type", "depth_km", "strike"):
        assert f'name="{field}"' in text and f'data-error-for="{field}"' in text
    for field in ("rupture_length_km", "name", "model"):
        assert f'name="{field}"' in text
    assert 'value="gb18306"' in text and 'value="wang2000"' in text
    assert 'value="Mw"' in text
    row = _row(text, doc["id"])
    assert f'href="/quake/{doc["id"]}"' in row and "万州测试" in row
    assert "M5.6" in row and "10 千米" in row
    assert quake_pages.roman(doc["max_intensity"]) in row
    assert f'data-alert="{doc["alert_level"]}"' in row
    assert "人工" in row  # source: manual
    level = doc["response_level"]
    assert (f"{quake_pages.roman(level)}级" if level else "—") in row
    assert 'data-testid="pager"' in text and "共 2 条" in text  # with the demo's drill
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing from another site


def test_readers_get_the_list_without_the_form(api, pages) -> None:
    doc = _assess(api, WANZHOU)
    page = pages("viewer").get("/quake")
    assert page.status_code == 200
    assert 'id="quake-form"' not in page.text
    assert 'data-testid="quake-read-only"' in page.text
    assert "万州测试" in _row(page.text, doc["id"])


def test_list_pages_through_assessments(api, pages) -> None:
    for k in range(3):
        _assess(api, {**WANZHOU, "name": f"万州第{k}次", "magnitude": 5.0 + k / 10})
    client = pages("admin")
    first = client.get("/quake").text
    assert "共 4 条" in first and 'rel="next"' not in first  # three and the demo's drill
    assert client.get("/quake?offset=-1").status_code == 422


# --- one assessment -----------------------------------------------------------------------


def test_detail_shows_headline_tables_downloads_and_map(api, pages) -> None:
    doc = _assess(api, WANZHOU)
    reply = pages("admin").get(f"/quake/{doc['id']}")
    assert reply.status_code == 200, reply.text
    text = reply.text
    head = re.search(r'data-testid="quake-headline">(.*?)</h1>', text, re.S)
    assert head and "万州测试" in head.group(1) and "M5.6" in head.group(1)
    kpis = text[text.index('data-testid="quake-kpis"') : text.index("</section>")]
    assert "30.81°N 108.41°E" in kpis and "10 千米" in kpis
    assert quake_pages.roman(doc["max_intensity"]) in kpis
    deaths = doc["deaths"]
    assert f"{deaths['low']:,} – {deaths['median']:,} – {deaths['high']:,}" in kpis
    assert "亿元" in kpis and f'data-alert="{doc["alert_level"]}"' in kpis
    if doc["response_level"]:
        assert f"{quake_pages.roman(doc['response_level'])}级" in kpis
        assert f"quake.grade.{doc['response_level']}" not in kpis
    else:
        assert "未达到国家响应启动条件" in kpis

    zones = text[text.index('data-testid="quake-zones"') :]
    zones = zones[: zones.index("</table>")]
    for z in doc["isoseismals"]:
        assert quake_pages.roman(z["intensity"]) in zones
        assert f"{z['area_km2']:,.0f}" in zones
        assert f"{z['long_axis_km']:,.1f} × {z['short_axis_km']:,.1f}" in zones
    vi_and_up = sum(v for k, v in doc["exposure"].items() if int(k) >= 6)
    assert "Ⅵ度及以上合计" in zones and f"{vi_and_up:,}" in zones

    counties = text[text.index('data-testid="quake-counties"') :]
    counties = counties[: counties.index("</table>")]
    assert "万州区" in counties
    assert counties.count("<tr data-adcode=") == len(doc["counties"])
    priorities = text[text.index('data-testid="quake-priorities"') :]
    priorities = priorities[: priorities.index("</table>")]
    for c in doc["priorities"]:
        assert c["name"] in priorities

    api_path = f"/api/v1/quake/assessments/{doc['id']}"
    for tail in ("report.pdf", "report.html", "map.png", "isoseismals.geojson"):
        assert f'href="{api_path}/{tail}"' in text, tail
    assert 'id="quake-map"' in text
    assert f'data-isoseismals="{api_path}/isoseismals.geojson"' in text
    assert f'data-counties="{api_path}/counties.geojson"' in text
    q = _config(text)["quake"]
    assert q["isoseismals"] == f"/quake/assessments/{doc['id']}/isoseismals.geojson"
    assert q["counties"] == f"/quake/assessments/{doc['id']}/counties.geojson"
    assert q["epicentre"] == [30.81, 108.41]
    assert q["colours"]["6"] == quake_pages.INTENSITY_COLOURS[6]
    legend = text[text.index('data-testid="quake-legend"') :]
    legend = legend[: legend.index("</div>\n  </div>")]
    for i in range(6, doc["max_intensity"] + 1):
        assert quake_pages.roman(i) in legend
    assert ('data-testid="quake-call"' in text) == (doc["max_intensity"] >= 7)


def test_geojson_the_map_loads_is_served_to_the_page_session(api, pages) -> None:
    doc = _assess(api, WANZHOU)
    client = pages("cq_operator")
    q = _config(client.get(f"/quake/{doc['id']}").text)["quake"]
    zones = client.get("/api/v1" + q["isoseismals"]).json()
    counties = client.get("/api/v1" + q["counties"]).json()
    assert zones["features"][0]["properties"]["intensity"] == 6
    names = {f["properties"]["name"] for f in counties["features"]}
    assert "万州区" in names
    props = counties["features"][0]["properties"]
    assert {"name", "max_intensity", "population", "deaths"} <= props.keys()


def test_call_button_only_for_writers_at_seven_and_above(api, pages) -> None:
    doc = _assess(api, STRONG)
    assert doc["max_intensity"] >= 7
    writer = pages("cq_operator").get(f"/quake/{doc['id']}").text
    assert 'data-testid="quake-call"' in writer and "叫应 Ⅶ度以上乡镇责任人" in writer
    assert _config(writer)["quake"]["call"] == f"/quake/assessments/{doc['id']}/call"
    reader = pages("viewer").get(f"/quake/{doc['id']}").text
    assert 'data-testid="quake-call"' not in reader
    assert 'data-testid="quake-map"' in reader


def test_english_switch(api, pages) -> None:
    doc = _assess(api, WANZHOU)
    client = pages("admin")
    switch = client.get(f"/lang/en?next=/quake/{doc['id']}", follow_redirects=False)
    assert switch.status_code == 303 and switch.headers["location"] == f"/quake/{doc['id']}"
    detail = client.get(f"/quake/{doc['id']}").text
    assert '<html lang="en">' in detail
    for phrase in ("Intensity zones", "Estimated deaths", "Downloads", "Report (PDF)"):
        assert phrase in detail, phrase
    assert "100 million yuan" in detail and "Repair priorities" in detail
    assert "Total at Ⅵ and above" in detail
    assert not RAW_KEY.findall(detail)
    listing = client.get("/quake").text
    assert "Earthquake assessment" in listing and "Past assessments" in listing
    assert "Attenuation model" in listing and "Manual" in _row(listing, doc["id"])
    assert "开始评估" not in listing and not RAW_KEY.findall(listing)
    client.get("/lang/zh-CN")
    assert "开始评估" in client.get("/quake").text


def test_out_of_scope_or_unknown_is_not_found(api, pages) -> None:
    far = _assess(api, JISHISHAN)
    near = _assess(api, WANZHOU)
    local = pages("cq_operator")
    refused = local.get(f"/quake/{far['id']}")
    assert refused.status_code == 404
    assert 'data-testid="error"' in refused.text and "记录不存在或无权查看" in refused.text
    assert local.get("/quake/999999").status_code == 404
    listing = local.get("/quake").text
    assert f'href="/quake/{near["id"]}"' in listing
    assert f'href="/quake/{far["id"]}"' not in listing
    assert pages("admin").get(f"/quake/{far['id']}").status_code == 200


def test_signed_out_goes_to_login(api) -> None:
    reply = api.anonymous().get("/quake", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/login")


# --- in a real browser --------------------------------------------------------------------


@pytest.fixture
def served(template, tmp_path: Path) -> Iterator[str]:
    """Yingji on a copy of the test database, for a real browser."""
    need_browser()
    path = tmp_path / "quake.db"
    shutil.copy(template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    with serve(engine) as url:
        yield url
    engine.dispose()


def test_browser_submits_the_form_and_draws_the_result(served: str, tmp_path: Path) -> None:
    server = served
    with signed_in(server) as browsing:
        page = browsing.page
        page.goto(server + "/quake")
        page.wait_for_function("document.getElementById('quake-pick-map').dataset.ready === '1'")

        # a click on the map fills the epicentre
        page.get_by_test_id("quake-pick-map").click(position={"x": 200, "y": 150})
        assert page.get_by_test_id("quake-lat").input_value() != ""
        assert page.get_by_test_id("quake-lon").input_value() != ""

        # the API's field errors appear next to their fields
        page.get_by_test_id("quake-lat").fill("80")
        page.get_by_test_id("quake-lon").fill("108.41")
        page.get_by_test_id("quake-magnitude").fill("5.6")
        page.get_by_test_id("quake-submit").click()
        lat_error = page.locator("[data-error-for=lat]")
        lat_error.wait_for(state="visible")
        assert "纬度" in lat_error.inner_text()
        assert page.get_by_test_id("quake-error").is_visible()

        page.get_by_test_id("quake-lat").fill("30.81")
        page.get_by_test_id("quake-name").fill("浏览器测试")
        page.get_by_test_id("quake-submit").click()
        page.wait_for_url(re.compile(r".*/quake/\d+$"))
        assert "浏览器测试" in page.get_by_test_id("quake-headline").inner_text()
        page.wait_for_function("document.getElementById('quake-map').dataset.ready === '1'")
        box = page.get_by_test_id("quake-map")
        zones = int(box.get_attribute("data-zones") or 0)
        counties = int(box.get_attribute("data-counties") or 0)
        assert zones >= 1 and counties >= 1
        assert page.locator("#quake-map .leaflet-overlay-pane path").count() == zones + counties
        assert page.locator("#quake-map .quake-epicentre").count() == 1
        assert page.locator("#quake-map path.county-500101").count() == 1
        page.screenshot(path=str(tmp_path / "quake.png"), full_page=True)

        # a county's name in the table opens its popup on the map
        page.locator("a[data-focus='500101']").click()
        popup = page.locator("#quake-map .leaflet-popup-content")
        popup.wait_for(state="visible")
        assert "万州区" in popup.inner_text()

        # the call goes out after the confirm dialog and opens the live board
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("quake-call").click()
        page.wait_for_url(re.compile(r".*/direct/\d+$"))
        assert "Ⅶ" in page.get_by_test_id("direct-message").inner_text()
