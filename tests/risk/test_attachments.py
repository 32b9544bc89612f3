"""Risk point attachments (photos and PDF documents), and the map's bounding-box filter
on risk points and enterprises."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.config import get_settings
from yingji.regions import geo
from yingji.regions.models import Region

TOWN = "500101001"  # 中和街道: twp_operator's township
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def no_demo_risk_points() -> None:
    """These tests look only at their own points (codes ATT-, BOX-), so the demo's risk
    points may stay (overrides the package fixture that empties the register)."""


@pytest.fixture(autouse=True)
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Uploads go to the test's own directory; files are at most 1 MB."""
    monkeypatch.setenv("YINGJI_STORAGE_ROOT", str(tmp_path / "storage"))
    monkeypatch.setenv("YINGJI_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    yield tmp_path / "storage"
    get_settings.cache_clear()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def _inside(api: Any, code: str = TOWN) -> tuple[float, float]:
    with Session(api.app.state.engine) as session:
        region = session.scalar(select(Region).where(Region.code == code))
        p = geo.from_wkb(region.geometry).point_on_surface()
        return round(p.x, 6), round(p.y, 6)


def _point(api: Any, code: str = "ATT-1", town: str = TOWN, user: str = "admin") -> dict:
    lon, lat = _inside(api, town)
    body = {"code": code, "name": "附件测试滑坡", "category": "landslide", "level": "large"}
    reply = api(user).post("/api/v1/risk-points", json={**body, "lon": lon, "lat": lat})
    assert reply.status_code == 201, reply.text
    return reply.json()


def _upload(client: Any, point_id: int, name: str, data: bytes, **form: Any) -> Any:
    return client.post(
        f"/api/v1/risk-points/{point_id}/attachments",
        files={"file": (name, data, "application/octet-stream")},
        data=form,
    )


def test_upload_list_and_download(api, storage: Path) -> None:
    point = _point(api)
    client = api("twp_operator")
    photo = _png()
    reply = _upload(client, point["id"], "现场照片.png", photo, lon="108.4", lat="30.8")
    assert reply.status_code == 201, reply.text
    made = reply.json()
    assert (made["content_type"], made["size"], made["filename"]) == (
        "image/png",
        len(photo),
        "现场照片.png",
    )
    assert (made["lon"], made["lat"]) == (108.4, 30.8)
    doc = _upload(client, point["id"], "调查报告.pdf", PDF)
    assert doc.status_code == 201 and doc.json()["content_type"] == "application/pdf"
    assert any(storage.rglob("*"))  # the bytes are under storage_root

    listed = api("wz_operator").get(f"/api/v1/risk-points/{point['id']}/attachments")
    assert listed.status_code == 200
    assert [a["filename"] for a in listed.json()] == ["现场照片.png", "调查报告.pdf"]
    got = api("viewer").get(made["url"])  # the city viewer sees the point, so its files
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("big.png", b"\x89PNG" + b"0" * (1024 * 1024)),  # over the 1 MB limit
        ("notes.txt", b"just some text"),
        ("fake.png", b"GIF89a" + b"\0" * 32),
        ("empty.pdf", b""),
    ],
)
def test_refused_files_name_the_field(api, name: str, data: bytes) -> None:
    point = _point(api)
    reply = _upload(api("twp_operator"), point["id"], name, data)
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]["details"][0]["field"] == "file"
    assert api("admin").get(f"/api/v1/risk-points/{point['id']}/attachments").json() == []


def test_scope_writers_only_and_out_of_scope_is_missing(api) -> None:
    point = _point(api)
    made = _upload(api("twp_operator"), point["id"], "a.pdf", PDF).json()
    other = api("twp2_operator")  # another township's operator
    assert _upload(other, point["id"], "b.pdf", PDF).status_code == 404
    assert other.get(f"/api/v1/risk-points/{point['id']}/attachments").status_code == 404
    assert other.get(made["url"]).status_code == 404
    assert _upload(api("viewer"), point["id"], "c.pdf", PDF).status_code == 403
    assert _upload(api("admin"), 999999, "d.pdf", PDF).status_code == 404
    assert len(api("admin").get(f"/api/v1/risk-points/{point['id']}/attachments").json()) == 1


# --- bounding boxes ----------------------------------------------------------------------


def _box(lon: float, lat: float, half: float = 0.01) -> str:
    return f"{lon - half},{lat - half},{lon + half},{lat + half}"


def test_risk_points_by_bbox(api) -> None:
    here = _point(api, "BOX-1")
    there = _point(api, "BOX-2", town="500101002")
    client = api("admin")
    mine = {"q": "BOX-"}  # the demo's points may lie in the same boxes
    box = _box(here["lon"], here["lat"])
    found = client.get("/api/v1/risk-points", params={**mine, "bbox": box})
    assert found.status_code == 200
    assert [p["code"] for p in found.json()["items"]] == ["BOX-1"]
    layer = client.get(
        "/api/v1/risk-points",
        params={**mine, "format": "geojson", "bbox": _box(there["lon"], there["lat"])},
    ).json()
    assert [f["properties"]["code"] for f in layer["features"]] == ["BOX-2"]
    assert layer["total"] == 1
    inside = client.get("/api/v1/risk-points", params={"bbox": box, "limit": 1000}).json()
    assert all(abs(p["lon"] - here["lon"]) <= 0.01 for p in inside["items"])
    world = client.get("/api/v1/risk-points", params={**mine, "bbox": "-180,-90,180,90"})
    assert world.json()["total"] == 2
    # the scope still applies inside the box
    other = api("twp2_operator").get(
        "/api/v1/risk-points", params={**mine, "bbox": "-180,-90,180,90"}
    )
    assert [p["code"] for p in other.json()["items"]] == ["BOX-2"]


@pytest.mark.parametrize(
    "bbox",
    ["1,2,3", "a,b,c,d", "10,20,5,30", "10,30,20,25", "-181,0,10,10", "0,-91,10,10", "0,0,nan,1"],
)
@pytest.mark.parametrize("path", ["/api/v1/risk-points", "/api/v1/enterprises"])
def test_bad_bbox_is_422_naming_bbox(api, path: str, bbox: str) -> None:
    reply = api("admin").get(path, params={"bbox": bbox})
    assert reply.status_code == 422, reply.text
    assert [d["field"] for d in reply.json()["error"]["details"]] == ["bbox"]


def test_enterprises_by_bbox(api) -> None:
    client = api("admin")
    items = client.get("/api/v1/enterprises", params={"limit": 1000}).json()["items"]
    placed = [e for e in items if e["lon"] is not None]
    assert placed
    first = placed[0]
    near = client.get(
        "/api/v1/enterprises", params={"bbox": _box(first["lon"], first["lat"], 0.0001)}
    ).json()
    assert first["id"] in [e["id"] for e in near["items"]]
    assert all(
        abs(e["lon"] - first["lon"]) <= 0.0001 and abs(e["lat"] - first["lat"]) <= 0.0001
        for e in near["items"]
    )
    assert near["total"] < len(items)
    far = client.get("/api/v1/enterprises", params={"bbox": "0,0,1,1"}).json()
    assert far["total"] == 0
