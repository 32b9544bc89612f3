"""The rescue resources pages: overview, teams, equipment, warehouses with stock and the
receive form, expiring batches, the gap report, the dispatch board and the coverage map;
forms for writers only, the API's field errors landing on the forms' fields, every text in
both languages; and, in a real browser when chromium and Playwright are installed, a team
added with a picked location, a dispatch ranked, sent and moved along, and the coverage map.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from resources_helpers import WANZHOU

from live_server import need_browser, serve, signed_in
from yingji import clock
from yingji.db import make_engine
from yingji.resources import roads
from yingji.resources.models import OrderState, ResourceStatus, TeamKind
from yingji.resources.network import RoadNetwork
from yingji.resources.travel import MODES
from yingji.web import resource_pages
from yingji.web.i18n import CATALOGUE, LOCALES
from yingji.web.templating import TEMPLATES_DIR
from yingji.web.texts import resources as resource_texts

LON, LAT = WANZHOU
CONFIG = re.compile(r'<script id="yingji-config" type="application/json">(.*?)</script>', re.S)
RAW_KEY = re.compile(r">\s*(resources\.[a-z0-9_.]+)\s*<")
TEXT_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
PAGES = (
    "/resources",
    "/resources/teams",
    "/resources/equipment",
    "/resources/warehouses",
    "/resources/expiring",
    "/resources/gaps",
    "/resources/dispatch",
    "/resources/coverage",
)
MATERIALS = (
    {
        "code": "PG-TENT",
        "name": "测试帐篷",
        "unit": "顶",
        "category": "shelter",
        "unit_price": 1500,
    },
    {
        "code": "PG-QUILT",
        "name": "测试棉被",
        "unit": "床",
        "category": "shelter",
        "unit_price": 200,
    },
    {
        "code": "PG-WATER",
        "name": "测试饮用水",
        "unit": "箱",
        "category": "food",
        "unit_price": 30,
        "shelf_life_days": 365,
    },
)
TEAMS = (
    {
        "code": "PG-XF1",
        "name": "页面测试消防站",
        "kind": "fire_station",
        "size": 30,
        "skills": ["fire", "swift_water"],
        "lon": LON,
        "lat": LAT,
    },
    {
        "code": "PG-SY1",
        "name": "页面测试水域队",
        "kind": "professional",
        "size": 12,
        "skills": ["swift_water", "diving"],
        "lon": LON + 0.05,
        "lat": LAT + 0.02,
    },
)


def _post(api: Any, path: str, body: dict[str, Any], user: str = "cq_operator") -> Any:
    reply = api(user).post(f"/api/v1{path}", json=body)
    assert reply.status_code in (200, 201), reply.text
    return reply.json()


def _config(page: str) -> dict[str, Any]:
    found = CONFIG.search(page)
    assert found, "page has no JS config"
    return json.loads(html.unescape(found.group(1)))


def _between(page: str, start: str, end: str = "</table>") -> str:
    at = page.index(start)
    return page[at : page.index(end, at)]


def _row(page: str, attr: str) -> str:
    found = re.search(rf"<tr {attr}[^>]*>(.*?)</tr>", page, re.S)
    assert found, f"no row with {attr}"
    return found.group(0)


@pytest.fixture
def stocked(api: Any) -> dict[str, Any]:
    """A catalogue, a county warehouse in Wanzhou with stock (one batch expiring in 10
    days), two teams, a reserve standard the stock falls short of, all through the API."""
    for material in MATERIALS:
        _post(api, "/resources/materials", material)
    store = _post(
        api,
        "/resources/warehouses",
        {"code": "PG-CK1", "name": "页面测试储备库", "level": 3, "lon": LON, "lat": LAT},
    )
    today = clock.today()
    soon = (today + dt.timedelta(days=10)).isoformat()
    later = (today + dt.timedelta(days=60)).isoformat()
    receive = f"/resources/warehouses/{store['id']}/receive"
    _post(api, receive, {"material_code": "PG-TENT", "quantity": 100, "batch": "PG-T1"})
    water = {"material_code": "PG-WATER", "quantity": 40, "batch": "PG-W1", "expires_on": soon}
    _post(api, receive, water)
    _post(api, receive, {**water, "quantity": 25, "batch": "PG-W2", "expires_on": later})
    teams = [_post(api, "/resources/teams", body) for body in TEAMS]
    _post(
        api,
        "/resources/equipment",
        {
            "code": "PG-XF1-E1",
            "name": "测试水罐消防车",
            "type": "fire_engine",
            "team_code": "PG-XF1",
        },
    )
    _post(api, "/resources/standards", {"level": 3, "material_code": "PG-TENT", "quantity": 500})
    return {"store": store, "teams": teams, "soon": soon, "later": later}


# --- texts --------------------------------------------------------------------------------


def test_every_resources_text_has_both_languages() -> None:
    for key, entry in resource_texts.TEXTS.items():
        for locale in LOCALES:
            assert entry.get(locale, "").strip(), f"{key} has no {locale} text"
    assert resource_texts.TEXTS.keys() <= CATALOGUE.keys()
    assert "nav.resources" in CATALOGUE


def test_every_text_key_used_exists() -> None:
    """Keys written out in the templates and the script, and the keys built from codes."""
    used: set[str] = set()
    for path in TEMPLATES_DIR.glob("resources_*.html"):
        used |= set(TEXT_KEY.findall(path.read_text(encoding="utf-8")))
    js = (TEMPLATES_DIR.parent / "static" / "resources.js").read_text(encoding="utf-8")
    used |= set(TEXT_KEY.findall(js))
    used |= {f"resources.tab.{key}" for key, _ in resource_pages.TABS}
    used |= {f"resources.kind.{k.value}" for k in TeamKind}
    used |= {f"resources.status.{s.value}" for s in ResourceStatus}
    used |= {f"resources.state.{s.value}" for s in OrderState}
    used |= {f"resources.advance.{s}" for s in resource_pages.ORDER_STATES if s != "issued"}
    used |= {f"resources.need.{k}" for k in resource_pages.NEED_KINDS}
    used |= {f"resources.mode.{m}" for m in MODES}
    used |= {f"resources.level.{lv}" for lv in resource_pages.WAREHOUSE_LEVELS}
    missing = sorted(k for k in used if not k.endswith(".") and k not in CATALOGUE)
    assert not missing, missing
    groups = {key.split(".")[1] for key in resource_texts.TEXTS if key.count(".") == 2}
    for group in ("skill", "etype", "scope"):
        assert group in groups and group in resource_pages.LABEL_GROUPS


# --- pages for writers and readers --------------------------------------------------------


def test_every_page_renders_for_writers_and_readers(api, pages, stocked) -> None:
    for user in ("admin", "cq_operator", "viewer"):
        client = pages(user)
        for path in PAGES:
            reply = client.get(path)
            assert reply.status_code == 200, (user, path, reply.text[:500])
            text = reply.text
            assert 'data-testid="resources-tabs"' in text
            assert 'data-testid="nav-resources"' in text and "救援力量" in text
            assert not RAW_KEY.findall(text), (path, RAW_KEY.findall(text))
            assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing from elsewhere


def test_overview_sums_up_the_registers(api, pages, stocked) -> None:
    """Each tile agrees with the API's figures for the same user (demo records included)."""
    reader = api("cq_operator")

    def total(path: str) -> int:
        return int(reader.get(f"/api/v1/resources/{path}").json()["total"])

    text = pages("cq_operator").get("/resources").text
    kpis = _between(text, 'data-testid="resources-kpis"', "</section>")
    teams = _between(kpis, 'data-testid="kpi-teams"', "</a>")
    assert f"<strong>{total('teams'):,}</strong>" in teams
    assert f"待命 {total('teams?status=available'):,}" in teams
    stores = _between(kpis, 'data-testid="kpi-warehouses"', "</a>")
    assert f"<strong>{total('warehouses'):,}</strong>" in stores
    lines = reader.get("/api/v1/resources/stock").json()
    assert any(line["material_code"] == "PG-TENT" for line in lines)
    assert f"库存价值 {sum(line['value_yuan'] for line in lines):,.0f} 元" in stores
    soon = reader.get("/api/v1/resources/expiring?within_days=30").json()
    assert any(e["batch"] == "PG-W1" for e in soon)
    expiring = _between(kpis, 'data-testid="kpi-expiring"', "</a>")
    assert f"<strong>{len(soon)}</strong>" in expiring and "30 天内到期批次" in expiring
    short = [g for g in reader.get("/api/v1/resources/gaps").json() if g["shortfall"]]
    assert any(g["region_code"] == "500101" and g["item"] == "测试帐篷" for g in short)
    gaps = _between(kpis, 'data-testid="kpi-gaps"', "</a>")
    assert f"<strong>{len(short)}</strong>" in gaps
    assert f"缺口价值 {sum(g['shortfall_yuan'] for g in short):,.0f} 元" in gaps


