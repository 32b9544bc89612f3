"""The /api/v1/regions endpoints, on the shared demo database (admin and scoped users)."""

from __future__ import annotations

import shapely

R = "/api/v1/regions"


def test_list_get_children_and_ancestors(client) -> None:
    page = client.get(R, params={"under": "500000", "level": 3, "limit": 5, "offset": 10}).json()
    assert page["total"] == 38 and len(page["items"]) == 5 and page["offset"] == 10
    assert "geometry" not in page["items"][0]
    assert client.get(R, params={"q": "渝中"}).json()["items"][0]["code"] == "500103"

    yuzhong = client.get(f"{R}/500103").json()
    assert yuzhong["name"] == "渝中区" and yuzhong["level"] == 3 and yuzhong["area_km2"] > 20
    assert [a["code"] for a in yuzhong["ancestors"]] == ["500000"]
    assert len(client.get(f"{R}/500000/children").json()) == 38

    missing = client.get(f"{R}/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get(R, params={"level": 9}).status_code == 422


def test_geometry_and_map_layers(client) -> None:
    full = client.get(f"{R}/500103/geometry")
    assert full.headers["content-type"].startswith("application/geo+json")
    feature = full.json()
    assert feature["type"] == "Feature" and feature["properties"]["code"] == "500103"
    rough = client.get(f"{R}/500103/geometry", params={"simplify": 0.01}).json()
    detail = shapely.geometry.shape(feature["geometry"])
    assert shapely.get_num_coordinates(shapely.geometry.shape(rough["geometry"])) < (
        shapely.get_num_coordinates(detail)
    )

    layer = client.get(f"{R}/geojson", params={"parent_code": "500000"}).json()
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == 38
    assert layer["truncated"] is False
    assert {f["properties"]["level"] for f in layer["features"]} == {3}
    provinces = client.get(f"{R}/geojson").json()  # national admin: the provinces
    assert len(provinces["features"]) == 31
    capped = client.get(f"{R}/geojson", params={"level": 3, "limit": 10}).json()
    assert len(capped["features"]) == 10 and capped["truncated"] is True


def test_locate_and_covering(client) -> None:
    found = client.post(
        f"{R}/locate", json={"points": [[106.57, 29.55], [123.0, 30.0]], "level": 3}
    ).json()
    assert found == ["500103", None]
    assert client.post(f"{R}/locate", json={"points": [], "level": 3}).json() == []

    circle = {"circle": {"lon": 106.57, "lat": 29.55, "radius_km": 3}}
    shares = client.post(f"{R}/covering", json={"geometry": circle, "level": 3}).json()
    assert shares[0]["code"] == "500103" and 0 < shares[0]["share"] <= 1
    assert all(s["share"] <= shares[0]["share"] for s in shares)
    square = shapely.geometry.mapping(shapely.box(106.569, 29.549, 106.571, 29.551))
    inside = client.post(f"{R}/covering", json={"geometry": square, "level": 3}).json()
    assert [s["code"] for s in inside] == ["500103"]
    bad = client.post(f"{R}/covering", json={"geometry": {"type": "Point", "coordinates": [1, 2]}})
    assert bad.status_code == 422
    bad = client.post(f"{R}/covering", json={"geometry": {"circle": {"lon": 1}}})
    assert bad.status_code == 422 and " / " in bad.json()["error"]["message"]


def test_upsert_is_for_writers_inside_their_area(api) -> None:
    row = {"code": "500101987", "name": "测试镇", "level": 4, "parent_code": "500101"}
    row["geometry"] = shapely.geometry.mapping(shapely.box(108.30, 30.70, 108.31, 30.71))
    created = api("wz_operator").post(R, json=row)
    assert created.status_code == 201, created.text
    assert created.json()["path"].endswith("/500101/500101987/")
    again = api("wz_operator").post(R, json={**row, "name": "测试镇二"})
    assert again.status_code == 200 and again.json()["name"] == "测试镇二"

    elsewhere = api("wz_operator").post(
        R, json={**row, "code": "500102987", "parent_code": "500102"}
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["error"]["details"][0]["field"] == "parent_code"
    assert api("viewer").post(R, json=row).status_code == 403
    assert api("wz_operator").get(f"{R}/500102").status_code == 404
    located = api("wz_operator").post(
        f"{R}/locate", json={"points": [[108.305, 30.705], [106.57, 29.55]], "level": 4}
    )
    first, outside = located.json()
    assert first.startswith("500101") and outside is None  # 渝中 is not wz_operator's
    # the new township is in the level-4 index at once (the cache saw the write)
    covered = (
        api("wz_operator")
        .post(f"{R}/covering", json={"geometry": row["geometry"], "level": 4})
        .json()
    )
    assert {"code": "500101987", "name": "测试镇二", "share": 1.0} in covered
