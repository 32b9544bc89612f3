"""Stored assessments through the API, the CLI and the feed poller, with region scoping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from yingji.db import session_factory
from yingji.quake import polling
from yingji.quake.models import QuakeAssessment, QuakeImpact
from yingji.warnings.direct_models import DirectMessage

DATA = Path(__file__).parent / "data"
WANZHOU = {"lat": 30.81, "lon": 108.41, "magnitude": 5.6, "depth_km": 10, "name": "万州测试"}
DEMO = "万州区6.0级地震（演练）"
JISHISHAN = {"lat": 35.70, "lon": 102.79, "magnitude": 6.2, "depth_km": 10, "strike": 160}


def test_assess_store_and_read_through_the_api(api):
    admin = api("admin")
    created = admin.post("/api/v1/quake/assessments", json=WANZHOU)
    assert created.status_code == 201, created.text
    doc = created.json()
    assert doc["max_intensity"] >= 6
    assert any(c["name"] == "万州区" for c in doc["counties"])
    one = admin.get(f"/api/v1/quake/assessments/{doc['id']}").json()
    assert one["deaths"] == doc["deaths"]
    geo = admin.get(f"/api/v1/quake/assessments/{doc['id']}/isoseismals.geojson").json()
    assert geo["type"] == "FeatureCollection"
    assert geo["features"][0]["properties"]["intensity"] == 6
    listed = admin.get("/api/v1/quake/assessments").json()
    assert [i["name"] for i in listed["items"]] == ["万州测试", DEMO]


def test_scope_follows_the_shaken_counties(api, engine):
    admin, local = api("admin"), api("cq_operator")
    far = admin.post("/api/v1/quake/assessments", json=JISHISHAN).json()
    near = admin.post("/api/v1/quake/assessments", json=WANZHOU).json()
    seen = local.get("/api/v1/quake/assessments").json()
    assert [i["id"] for i in seen["items"]][:1] == [near["id"]]
    assert far["id"] not in [i["id"] for i in seen["items"]]
    assert local.get(f"/api/v1/quake/assessments/{far['id']}").status_code == 404
    refused = local.post("/api/v1/quake/assessments", json=JISHISHAN)
    assert refused.status_code == 403
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(QuakeAssessment)) == 3  # with the demo
        wanzhou = select(QuakeImpact.region_path).where(QuakeImpact.region_code == "500101")
        paths = s.scalars(wanzhou).all()
        assert paths
        assert all(p and p.startswith("/500000/") for p in paths)


def test_bad_input_names_the_fields_and_stores_nothing(api, engine):
    bad = api("admin").post(
        "/api/v1/quake/assessments", json={**WANZHOU, "lat": 80, "magnitude_type": "mb"}
    )
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["error"]["details"]} == {"lat", "magnitude_type"}
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(QuakeAssessment)) == 1  # the demo's


def test_feed_events_are_assessed_once(engine):
    first = polling.poll(engine, str(DATA / "simple_sample.json"), min_magnitude=6.0)
    assert len(first.assessed) == 3  # Jishishan, Luding, Maduo; Wushi has no latitude
    assert any("lat" in line for line in first.errors)
    again = polling.poll(engine, str(DATA / "simple_sample.json"), min_magnitude=6.0)
    assert again.assessed == [] and again.known == 3
    with session_factory(engine)() as s:
        feed = select(QuakeAssessment).where(QuakeAssessment.source == "feed")
        rows = s.scalars(feed.order_by(QuakeAssessment.id)).all()
        assert len(rows) == 3
        assert rows[0].origin_time is not None and rows[0].origin_time.hour == 15  # UTC


def test_cli_saves_and_lists(cli):
    saved = cli(
        "quake", "assess", "--lat", "30.81", "--lon", "108.41", "--mag", "5.6",
        "--save", "--name", "万州测试", "--format", "json",
    )  # fmt: skip
    assert saved.exit_code == 0, saved.output
    listed = cli("quake", "list")
    assert "万州测试" in listed.output and "共 2 次评估" in listed.output  # and the demo's


def test_imported_townships_stand_in_for_their_county(api):
    doc = api("admin").post("/api/v1/quake/assessments", json={**WANZHOU, "magnitude": 6.0}).json()
    towns = [t for t in doc["townships"] if t["county"] == "500101"]
    assert towns, "the demo imports 万州's townships"
    wanzhou = next(c for c in doc["counties"] if c["adcode"] == "500101")
    assert wanzhou["population"] == pytest.approx(
        sum(t["population"] for t in towns), abs=len(towns)
    )
    assert wanzhou["max_intensity"] == max(t["max_intensity"] for t in towns)
    assert all(p["max_intensity"] >= 7 for p in doc["priorities"])
    assert {p["adcode"] for p in doc["priorities"]} <= {t["adcode"] for t in doc["townships"]}


def test_calling_the_vii_townships_uses_direct_reach(api, engine):
    admin = api("admin")
    doc = admin.post("/api/v1/quake/assessments", json={**WANZHOU, "magnitude": 6.0}).json()
    reply = admin.post(f"/api/v1/quake/assessments/{doc['id']}/call", json={})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["places"] == len([p for p in doc["priorities"] if len(p["adcode"]) > 6])
    assert body["instructions"] > 0
    with session_factory(engine)() as s:
        message = s.get(DirectMessage, body["direct_id"])
        assert message.layers == [4]
        assert "Ⅶ 度及以上" in message.text
        assert set(message.region_codes) == {
            p["adcode"] for p in doc["priorities"] if len(p["adcode"]) > 6
        }


def test_no_call_without_a_vii_zone(api):
    admin = api("admin")
    doc = admin.post("/api/v1/quake/assessments", json={**WANZHOU, "magnitude": 4.6}).json()
    assert doc["max_intensity"] < 7
    reply = admin.post(f"/api/v1/quake/assessments/{doc['id']}/call", json={})
    assert reply.status_code == 422


def test_cli_calls_the_vii_townships(cli):
    saved = cli(
        "quake", "assess", "--lat", "30.81", "--lon", "108.41", "--mag", "6.0",
        "--save", "--format", "json",
    )  # fmt: skip
    assessment = json.loads(saved.output)["id"]
    called = cli("quake", "call", str(assessment), "--channels", "sms,inbox")
    assert called.exit_code == 0, called.output
    assert "/direct/" in called.output
    refused = cli("quake", "call", str(assessment), "--as-user", "viewer")
    assert refused.exit_code == 1


def test_map_and_reports_download(api):
    admin = api("admin")
    doc = admin.post("/api/v1/quake/assessments", json={**WANZHOU, "magnitude": 6.0}).json()
    base = f"/api/v1/quake/assessments/{doc['id']}"
    png = admin.get(f"{base}/map.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    pdf = admin.get(f"{base}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    html = admin.get(f"{base}/report.html").text
    assert "地震灾害快速评估报告" in html and "万州区" in html
    assert admin.get(f"{base}/report.docx").status_code == 404
    counties = admin.get(f"{base}/counties.geojson").json()
    assert {f["properties"]["adcode"] for f in counties["features"]} >= {"500101"}


def test_cli_writes_the_report_files(cli, tmp_path):
    saved = cli(
        "quake", "assess", "--lat", "30.81", "--lon", "108.41", "--mag", "6.0",
        "--save", "--format", "json",
    )  # fmt: skip
    assessment = json.loads(saved.output)["id"]
    out = tmp_path / "reports"
    written = cli("quake", "report", str(assessment), "--out", str(out))
    assert written.exit_code == 0, written.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        f"quake-{assessment}-isoseismals.geojson",
        f"quake-{assessment}-map.png",
        f"quake-{assessment}-report.html",
        f"quake-{assessment}-report.pdf",
    ]