def test_teams_list_with_form_and_status_select_for_writers(api, pages, stocked) -> None:
    text = pages("cq_operator").get("/resources/teams?q=PG-").text
    assert 'id="team-form"' in text and 'data-api="/resources/teams"' in text
    assert 'id="team-pick-map"' in text and "/static/leaflet/leaflet.js" in text
    assert "/static/app/resources.js" in text
    for field in ("code", "name", "kind", "size", "skills", "lon", "lat", "contact_phone"):
        assert f'name="{field}"' in text and f'data-error-for="{field}"' in text, field
    for kind in TeamKind:
        assert f'value="{kind.value}"' in text
    assert "共 2 条" in text  # the search box found the two test teams
    team = stocked["teams"][0]
    row = _row(text, f'data-id="{team["id"]}"')
    assert "PG-XF1" in row and "页面测试消防站" in row and ">消防救援站<" in row
    assert ">30<" in row and "灭火" in row and "激流水域救援" in row
    assert 'data-status="available"' in row and "待命" in row
    assert f'data-testid="team-status-{team["id"]}"' in row
    assert "万州区 溪口镇" in row  # the region, from the base location, county first
    _config(text)  # the page carries the JS config


def test_readers_see_the_lists_without_forms(api, pages, stocked) -> None:
    client = pages("viewer")
    teams = client.get("/resources/teams?q=PG-").text
    assert 'id="team-form"' not in teams and 'data-role="team-status"' not in teams
    assert 'data-testid="resources-read-only"' in teams and "页面测试消防站" in teams
    stores = client.get("/resources/warehouses?q=PG-").text
    assert "页面测试储备库" in stores and "receive-form" not in stores
    assert 'id="warehouse-form"' not in stores
    board = client.get("/resources/dispatch").text
    assert 'id="dispatch-form"' not in board and 'data-role="advance"' not in board
    assert 'data-testid="order-list"' in board


