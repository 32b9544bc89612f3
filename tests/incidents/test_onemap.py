"""The incident's one map (一张图): each layer's GeoJSON against plain SQL over the demo
near 万州, the default box and a given one, scope (a township sees its own subtree of every
layer, another township's incident is not found), the live stream, the page, and in a real
browser the layers loading, toggling, a popup and a live update."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from onemap_helpers import (
    WANZHOU,
    XIKOU_PATH,
    YUZHONG,
    Scene,
    active_warnings,
    build_scene,
    expected_points,
    expected_regions,
)
from sqlalchemy import Engine, select

from live_server import need_browser, serve, signed_in
from set_aside import set_aside_demo_incidents
from yingji.bbox import BBox
from yingji.db import make_engine, session_factory, utcnow
from yingji.incidents import map_api, map_layers, timeline
from yingji.incidents.models import Incident
from yingji.incidents.quick_models import QuickReport
from yingji.quake.models import QuakeAssessment
from yingji.regions.models import Region, RegionLevel
from yingji.warnings.models import EarlyWarning
from yingji.web.i18n import CATALOGUE, LOCALES
from yingji.web.templating import TEMPLATES_DIR
from yingji.web.texts import onemap as onemap_texts

CONFIG = re.compile(r'<script id="yingji-config" type="application/json">(.*?)</script>', re.S)
TEXT_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
CITY_PATH = "/500000/"
COUNTY_PATH = "/500000/500101/"


@pytest.fixture
def scene(engine: Engine) -> Scene:
    with session_factory(engine).begin() as session:
        return build_scene(session)


def _layer(api: Any, user: str, incident_id: int, key: str, **params: Any) -> dict[str, Any]:
    reply = api(user).get(f"/api/v1/incidents/{incident_id}/map/{key}", params=params)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["type"] == "FeatureCollection" and body["layer"] == key
    for feature in body["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] in (
            "Point",
            "LineString",
            "Polygon",
            "MultiPolygon",
        )
    return body


def _ids(body: dict[str, Any]) -> set[Any]:
    return {f["id"] for f in body["features"]}


def _box(body: dict[str, Any]) -> BBox:
    return BBox(*body["bbox"])


# --- the layer list ---------------------------------------------------------------------------


def test_layers_list_every_layer_with_counts(api, engine, scene) -> None:
    reply = api("wz_operator").get(f"/api/v1/incidents/{scene.incident}/map/layers")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["incident"]["id"] == scene.incident and body["incident"]["code"] == "OM-A"
    assert [layer["key"] for layer in body["layers"]] == list(map_layers.LAYERS)
    assert {o["key"] for o in body["omitted"]} == {"shelters", "sensors"}
    counts = {layer["key"]: layer["count"] for layer in body["layers"]}
    for key in map_layers.LAYERS:  # each count is what the layer itself holds
        assert counts[key] == _layer(api, "wz_operator", scene.incident, key)["total"], key
    assert counts["incident"] == 2 and counts["dispatch"] == 1 and counts["quick_reports"] == 2
    assert body["last_event_id"] == 0  # made through the model: nothing on its timeline yet
    with session_factory(engine).begin() as s:
        event = timeline.record(s, scene.incident, "note", "现场指挥部已开设")
    again = api("wz_operator").get(f"/api/v1/incidents/{scene.incident}/map/layers").json()
    assert again["last_event_id"] == event.id


def test_default_box_is_thirty_km_around_the_point_and_holds_the_perimeter(api, scene) -> None:
    body = api("wz_operator").get(f"/api/v1/incidents/{scene.incident}/map/layers").json()
    west, south, east, north = body["bbox"]
    lon, lat = WANZHOU
    assert west < lon < east and south < lat < north
    assert 0.5 < north - south < 0.56  # 2 × 30 km of latitude
    assert 0.6 < east - west < 0.66  # 2 × 30 km at 30.8° N
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(map_layers, "RADIUS_KM", 1.0)
        small = api("wz_operator").get(f"/api/v1/incidents/{scene.incident}/map/layers").json()
    w, s, e, n = small["bbox"]  # the 0.02° perimeter plus a 10 km margin
    assert w < lon - 0.02 - 0.09 and e > lon + 0.02 + 0.09 and n - s < 0.25


# --- each layer, against plain SQL ---------------------------------------------------------------


def test_point_layers_match_the_records_in_the_box(api, session, scene) -> None:
    for user, path in (("cq_operator", CITY_PATH), ("twp2_operator", XIKOU_PATH)):
        box = _box(_layer(api, user, scene.incident, "teams"))
        expected = expected_points(session, box, path)
        for key, ids in expected.items():
            body = _layer(api, user, scene.incident, key)
            assert _ids(body) == ids, (user, key)
            assert body["total"] == len(ids) and body["truncated"] is False
    city = expected_points(session, box, CITY_PATH)
    assert scene.team_xikou in city["teams"] and scene.team_zhonghe in city["teams"]
    assert scene.team_far not in city["teams"]
    assert city["hazards"] and city["risk_points"], "the demo has both near 万州"


def test_feature_properties_carry_what_the_popups_show(api, scene) -> None:
    teams = {f["id"]: f for f in _layer(api, "wz_operator", scene.incident, "teams")["features"]}
    mine = teams[scene.team_xikou]
    assert mine["geometry"]["coordinates"] == [
        round(WANZHOU[0] + 0.01, 6),
        round(WANZHOU[1] + 0.01, 6),
    ]
    props = mine["properties"]
    assert props["code"] == "OM-T1" and props["kind_label"] == "专业救援队伍"
    assert props["status_label"] == "待命" and props["skills"] == ["swift_water"]
    assert teams[scene.team_zhonghe]["properties"]["status"] == "deployed"

    kit = _layer(api, "wz_operator", scene.incident, "equipment")["features"]
    boat = next(f["properties"] for f in kit if f["properties"]["code"] == "OM-E1")
    assert boat["free_units"] == 2 and boat["team_name"] == "一张图测试队 OM-T1"

    stores = _layer(api, "wz_operator", scene.incident, "warehouses")["features"]
    store = next(f["properties"] for f in stores if f["id"] == scene.warehouse)
    stock = store["stock"]
    assert stock["materials"] == 2 and stock["value_yuan"] == 15 * 1000 + 40 * 30
    assert stock["top"][0] == {"material": "测试帐篷", "unit": "顶", "quantity": 15.0}
    assert stock["next_expiry"] == (utcnow().date() + dt.timedelta(days=20)).isoformat()

    hazards = _layer(api, "wz_operator", scene.incident, "hazards")["features"]
    assert all(f["properties"]["colour_hex"].startswith("#") for f in hazards)
    assert all(f["properties"]["state"] not in ("closed", "cancelled") for f in hazards)
    risks = _layer(api, "wz_operator", scene.incident, "risk_points")["features"]
    assert all({"name", "level", "colour_hex"} <= f["properties"].keys() for f in risks)


def test_incident_layer_has_the_point_the_perimeter_and_the_tasks(api, scene) -> None:
    body = _layer(api, "twp2_operator", scene.incident, "incident")
    point, outline = body["features"]
    assert point["geometry"] == {"type": "Point", "coordinates": list(WANZHOU)}
    props = point["properties"]
    assert props["code"] == "OM-A" and props["type_name_zh"] == "洪涝灾害"
    assert props["tasks"]["open"] == 1 and props["tasks"]["in_progress"] == 1
    assert props["tasks"]["done"] == 1 and props["tasks"]["overdue"] == 1
    assert props["figures"]["dead"] == 0
    assert outline["properties"]["part"] == "perimeter"
    assert outline["geometry"]["type"] == "Polygon"
    other = _layer(api, "wz_operator", scene.other, "incident")
    assert len(other["features"]) == 1  # no perimeter drawn


def test_dispatch_orders_of_the_incident_run_from_the_force_to_the_place(api, scene) -> None:
    body = _layer(api, "wz_operator", scene.incident, "dispatch")
    assert _ids(body) == {scene.order}  # the cancelled one and incident B's are left out
    line = body["features"][0]
    lon, lat = WANZHOU
    assert line["geometry"] == {
        "type": "LineString",
        "coordinates": [[round(lon + 0.01, 6), round(lat + 0.01, 6)], [lon, lat]],
    }
    props = line["properties"]
    assert props["code"] == "OM-D1" and props["state"] == "en_route"
    assert props["team"] == "一张图测试队 OM-T1" and props["eta_minutes"] == 18.5
    assert _ids(_layer(api, "wz_operator", scene.other, "dispatch")) == {scene.order_other}


def test_quick_reports_sit_at_their_position_or_their_place(api, session, scene) -> None:
    body = _layer(api, "wz_operator", scene.incident, "quick_reports")
    features = {f["id"]: f for f in body["features"]}
    assert set(features) == {scene.report_xikou, scene.report_zhonghe}
    placed = features[scene.report_xikou]
    lon, lat = WANZHOU
    assert placed["geometry"]["coordinates"] == [round(lon + 0.005, 6), round(lat - 0.005, 6)]
    assert placed["properties"]["positioned"] is True and placed["properties"]["dead"] == 1
    report = session.get(QuickReport, scene.report_zhonghe)
    centre = session.execute(
        select(Region.centroid_lon, Region.centroid_lat).where(Region.id == report.region_id)
    ).one()
    unplaced = features[scene.report_zhonghe]
    assert unplaced["geometry"]["coordinates"] == [round(centre[0], 6), round(centre[1], 6)]
    assert unplaced["properties"]["positioned"] is False
    assert _ids(_layer(api, "twp2_operator", scene.incident, "quick_reports")) == {
        scene.report_xikou
    }


def test_warning_areas_are_the_active_warnings_meeting_the_box(api, session, scene) -> None:
    active = active_warnings(session, utcnow())
    assert active, "the demo has active warnings over 万州"
    body = _layer(api, "cq_operator", scene.incident, "warning_areas")
    assert _ids(body) == active
    levels = [f["properties"]["level"] for f in body["features"]]
    assert levels == sorted(levels)  # red first
    for feature in body["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert (
            feature["properties"]["colour_hex"]
            == map_layers.WARNING_HEX[feature["properties"]["level"]]
        )
    assert _ids(_layer(api, "twp2_operator", scene.incident, "warning_areas")) == active


def test_population_is_counties_for_a_county_and_up_townships_below(api, session, scene) -> None:
    body = _layer(api, "cq_operator", scene.incident, "population")
    expected = expected_regions(session, _box(body), CITY_PATH, RegionLevel.county)
    got = {f["properties"]["code"]: f["properties"]["population"] for f in body["features"]}
    assert got == expected and "500101" in got
    wanzhou = next(f["properties"] for f in body["features"] if f["properties"]["code"] == "500101")
    assert wanzhou["density"] == round(wanzhou["population"] / wanzhou["area_km2"], 1)
    county = _layer(api, "wz_operator", scene.incident, "population")
    assert {f["properties"]["code"] for f in county["features"]} == {"500101"}
    township = _layer(api, "twp2_operator", scene.incident, "population")
    assert (
        {f["properties"]["code"] for f in township["features"]}
        == set(expected_regions(session, _box(township), XIKOU_PATH, RegionLevel.township))
        == {"500101002"}
    )


def test_isoseismals_come_from_the_quake_the_incident_was_raised_from(api, session, scene) -> None:
    assert _layer(api, "wz_operator", scene.incident, "isoseismals")["features"] == []
    incident = session.get(Incident, scene.quake_incident)
    assessment = session.get(QuakeAssessment, int(incident.source_ref.split(":")[1]))
    zones = assessment.result["isoseismals_geojson"]["features"]
    for user in ("wz_operator", "twp2_operator"):
        body = _layer(api, user, scene.quake_incident, "isoseismals")
        assert [f["properties"]["intensity"] for f in body["features"]] == [
            z["properties"]["intensity"] for z in zones
        ]
        assert body["features"][0]["properties"]["roman"] == "Ⅵ"


# --- scope, bbox, errors ----------------------------------------------------------------------


def test_another_regions_incident_is_not_found(api, scene) -> None:
    for user, incident in (("twp_operator", scene.incident), ("twp2_operator", scene.other)):
        base = f"/api/v1/incidents/{incident}/map"
        for path in ("/layers", "/teams", "/incident", "/stream?max_seconds=0.1"):
            reply = api(user).get(base + path)
            assert reply.status_code == 404, (user, path, reply.text)
            assert "OM-" not in reply.text
    assert api("twp_operator").get(f"/api/v1/incidents/{scene.other}/map/layers").status_code == 200


def test_a_township_sees_only_its_subtree_of_each_layer(api, scene) -> None:
    county = _layer(api, "wz_operator", scene.other, "teams")
    township = _layer(api, "twp_operator", scene.other, "teams")
    assert scene.team_zhonghe in _ids(township) and scene.team_xikou not in _ids(township)
    assert {scene.team_zhonghe, scene.team_xikou} <= _ids(county)
    for feature in _layer(api, "twp_operator", scene.other, "hazards")["features"]:
        assert feature["properties"]["region_code"].startswith("500101001")


def test_a_given_bbox_narrows_the_place_bound_layers(api, session, scene) -> None:
    lon, lat = WANZHOU
    box = f"{lon},{lat},{lon + 0.02},{lat + 0.02}"
    teams = _layer(api, "wz_operator", scene.incident, "teams", bbox=box)
    assert _ids(teams) == {scene.team_xikou} and teams["bbox"] == [lon, lat, lon + 0.02, lat + 0.02]
    far = f"{YUZHONG[0] - 0.05},{YUZHONG[1] - 0.05},{YUZHONG[0] + 0.05},{YUZHONG[1] + 0.05}"
    assert scene.team_far in _ids(_layer(api, "cq_operator", scene.incident, "teams", bbox=far))
    # the incident's own records stay, wherever the box is
    assert _ids(_layer(api, "wz_operator", scene.incident, "dispatch", bbox=far)) == {scene.order}
    warnings = _layer(api, "cq_operator", scene.incident, "warning_areas", bbox=far)
    naming = {
        w.id
        for w in session.scalars(select(EarlyWarning))
        if w.id in active_warnings(session, utcnow()) and "500103" in w.area["region_codes"]
    }
    assert naming, "the demo has an active warning naming 渝中 and 万州"
    assert _ids(warnings) == naming  # the ones drawn only around 万州 are left out
    counts = api("wz_operator").get(
        f"/api/v1/incidents/{scene.incident}/map/layers", params={"bbox": box}
    )
    assert {x["key"]: x["count"] for x in counts.json()["layers"]}["teams"] == 1


def test_bad_bbox_unknown_layer_and_omitted_layers(api, scene) -> None:
    base = f"/api/v1/incidents/{scene.incident}/map"
    bad = api("wz_operator").get(base + "/teams", params={"bbox": "1,2,3"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "bbox"
    flipped = api("wz_operator").get(base + "/layers", params={"bbox": "109,30,108,31"})
    assert flipped.status_code == 422
    shelters = api("wz_operator").get(base + "/shelters")
    assert shelters.status_code == 404 and "避难场所" in shelters.json()["error"]["message"]
    assert api("wz_operator").get(base + "/dragons").status_code == 404
    assert api("wz_operator").get(base + "/teams", params={"limit": 0}).status_code == 422


def test_limit_truncates_and_says_so(api, scene) -> None:
    full = _layer(api, "cq_operator", scene.incident, "teams")
    assert full["total"] >= 2
    one = _layer(api, "cq_operator", scene.incident, "teams", limit=1)
    assert len(one["features"]) == 1 and one["total"] == full["total"] and one["truncated"]


# --- live updates -----------------------------------------------------------------------------


def test_changes_map_event_kinds_to_layers(session, scene) -> None:
    start = map_api.mark(session, scene.incident)
    assert map_api.changes(session, scene.incident, start)[1] == []
    timeline.record(session, scene.incident, "dispatch", "调度 OM-D1：出发")
    timeline.record(session, scene.incident, "graded", "定级")
    after, layers, events = map_api.changes(session, scene.incident, start)
    assert layers == ["dispatch", "warehouses", "equipment", "teams", "incident"]
    assert [e["kind"] for e in events] == ["dispatch", "graded"]
    assert after.event_id == events[-1]["id"]
    assert map_api.changes(session, scene.incident, after)[1] == []
    report = session.get(QuickReport, scene.report_zhonghe)
    report.status, report.verified_at = "verified", utcnow()  # no timeline event: still seen
    session.flush()
    assert map_api.changes(session, scene.incident, after)[1] == ["quick_reports", "incident"]


def test_stream_generator_yields_after_a_timeline_event(engine, scene) -> None:
    async def run() -> list[str]:
        with session_factory(engine)() as s:
            since = map_api.mark(s, scene.incident)
        frames = map_api.map_events(
            engine, scene.incident, since, max_seconds=60, poll_seconds=0.02
        )
        got = [await anext(frames)]
        with session_factory(engine).begin() as s:
            timeline.record(s, scene.incident, "quick_report", "速报：白山社区 受伤 3 人")
        got.append(await anext(frames))
        await frames.aclose()
        return got

    ready, changed = asyncio.run(run())
    assert "event: ready" in ready
    head, data = changed.strip().split("\ndata: ")
    assert "event: changed" in head
    body = json.loads(data)
    assert body["layers"] == ["quick_reports", "incident"]
    assert body["events"][0]["text"] == "速报：白山社区 受伤 3 人"
    assert head.startswith(f"id: {body['last_event_id']}")


def test_stream_over_http_resumes_after_the_last_event_seen(api, engine, scene) -> None:
    with session_factory(engine).begin() as s:
        before = map_api.last_event_id(s, scene.incident)
        timeline.record(s, scene.incident, "level", "启动Ⅳ级响应")
        latest = map_api.last_event_id(s, scene.incident)
    url = f"/api/v1/incidents/{scene.incident}/map/stream"
    reply = api("twp2_operator").get(url, params={"after": before, "max_seconds": 0.3})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith(
        "text/event-stream"
    )
    assert "event: ready" in reply.text and "event: changed" in reply.text
    assert f"id: {latest}" in reply.text and '"layers": ["incident"]' in reply.text
    resumed = api("twp2_operator").get(
        url,
        params={"after": before, "max_seconds": 0.3},
        headers={"Last-Event-ID": str(latest)},
    )
    assert "event: changed" not in resumed.text  # the reconnect already had it


# --- the page ---------------------------------------------------------------------------------


def _config(page: str) -> dict[str, Any]:
    found = CONFIG.search(page)
    assert found
    return json.loads(html.unescape(found.group(1)))


def test_every_onemap_text_has_both_languages_and_every_key_exists() -> None:
    for key, entry in onemap_texts.TEXTS.items():
        assert key.startswith("onemap.")
        for locale in LOCALES:
            assert entry.get(locale, "").strip(), f"{key} has no {locale} text"
    used = set(TEXT_KEY.findall((TEMPLATES_DIR / "onemap.html").read_text(encoding="utf-8")))
    js = (TEMPLATES_DIR.parent / "static" / "onemap.js").read_text(encoding="utf-8")
    used |= set(TEXT_KEY.findall(js))
    used |= {f"onemap.layer.{key}" for key in map_layers.LAYERS}
    used |= {f"onemap.omit.{key}" for key in map_layers.OMITTED}
    used |= {f"onemap.status.{s}" for s in ("open", "responding", "closed")}
    used |= {f"onemap.quick_status.{s}" for s in ("submitted", "verified", "rejected")}
    from yingji.web.onemap_pages import legends

    used |= {row["key"] for rows in legends().values() for row in rows}
    missing = sorted(k for k in used if not k.endswith(".") and k not in CATALOGUE)
    assert not missing, missing


def test_page_has_the_map_the_toggles_and_the_config(pages, scene) -> None:
    reply = pages("wz_operator").get(f"/incidents/{scene.incident}/map")
    assert reply.status_code == 200, reply.text[:500]
    text = reply.text
    assert "一张图测试事件 OM-A" in text and 'data-testid="onemap"' in text
    assert "/static/leaflet/leaflet.js" in text and "/static/app/onemap.js" in text
    for key in map_layers.LAYERS:
        assert f'data-testid="toggle-{key}"' in text and f'data-testid="count-{key}"' in text
    assert 'data-testid="toggle-population"' in text
    assert re.search(r'data-testid="toggle-teams" checked', text)
    assert not re.search(r'data-testid="toggle-population" checked', text)
    assert "红色" in text and "Ⅵ 度" in text and "避难场所" in text  # legends, omitted layers
    assert f'href="/incidents/{scene.incident}"' in text
    assert not re.search(r'(src|href)="(https?:)?//', text)
    config = _config(text)["onemap"]
    assert config["api"] == f"/incidents/{scene.incident}/map"
    assert config["stream"] == f"/api/v1/incidents/{scene.incident}/map/stream"
    assert [x["key"] for x in config["layers"]] == list(map_layers.LAYERS)


def test_page_is_not_found_outside_scope_and_signed_out_goes_to_login(api, pages, scene) -> None:
    assert pages("twp_operator").get(f"/incidents/{scene.incident}/map").status_code == 404
    assert pages("twp2_operator").get(f"/incidents/{scene.incident}/map").status_code == 200
    reply = api.anonymous().get(f"/incidents/{scene.incident}/map", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/login")


def test_page_in_english(pages, scene) -> None:
    client = pages("wz_operator")
    client.get("/lang/en")
    text = client.get(f"/incidents/{scene.incident}/map").text
    assert '<html lang="en">' in text and "Incident map" in text and "Rescue teams" in text
    assert "Back to the incident" in text and "救援队伍" not in text


# --- in a real browser ------------------------------------------------------------------------


@pytest.fixture
def served(template, tmp_path: Path) -> Iterator[tuple[str, Engine, Scene]]:
    """Yingji on a copy of the test database with the scene, for a real browser."""
    need_browser()
    path = tmp_path / "onemap.db"
    shutil.copy(template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    set_aside_demo_incidents(engine)  # as the other tests here: the scene's records only
    with session_factory(engine).begin() as session:
        scene = build_scene(session)
    with serve(engine) as url:
        yield url, engine, scene
    engine.dispose()


LAYER_COUNT = "window.yingjiOneMap.layerCount()"
FEATURE_COUNT = "window.yingjiOneMap.featureCount()"


def test_browser_opens_the_map_toggles_layers_and_follows_the_timeline(served, tmp_path) -> None:
    url, engine, scene = served
    with signed_in(url, "wz_operator", viewport=(1280, 860)) as browsing:
        page = browsing.page

        page.goto(f"{url}/incidents/{scene.incident}/map")
        page.wait_for_function("window.yingjiOneMap && window.yingjiOneMap.ready")
        loaded = page.evaluate("window.yingjiOneMap.loaded")
        counts = page.evaluate("window.yingjiOneMap.counts")
        assert loaded["incident"] == 2 and loaded["dispatch"] == 1 and loaded["teams"] >= 2
        assert "equipment" not in loaded and counts["equipment"] >= 1  # off until switched on
        assert page.get_by_test_id("count-teams").inner_text() == str(counts["teams"])
        assert page.locator(".om-incident").count() == 1
        assert page.locator("path.om-teams").count() == loaded["teams"]
        page.get_by_test_id("onemap-live").filter(has_text="实时更新中").wait_for()

        # toggling a layer takes its features (and its group) off the map and back
        before = page.evaluate(LAYER_COUNT)
        page.get_by_test_id("toggle-teams").uncheck()
        assert page.evaluate(LAYER_COUNT) == before - loaded["teams"] - 1
        assert page.locator("path.om-teams").count() == 0
        assert page.locator("[data-legend=teams]").is_hidden()
        page.get_by_test_id("toggle-teams").check()
        assert page.evaluate(LAYER_COUNT) == before
        features = page.evaluate(FEATURE_COUNT)
        page.get_by_test_id("toggle-equipment").check()
        page.wait_for_function("window.yingjiOneMap.loaded.equipment !== undefined")
        equipment = page.evaluate("window.yingjiOneMap.loaded.equipment")
        assert equipment == counts["equipment"]
        assert page.evaluate(FEATURE_COUNT) == features + equipment
        # its group, and the first time a renderer for its pane
        assert page.evaluate(LAYER_COUNT) in (before + equipment + 1, before + equipment + 2)
        page.get_by_test_id("toggle-population").check()
        page.wait_for_function("window.yingjiOneMap.loaded.population !== undefined")
        assert page.locator("path.om-population").count() >= 1

        # click the incident for its popup, then a team
        page.locator(".om-incident").click()
        popup = page.locator(".leaflet-popup [data-testid=onemap-popup]")
        popup.wait_for()
        assert "一张图测试事件 OM-A" in popup.inner_text() and "超时 1" in popup.inner_text()
        page.keyboard.press("Escape")
        team_at = [WANZHOU[1] + 0.01, WANZHOU[0] + 0.01]
        page.evaluate(
            "at => { const m = window.yingjiOneMap.map; m.closePopup();"
            " m.setView(at, 15, {animate: false}); }",
            team_at,
        )
        page.get_by_test_id("toggle-equipment").uncheck()
        page.locator(f"path.om-teams-{scene.team_xikou}").click()
        popup.filter(has_text="一张图测试队 OM-T1").wait_for()
        page.screenshot(path=str(tmp_path / "onemap.png"))

        # a new timeline event reaches the page, which reloads the layers it changed
        with session_factory(engine).begin() as s:
            timeline.record(s, scene.incident, "dispatch", "调度 OM-D1：到达现场")
        page.wait_for_function("window.yingjiOneMap.reloads >= 1")
        live = page.get_by_test_id("onemap-live")
        assert live.get_attribute("data-state") == "updated"
        assert "到达现场" in live.inner_text()
