"""An imported road network is kept and used: dispatch then times the journey along the
roads, and clearing it brings the straight line back."""

from __future__ import annotations

import json

import pytest
from resources_helpers import WANZHOU, actor

from yingji.errors import PermissionDenied, ValidationFailed
from yingji.resources import dispatch, registry, roads, travel

LON, LAT = WANZHOU
BASE = (LON + 0.02, LAT)


def _layer(tmp_path):
    # One slow lane from the base to the incident: 10 km/h over about 1.9 km.
    road = {
        "type": "Feature",
        "properties": {"highway": "track", "speed_kmh": 10},
        "geometry": {"type": "LineString", "coordinates": [list(BASE), [LON, LAT]]},
    }
    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [road]}), "utf-8")
    return path


def test_dispatch_travels_on_the_imported_roads(session, city, storage, tmp_path):
    registry.create_team(
        session,
        city,
        {
            "code": "T1",
            "name": "T1",
            "kind": "fire_station",
            "size": 10,
            "lon": BASE[0],
            "lat": BASE[1],
        },
    )
    need = dispatch.parse_needs([{"kind": "team"}])
    straight = dispatch.rank(session, city, LON, LAT, need)[0].candidates[0].minutes
    network = roads.import_file(city, _layer(tmp_path))
    assert network.edge_from.size == 1 and roads.path().exists()
    km = float(travel.haversine_km([BASE], [[LON, LAT]])[0, 0])
    by_road = dispatch.rank(session, city, LON, LAT, need)[0].candidates[0].minutes
    assert by_road == pytest.approx(km / 10 * 60, abs=0.1)
    assert by_road > 3 * straight
    assert roads.clear(city) and roads.current() is None
    assert dispatch.rank(session, city, LON, LAT, need)[0].candidates[0].minutes == straight


def test_only_city_level_imports_roads(session, storage, tmp_path):
    with pytest.raises(PermissionDenied):
        roads.import_file(actor(session, "twp_operator"), _layer(tmp_path))
    bad = tmp_path / "roads.txt"
    bad.write_text("x", "utf-8")
    with pytest.raises(ValidationFailed):
        roads.import_file(actor(session, "cq_operator"), bad)


def test_roads_are_uploaded_shown_and_cleared_over_the_api(api, storage, tmp_path):
    city = api("cq_operator")
    assert city.get("/api/v1/resources/roads").json() == {"imported": False}
    layer = _layer(tmp_path).read_bytes()
    refused = api("twp_operator").post(
        "/api/v1/resources/roads", files={"file": ("roads.geojson", layer)}
    )
    assert refused.status_code == 403
    wrong = city.post("/api/v1/resources/roads", files={"file": ("roads.txt", b"x")})
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["field"] == "file"
    empty = city.post("/api/v1/resources/roads", files={"file": ("roads.geojson", b"")})
    assert empty.status_code == 422
    broken = city.post("/api/v1/resources/roads", files={"file": ("roads.geojson", b"{")})
    assert broken.status_code == 422
    made = city.post("/api/v1/resources/roads", files={"file": ("roads.geojson", layer)})
    assert made.status_code == 201, made.text
    info = city.get("/api/v1/resources/roads").json()
    km = float(travel.haversine_km([BASE], [[LON, LAT]])[0, 0])
    assert info["imported"] and (info["nodes"], info["edges"]) == (2, 1)
    assert info["km"] == pytest.approx(km, abs=0.1)
    assert city.delete("/api/v1/resources/roads").json() == {"cleared": True}
    assert city.get("/api/v1/resources/roads").json() == {"imported": False}