def test_team_filters_and_status_changes_show(api, pages, stocked) -> None:
    team = stocked["teams"][1]
    _post(api, f"/resources/teams/{team['id']}/status", {"status": "resting"})
    client = pages("cq_operator")
    resting = client.get("/resources/teams?q=PG-&status=resting").text
    assert "页面测试水域队" in resting and "页面测试消防站" not in resting
    assert 'data-status="resting"' in _row(resting, f'data-id="{team["id"]}"')
    assert 'value="resting" selected' in resting  # the filter keeps its choice
    station = client.get("/resources/teams?q=PG-&kind=fire_station").text
    assert "页面测试消防站" in station and "页面测试水域队" not in station
    assert "共 1 条" in station
    every = client.get("/resources/teams").text
    total = api("cq_operator").get("/api/v1/resources/teams").json()["total"]
    assert f"共 {total} 条" in every
    if total > resource_pages.PAGE_SIZE:
        assert 'rel="next"' in every
    assert client.get("/resources/teams?offset=-1").status_code == 422


def test_equipment_list(api, pages, stocked) -> None:
    client = pages("viewer")
    text = client.get("/resources/equipment?q=PG-").text
    table = _between(text, 'data-testid="equipment-list"')
    assert "PG-XF1-E1" in table and "测试水罐消防车" in table and ">消防车<" in table
    assert "页面测试消防站" in table and 'data-status="available"' in table
    assert "PG-XF1-E1" in client.get("/resources/equipment?type=fire_engine").text
    assert "PG-XF1-E1" not in client.get("/resources/equipment?type=pump").text


