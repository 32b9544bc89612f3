"""The public side: filing without sign-in, receipts, anti-spam refusals, identity at rest."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine, select, text

from yingji.config import get_settings
from yingji.db import session_factory
from yingji.files.models import Attachment
from yingji.files.service import read
from yingji.whistle.models import TARGET, WhistleReport

from .conftest import form_fields, submit


def test_form_offers_the_installations_townships(public: Any, places: dict[str, str]) -> None:
    reply = public().get("/api/v1/public/whistle-reports/form")
    assert reply.status_code == 200
    body = reply.json()
    assert "+" in body["question"] and body["form_token"]
    townships = {t["code"] for c in body["regions"] for t in c["townships"]}
    assert places["twp"] in townships and places["twp2"] in townships
    assert {c["code"] for c in body["regions"]} == {"500101", "500103"}


def test_submit_without_login_gives_receipt_and_status(public: Any, places: dict[str, str]) -> None:
    client = public()
    reply = submit(
        client,
        title="某加油站夜间违规卸油",
        description="每晚十点后无人监护卸油",
        region_code=places["twp"],
        address="滨江路 18 号",
        enterprise_name="某某加油站",
    )
    receipt = reply.json()["receipt"]
    assert len(receipt.replace("-", "")) == 12 and reply.json()["state"] == "received"
    status = client.get(f"/api/v1/public/whistle-reports/{receipt.lower()}")
    assert status.status_code == 200, status.text
    body = status.json()
    assert body["state"] == "received" and body["title"] == "某加油站夜间违规卸油"
    assert body["notes"] and not body["reward_granted"]
    assert not {"code", "id", "hazard_id", "region_id", "events", "actor"} & body.keys()
    missing = client.get("/api/v1/public/whistle-reports/ABCD-EFGH-JKMN")
    assert missing.status_code == 404


def test_sixth_report_in_the_hour_is_refused(public: Any, places: dict[str, str]) -> None:
    assert get_settings().whistle_max_per_hour == 5
    client = public("198.51.100.5")
    for n in range(5):
        submit(client, title=f"举报 {n}", region_code=places["twp"])
    refused = submit(client, 429, title="第六次", region_code=places["twp"])
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
    submit(public("198.51.100.6"), title="另一地址", region_code=places["twp"])


def test_receipt_lookups_are_rate_limited(
    public: Any, places: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "whistle_lookups_per_hour", 3)
    client = public("198.51.100.7")
    for _ in range(3):
        assert client.get("/api/v1/public/whistle-reports/AAAABBBBCCCC").status_code == 404
    refused = client.get("/api/v1/public/whistle-reports/AAAABBBBCCCC")
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def _field(reply: Any) -> str:
    return reply.json()["error"]["details"][0]["field"]


def test_spam_signs_are_refused_naming_the_field(public: Any, places: dict[str, str]) -> None:
    client = public()
    url = "/api/v1/public/whistle-reports"
    where = {"title": "x", "region_code": places["twp"]}
    honeypot = client.post(url, data=form_fields(website="http://spam.example", **where))
    assert honeypot.status_code == 422 and _field(honeypot) == "website"
    too_fast = client.post(url, data=form_fields(age_seconds=0, **where))
    assert too_fast.status_code == 422 and _field(too_fast) == "form_token"
    wrong = client.post(url, data={**form_fields(**where), "answer": "99"})
    assert wrong.status_code == 422 and _field(wrong) == "answer"
    forged = client.post(url, data={**form_fields(**where), "form_token": "forged.token"})
    assert forged.status_code == 422 and _field(forged) == "form_token"
    once = form_fields(**where)
    assert client.post(url, data=once).status_code == 201
    again = client.post(url, data=once)
    assert again.status_code == 422 and _field(again) == "form_token"


def test_bad_inputs_name_their_field(public: Any, places: dict[str, str]) -> None:
    client = public()
    no_phone = submit(
        client, 422, title="x", region_code=places["twp"], anonymous="false", name="张三"
    )
    assert _field(no_phone) == "phone"
    bad_phone = submit(
        client,
        422,
        title="x",
        region_code=places["twp"],
        anonymous="false",
        name="张三",
        phone="12345",
    )
    assert _field(bad_phone) == "phone"
    nowhere = submit(client, 422, title="x")
    assert _field(nowhere) == "region_code"
    village = submit(client, 422, title="x", region_code="110101")
    assert _field(village) == "region_code"
    not_image = submit(
        client,
        422,
        title="x",
        region_code=places["twp"],
        files=[("photos", ("a.jpg", b"not an image", "image/jpeg"))],
    )
    assert _field(not_image) == "photos"


def test_identity_is_not_stored_in_plaintext(
    public: Any, places: dict[str, str], engine: Engine
) -> None:
    submit(
        public(),
        title="矿井违规组织生产",
        region_code=places["twp"],
        anonymous="false",
        name="王举报",
        phone="138 0013 8000",
    )
    with engine.connect() as conn:
        query = text("SELECT * FROM whistle_report WHERE title = :t")
        row = conn.execute(query, {"t": "矿井违规组织生产"}).mappings().one()
        audit = " ".join(conn.execute(text("SELECT record FROM audit_entry")).scalars())
        attempts = conn.execute(text("SELECT ip_hash, kind FROM whistle_attempt")).all()
    raw = " ".join(str(v) for v in row.values())
    assert row["identity_cipher"] and not row["anonymous"]
    for secret in ("13800138000", "王举报"):
        assert secret not in raw and secret not in audit
    assert ("", "nonce") in attempts and any(kind == "submit" for _, kind in attempts)
    assert "203.0.113.9" not in str(attempts) and "203.0.113.9" not in audit


def test_map_point_finds_the_township_and_photos_lose_metadata(
    public: Any, places: dict[str, str], engine: Engine
) -> None:
    with session_factory(engine)() as s:
        from yingji.regions.models import Region

        twp = s.scalar(select(Region).where(Region.code == places["twp"]))
        lon, lat = twp.centroid_lon, twp.centroid_lat
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x013B] = "Reporter Name"  # Artist
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif.tobytes())
    assert b"Reporter Name" in buf.getvalue()
    submit(
        public(),
        title="河道非法采砂",
        lon=str(lon),
        lat=str(lat),
        files=[("photos", ("p.jpg", buf.getvalue(), "image/jpeg"))],
    )
    with session_factory(engine)() as s:
        report = s.scalar(select(WhistleReport))
        assert (report is not None and report.region_path.endswith(places["twp"] + "/")) or (
            report is not None and places["twp"] in report.region_path
        )
        photo = s.scalar(select(Attachment).where(Attachment.owner_kind == TARGET))
        assert photo is not None and photo.content_type == "image/jpeg"
        assert photo.filename == "photo-1"  # not the name the phone gave it
        assert b"Reporter Name" not in read(photo)