def test_warehouses_show_stock_and_the_receive_form(api, pages, stocked) -> None:
    store = stocked["store"]
    text = pages("cq_operator").get("/resources/warehouses?q=PG-").text
    assert 'id="warehouse-form"' in text and 'name="level"' in text
    lines = _between(text, f'data-testid="stock-{store["id"]}"')
    tent = _row(lines, 'data-material="PG-TENT"')
    assert "测试帐篷" in tent and "100 顶" in tent and "150,000" in tent
    water = _row(lines, 'data-material="PG-WATER"')
    assert "65 箱" in water and stocked["soon"] in water and 'class="soon"' in water
    assert "区县储备库 · 万州区 溪口镇 · 151,950 元" in text  # value: 100 × 1,500 + 65 × 30
    form = _between(text, f'data-testid="receive-form-{store["id"]}"', "</form>")
    assert f'data-api="/resources/warehouses/{store["id"]}/receive"' in text
    for field in ("material_code", "quantity", "batch", "expires_on"):
        assert f'name="{field}"' in form and f'data-error-for="{field}"' in form
    assert 'value="PG-QUILT"' in form  # every catalogue item, held or not


def test_expiring_batches_highlight_the_soonest(api, pages, stocked) -> None:
    client = pages("viewer")
    text = client.get("/resources/expiring").text
    table = _between(text, 'data-testid="expiring-list"')
    rows = re.findall(r"<tr data-batch=.*?</tr>", table, re.S)
    days = [int(d) for d in re.findall(r'data-days-left="(-?\d+)"', table)]
    assert days == sorted(days) and len(days) == len(rows)  # soonest first
    first = next(r for r in rows if "PG-W1" in r)
    assert 'class="soon"' in first and 'data-days-left="10"' in first and "10 天" in first
    second = next(r for r in rows if "PG-W2" in r)
    assert 'class="soon"' not in second and 'data-days-left="60"' in second
    soon = sum(1 for d in days if 0 <= d <= 30)
    assert f"共 {len(rows)} 个批次，其中 {soon} 个 30 天内到期" in text
    narrow = client.get("/resources/expiring?within=30").text
    assert "PG-W1" in narrow and "PG-W2" not in narrow
    assert 'value="30"' in narrow
    assert client.get("/resources/expiring?within=0").status_code == 422


def _all_gap_rows(client: Any, query: str = "") -> list[tuple[str, str, str]]:
    """Every row of the gap report, following the pager."""
    rows: list[tuple[str, str, str]] = []
    link: str | None = f"/resources/gaps{query}"
    while link:
        text = client.get(html.unescape(link)).text
        table = _between(text, 'data-testid="gap-list"')
        rows += re.findall(r'<tr class="(short|met)" data-region="(\d+)">(.*?)</tr>', table, re.S)
        found = re.search(r'<a class="button" href="([^"]+)" rel="next">', text)
        link = found.group(1) if found else None
    return rows


def test_gap_report_lists_shortfalls_first_with_their_value(api, pages, stocked) -> None:
    _post(api, "/resources/standards", {"level": 3, "material_code": "PG-WATER", "quantity": 10})
    client = pages("cq_operator")
    rows = _all_gap_rows(client)
    assert len(rows) == len(api("cq_operator").get("/api/v1/resources/gaps").json())
    kinds = [r[0] for r in rows]
    assert kinds == sorted(kinds, key=lambda k: k != "short")  # shortfalls first
    values = [
        float(v)
        for r in rows
        if r[0] == "short"
        for v in re.findall(r'data-yuan="([0-9.]+)"', r[2])
    ]
    assert values == sorted(values, reverse=True)  # largest value first
    tent = next(r for r in rows if r[1] == "500101" and "测试帐篷" in r[2])
    assert tent[0] == "short" and "400 顶" in tent[2] and "600,000 元" in tent[2]
    water = next(r for r in rows if r[1] == "500101" and "测试饮用水" in r[2])
    assert water[0] == "met" and "已达标" in water[2]
    text = client.get("/resources/gaps").text
    assert 'data-testid="gap-value"' in text
    only = _all_gap_rows(client, "?short=1")
    assert only and all(r[0] == "short" for r in only)


def test_dispatch_board_shows_orders_and_their_next_states(api, pages, stocked) -> None:
    team = stocked["teams"][0]
    order = _post(
        api,
        "/resources/dispatch/teams",
        {"team_id": team["id"], "lon": LON, "lat": LAT, "title": "万州山洪"},
    )
    released = _post(
        api,
        "/resources/dispatch/materials",
        {
            "warehouse_id": stocked["store"]["id"],
            "items": [{"material_code": "PG-TENT", "quantity": 20}],
            "lon": LON,
            "lat": LAT,
            "title": "万州安置",
        },
    )
    client = pages("cq_operator")
    text = client.get("/resources/dispatch").text
    assert 'id="dispatch-form"' in text and 'id="dispatch-pick-map"' in text
    for kind in resource_pages.NEED_KINDS:
        assert f'<option value="{kind}">' in text
    assert '<option value="swift_water">' in text and '<option value="PG-TENT">' in text
    assert '<option value="fire_engine">' in text
    assert _config(text)["dispatch"]["materials"]["PG-TENT"] == "测试帐篷（顶）"
    row = _row(text, f'data-order="{order["id"]}"')
    assert order["code"] in row and "万州山洪" in row and "页面测试消防站" in row
    assert 'data-state="issued"' in row and "已下达" in row
    assert f'data-testid="advance-{order["id"]}-acknowledged"' in row
    assert f'data-testid="advance-{order["id"]}-cancelled"' in row and "data-confirm" in row
    assert f'data-testid="advance-{order["id"]}-arrived"' not in row
    stock_row = _row(text, f'data-order="{released["id"]}"')
    assert "页面测试储备库" in stock_row and "测试帐篷 20顶" in stock_row

    for state in ("acknowledged", "en_route"):
        _post(api, f"/resources/dispatch/orders/{order['id']}/state", {"state": state})
    row = _row(client.get("/resources/dispatch").text, f'data-order="{order["id"]}"')
    assert 'data-state="en_route"' in row and "出发途中" in row
    assert f'data-testid="advance-{order["id"]}-arrived"' in row
    assert "记录（3）" in row and row.count("<li>") == 3 and "cq_operator" in row

    for state in ("arrived", "released"):
        _post(api, f"/resources/dispatch/orders/{order['id']}/state", {"state": state})
    active = client.get("/resources/dispatch").text
    assert f'data-order="{order["id"]}"' not in active  # released: off the active list
    everything = client.get("/resources/dispatch?all=1").text
    row = _row(everything, f'data-order="{order["id"]}"')
    assert "已解除" in row and 'data-role="advance"' not in row
    teams = client.get("/resources/teams?q=PG-").text
    assert 'data-status="available"' in _row(teams, f'data-id="{team["id"]}"')  # freed


def test_coverage_page_form_and_config(api, pages) -> None:
    client = pages("viewer")  # reading the coverage needs no write rights
    text = client.get("/resources/coverage").text
    assert 'id="coverage-form"' in text and 'id="coverage-map"' in text
    assert 'name="thresholds"' in text and 'value="5,10,30"' in text
    assert 'data-error-for="thresholds"' in text and 'data-error-for="mode"' in text
    for mode in MODES:
        assert f'value="{mode}"' in text
    assert 'data-testid="coverage-summary"' in text and 'data-testid="coverage-legend"' in text
    assert _config(text)["coverage"] == {
        "api": "/resources/coverage",
        "mode": "road",
        "thresholds": "5,10,30",
        "kinds": [],
    }
    chosen = client.get(
        "/resources/coverage?mode=foot&thresholds=10&kinds=fire_station,county&kinds=bogus"
    ).text
    config = _config(chosen)["coverage"]
    assert config["mode"] == "foot" and config["thresholds"] == "10"
    assert config["kinds"] == ["fire_station", "county"]
    assert 'value="fire_station" checked' in chosen and 'value="village" checked' not in chosen
    assert _config(client.get("/resources/coverage?mode=boat").text)["coverage"]["mode"] == "road"


def test_road_network_card_and_who_may_import(pages, storage) -> None:
    city = pages("cq_operator").get("/resources/coverage").text
    assert "未导入道路网" in city and 'data-testid="roads-form"' in city
    assert 'data-error-for="file"' in city and 'data-testid="roads-clear"' not in city
    township = pages("twp_operator").get("/resources/coverage").text
    assert "未导入道路网" in township and 'data-testid="roads-form"' not in township
    roads.save(RoadNetwork([108.40, 108.42], [30.81, 30.81], [0], [1], [1900.0], [30.0]))
    shown = pages("cq_operator").get("/resources/coverage").text
    assert "2 个节点、1 条路段、共 1.9 公里" in shown
    assert 'data-testid="roads-clear"' in shown


def test_coverage_api_answers_what_the_map_draws(api, pages, stocked) -> None:
    """The layer, stations and summary the script reads, as the page asks for them."""
    config = _config(pages("viewer").get("/resources/coverage").text)["coverage"]
    reply = api("viewer").get(
        f"/api/v1{config['api']}", params={"mode": "road", "thresholds": "5,10,30"}
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert {"summary", "layer", "stations"} <= body.keys()
    assert [row["minutes"] for row in body["summary"]] == [5, 10, 30]
    for row in body["summary"]:
        assert {"population_covered", "population_uncovered", "share"} <= row.keys()
    assert body["layer"]["type"] == "FeatureCollection"
    assert {"band", "label", "color"} <= body["layer"]["legend"][0].keys()
    for feature in body["layer"]["features"][:20]:
        assert {"band", "color", "minutes", "uncovered"} <= feature["properties"].keys()
    assert any(s["code"] == "PG-XF1" for s in body["stations"])  # fire stations by default
    for station in body["stations"]:
        assert {"id", "code", "name", "lon", "lat"} <= station.keys()
    bad = api("viewer").get("/api/v1/resources/coverage", params={"thresholds": "abc"})
    assert "thresholds" in _fields(bad)


# --- API field errors land on the forms' fields -------------------------------------------


def _slots(page: str, start: str) -> set[str]:
    form = _between(page, start, "</form>")
    return set(re.findall(r'data-error-for="([a-z_]+)"', form))


def _fields(reply: Any) -> set[str]:
    assert reply.status_code == 422, reply.text
    return {re.sub(r"^(body|query)\.", "", d["field"]) for d in reply.json()["error"]["details"]}


def test_api_field_errors_have_a_place_on_the_forms(api, pages, stocked) -> None:
    client = pages("cq_operator")
    teams = client.get("/resources/teams").text
    bad_team = api("cq_operator").post(
        "/api/v1/resources/teams",
        json={"code": "PG-XF1", "kind": "wizards", "size": -3, "lon": 10, "lat": 10},
    )
    assert _fields(bad_team) <= _slots(teams, 'id="team-form"')
    assert {"code", "name", "kind", "size", "lon"} <= _fields(bad_team)

    stores = client.get("/resources/warehouses?q=PG-").text
    bad_store = api("cq_operator").post(
        "/api/v1/resources/warehouses", json={"code": "", "level": 9, "lon": LON, "lat": LAT}
    )
    assert _fields(bad_store) <= _slots(stores, 'id="warehouse-form"')
    store = stocked["store"]["id"]
    bad_receive = api("cq_operator").post(
        f"/api/v1/resources/warehouses/{store}/receive",
        json={"material_code": "PG-TENT", "quantity": "many", "expires_on": "soon"},
    )
    assert _fields(bad_receive) <= _slots(stores, f'data-testid="receive-form-{store}"')

    board = client.get("/resources/dispatch").text
    bad_rank = api("cq_operator").post(
        "/api/v1/resources/dispatch/rank",
        json={"lon": LON, "lat": LAT, "needs": [{"kind": "boat", "amount": 1}]},
    )
    detail = bad_rank.json()["error"]["details"][0]
    assert detail["row"] == 0 and detail["field"] in _slots(board, 'id="dispatch-form"')
    no_place = api("cq_operator").post(
        "/api/v1/resources/dispatch/rank", json={"needs": [{"kind": "team"}]}
    )
    assert _fields(no_place) <= _slots(board, 'id="dispatch-form"')


def test_english_switch(api, pages, stocked) -> None:
    client = pages("cq_operator")
    switch = client.get("/lang/en?next=/resources/teams", follow_redirects=False)
    assert switch.status_code == 303 and switch.headers["location"] == "/resources/teams"
    for path in PAGES:
        text = client.get(path).text
        assert '<html lang="en">' in text
        assert not RAW_KEY.findall(text), (path, RAW_KEY.findall(text))
        assert "Rescue forces and reserves" in text and "救援队伍" not in text
    teams = client.get("/resources/teams?q=PG-").text
    assert "Fire and rescue station" in teams and "Swift water" in teams
    assert "Available" in teams and "Register a team" in teams
    gaps = client.get("/resources/gaps").text
    assert "Shortfall value" in gaps and " yuan<" in gaps and "Shortfalls only" in gaps
    assert "Rank by arrival" in client.get("/resources/dispatch").text
    assert "Response-circle map" in client.get("/resources/coverage").text
    client.get("/lang/zh-CN")
    assert "登记救援队伍" in client.get("/resources/teams").text


def test_out_of_scope_records_stay_hidden(api, pages, stocked) -> None:
    """A township user outside Wanzhou sees none of the Wanzhou records."""
    reply = api("twp_operator").get("/api/v1/resources/teams")
    visible = {t["code"] for t in reply.json()["items"]}
    text = pages("twp_operator").get("/resources/teams?q=PG-").text
    for code in ("PG-XF1", "PG-SY1"):
        assert (code in text) == (code in visible)


def test_signed_out_goes_to_login(api) -> None:
    for path in PAGES:
        reply = api.anonymous().get(path, follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/login")


# --- in a real browser --------------------------------------------------------------------


@pytest.fixture
def served(template, tmp_path: Path) -> Iterator[str]:
    """Yingji on a copy of the test database, for a real browser."""
    need_browser()
    path = tmp_path / "resources.db"
    shutil.copy(template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    with serve(engine) as url:
        yield url
    engine.dispose()


def test_browser_registers_dispatches_and_maps(served: str, tmp_path: Path, storage) -> None:
    server = served
    with signed_in(server) as browsing:
        page = browsing.page

        # a team: the API's field errors beside the fields, then a location picked on the map
        page.goto(server + "/resources/teams?q=PG-")
        page.locator("[data-testid=team-form-card] > summary").click()
        page.wait_for_function("document.getElementById('team-pick-map').dataset.ready === '1'")
        form = page.get_by_test_id("team-form")
        form.get_by_test_id("field-code").fill("PG-LL1")
        form.get_by_test_id("field-name").fill("浏览器测试队")
        form.get_by_test_id("field-skills").fill("swift_water, rope")
        form.get_by_test_id("field-lon").fill("10")
        form.get_by_test_id("field-lat").fill("10")
        form.get_by_test_id("team-submit").click()
        lon_error = form.locator("[data-error-for=lon]")
        lon_error.wait_for(state="visible")
        assert "区划" in lon_error.inner_text()
        assert form.get_by_test_id("form-error").is_visible()
        page.get_by_test_id("team-pick-map").click(position={"x": 150, "y": 140})
        assert form.get_by_test_id("field-lon").input_value() not in ("", "10")
        form.get_by_test_id("field-lon").fill(str(LON))
        form.get_by_test_id("field-lat").fill(str(LAT))
        form.get_by_test_id("field-lon").dispatch_event("change")
        form.get_by_test_id("team-submit").click()
        page.get_by_test_id("resources-flash").wait_for(state="visible")
        row = page.locator("[data-testid=team-list] tr", has_text="浏览器测试队")
        assert "激流水域救援" in row.inner_text()

        # its status changes from the row
        select = row.locator("select[data-role=team-status]")
        select.select_option("resting")
        page.wait_for_function(
            "[...document.querySelectorAll('[data-testid=team-list] tr')]"
            ".some(r => r.textContent.includes('浏览器测试队')"
            " && r.querySelector('[data-status=resting]'))"
        )
        select.select_option("available")
        page.wait_for_function(
            "[...document.querySelectorAll('[data-testid=team-list] tr')]"
            ".some(r => r.textContent.includes('浏览器测试队')"
            " && r.querySelector('.badge[data-status=available]'))"
        )

        # dispatch: rank a swift-water need, send the picked team, move the order along
        page.goto(server + "/resources/dispatch")
        page.wait_for_function("document.getElementById('dispatch-pick-map').dataset.ready === '1'")
        board = page.get_by_test_id("dispatch-form")
        board.get_by_test_id("field-lon").fill(str(LON + 0.01))
        board.get_by_test_id("field-lat").fill(str(LAT))
        board.locator("[data-role=need-what]").fill("rope")  # only the new team has it
        page.get_by_test_id("rank-submit").click()
        result = page.get_by_test_id("need-result-0")
        result.wait_for(state="visible")
        picked = result.locator("tr.picked")
        assert picked.count() == 1 and "浏览器测试队" in picked.inner_text()
        assert "分钟" in picked.inner_text()
        page.get_by_test_id("send-teams").click()
        title_error = board.locator("[data-error-for=title]")
        title_error.wait_for(state="visible")
        board.get_by_test_id("dispatch-title").fill("浏览器调度")
        page.get_by_test_id("send-teams").click()
        page.get_by_test_id("send-log").locator("li.ok").wait_for()
        order = page.locator("[data-testid=order-list] tr", has_text="浏览器调度")
        order.wait_for()
        assert "已下达" in order.inner_text()
        order.locator("button[data-state=acknowledged]").click()
        page.locator(
            "[data-testid=order-list] tr[data-state=acknowledged]", has_text="浏览器调度"
        ).wait_for()
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("[data-testid=order-list] tr", has_text="浏览器调度").locator(
            "button[data-state=cancelled]"
        ).click()
        page.locator("[data-testid=order-list] tr", has_text="浏览器调度").wait_for(
            state="detached"
        )

        # equipment: the nearest fire engine lot, one unit, sent with its station's crew
        board.locator("[data-role=need-kind]").select_option("equipment")
        board.locator("[data-role=need-what]").fill("fire_engine")
        page.get_by_test_id("rank-submit").click()
        engines = page.locator("[data-testid=need-result-0][data-kind=equipment] tr.picked")
        engines.wait_for()
        assert engines.count() == 1 and "万州" in engines.inner_text()
        assert engines.locator("input[data-role=take]").input_value() == "1"
        page.get_by_test_id("send-equipment").click()
        page.get_by_test_id("send-log").locator("li.ok", has_text="× 1").wait_for()
        page.locator("[data-testid=order-list] tr", has_text="水罐消防车").wait_for()
        page.screenshot(path=str(tmp_path / "dispatch.png"), full_page=True)

        # the coverage map: the API's layer, the stations, the summary; a bad threshold
        page.goto(server + "/resources/coverage")
        page.wait_for_function(
            "['1', 'error'].includes(document.getElementById('coverage-map').dataset.ready)"
        )
        box = page.get_by_test_id("coverage-map")
        assert box.get_attribute("data-ready") == "1"
        assert int(box.get_attribute("data-stations") or 0) >= 1
        assert int(box.get_attribute("data-features") or 0) >= 1
        assert page.get_by_test_id("coverage-legend").is_visible()
        rows = page.locator("[data-testid=coverage-summary] tbody tr[data-minutes]")
        assert rows.count() == 3
        page.get_by_test_id("coverage-thresholds").fill("abc")
        page.get_by_test_id("coverage-submit").click()
        page.locator("[data-error-for=thresholds]").wait_for(state="visible")
        page.get_by_test_id("coverage-thresholds").fill("15,45")
        page.get_by_test_id("coverage-mode").select_option("air")
        page.get_by_test_id("coverage-submit").click()
        page.wait_for_function(
            "document.querySelectorAll('[data-testid=coverage-summary] tr[data-minutes]')"
            ".length === 2"
        )
        assert "mode=air" in page.url and "thresholds=15%2C45" in page.url
        page.screenshot(path=str(tmp_path / "coverage.png"), full_page=True)

        # the road network: a wrong file is refused beside the field, a layer is imported
        page.get_by_test_id("roads-file").set_input_files(
            {"name": "roads.txt", "mimeType": "text/plain", "buffer": b"x"}
        )
        page.get_by_test_id("roads-submit").click()
        page.locator("[data-testid=roads-form] [data-error-for=file]").wait_for(state="visible")
        layer = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"highway": "primary"},
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[LON, LAT], [LON + 0.02, LAT]],
                    },
                }
            ],
        }
        page.get_by_test_id("roads-file").set_input_files(
            {
                "name": "roads.geojson",
                "mimeType": "application/geo+json",
                "buffer": json.dumps(layer).encode(),
            }
        )
        page.get_by_test_id("roads-submit").click()
        page.get_by_test_id("roads-status").filter(has_text="2 个节点").wait_for()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("roads-clear").click()
        page.get_by_test_id("roads-status").filter(has_text="未导入道路网").wait_for()
