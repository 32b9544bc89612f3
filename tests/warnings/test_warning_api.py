"""The warning register through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from cap_samples import RAINSTORM, rainstorm
from lxml import etree
from sqlalchemy import Engine, func, select

from yingji.db import session_factory
from yingji.warnings import GEOCODE_REGION, parse
from yingji.warnings.models import EarlyWarning

CAP_HEADERS = {"content-type": "application/cap+xml"}
SAMPLE_ID = "CQ-MET-20260712-0601-RS-ORANGE"
SAMPLE_SENDER = "cqmet@cma.gov.cn"


def new_warning(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "geological",
        "level": 3,
        "stage": "nowcast",
        "key_period": True,
        "area_desc": "万州区溪口镇",
        "area": {"region_codes": ["500101002"]},
        "valid_until": "2099-01-01T00:00:00+08:00",
        "authority": "万州区应急管理局",
        "headline": "万州区发布地质灾害黄色预警",
        "description": "连续降雨,滑坡风险高。",
        "instruction": "转移危险区群众。",
    }
    return body | changes


def count(engine: Engine) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(EarlyWarning)) or 0


def test_created_warning_exports_as_cap(api) -> None:
    reply = api("wz_operator").post("/api/v1/warnings", json=new_warning())
    assert reply.status_code == 201, reply.text
    out = reply.json()
    assert (out["level_name"], out["stage"], out["status"]) == ("yellow", "nowcast", "active")
    assert out["region_codes"] == ["500101002"]
    cap = api("wz_operator").get(out["cap_url"])
    assert cap.status_code == 200
    assert cap.headers["content-type"].startswith("application/cap+xml")
    alert = parse(cap.content)
    [info] = alert.infos
    assert alert.identifier == out["identifier"]
    assert info.severity == "Moderate"
    assert info.event == "地质灾害"
    assert ("yingji:key_period", "true") in info.parameters
    assert info.areas[0].geocodes == [(GEOCODE_REGION, "500101002")]


def test_sample_cap_is_stored_with_level_and_regions(api) -> None:
    reply = api("admin").post(
        "/api/v1/warnings/cap", content=RAINSTORM.encode(), headers=CAP_HEADERS
    )
    assert reply.status_code == 201, reply.text
    out = reply.json()
    assert (out["category"], out["level"], out["level_name"]) == ("rainstorm", 2, "orange")
    assert out["stage"] == "forecast"  # urgency Expected
    assert {"500101", "500154"} <= set(out["region_codes"])
    assert out["area"]["circles"] == [[108.4086, 30.8077, 25.5]]
    # the re-export carries the same identifier and every covered region as a geocode
    alert = parse(api("admin").get(out["cap_url"]).content)
    assert alert.identifier == SAMPLE_ID
    assert set(out["region_codes"]) == set(alert.infos[0].areas[0].region_codes)


def test_multipart_upload_is_accepted(api) -> None:
    files = {"file": ("rain.xml", RAINSTORM.encode(), "application/xml")}
    reply = api("cq_operator").post("/api/v1/warnings/cap", files=files)
    assert reply.status_code == 201, reply.text


def test_hostile_or_bad_cap_stores_nothing(api, engine: Engine) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><alert>&lol2;</alert>'
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<alert>&x;</alert>"
    )
    unknown_region = rainstorm({"<value>500154</value>": "<value>999999</value>"})
    for body in (bomb, external, unknown_region, b"<alert"):
        reply = api("admin").post("/api/v1/warnings/cap", content=body, headers=CAP_HEADERS)
        assert reply.status_code == 422, reply.text
        assert reply.json()["error"]["details"][0]["field"]
    assert count(engine) == 0


def test_update_replaces_and_cancel_cancels(api) -> None:
    admin = api("admin")
    first = admin.post("/api/v1/warnings/cap", content=RAINSTORM.encode(), headers=CAP_HEADERS)
    assert first.status_code == 201, first.text
    ref = f"<references>{SAMPLE_SENDER},{SAMPLE_ID},2026-07-12T06:00:00+08:00</references>"
    update = rainstorm(
        {
            "0601-RS-ORANGE": "0900-RS-RED",
            "<msgType>Alert</msgType>": "<msgType>Update</msgType>",
            "<scope>Public</scope>": f"<scope>Public</scope>{ref}",
            "<sent>2026-07-12T06:00:00+08:00": "<sent>2026-07-12T09:00:00+08:00",
            "<value>橙色</value>": "<value>红色</value>",
        }
    )
    second = admin.post("/api/v1/warnings/cap", content=update, headers=CAP_HEADERS)
    assert second.status_code == 201, second.text
    assert second.json()["level_name"] == "red"
    assert second.json()["replaces_id"] == first.json()["id"]
    assert admin.get(f"/api/v1/warnings/{first.json()['id']}").json()["status"] == "updated"
    # an Update referring to a warning nobody stored is refused
    dangling = update.replace(b"RS-RED", b"RS-RED2").replace(b"0601-RS", b"0000-XX")
    refused = admin.post("/api/v1/warnings/cap", content=dangling, headers=CAP_HEADERS)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"][0]["field"] == "references"
    # a Cancel of the update cancels it
    cancel_ref = (
        f"<references>{SAMPLE_SENDER},CQ-MET-20260712-0900-RS-RED,2026-07-12T09:00:00+08:00"
    )
    cancel = rainstorm(
        {
            "<msgType>Alert</msgType>": "<msgType>Cancel</msgType>",
            "<scope>Public</scope>": f"<scope>Public</scope>{cancel_ref}</references>",
            "0601-RS-ORANGE": "1200-RS-CANCEL",
            "<sent>2026-07-12T06:00:00+08:00": "<sent>2026-07-12T12:00:00+08:00",
        }
    )
    done = admin.post("/api/v1/warnings/cap", content=cancel, headers=CAP_HEADERS)
    assert done.status_code == 201, done.text
    assert done.json()["id"] == second.json()["id"]
    assert done.json()["status"] == "cancelled"


def test_api_update_and_cancel(api) -> None:
    wz = api("wz_operator")
    first = wz.post("/api/v1/warnings", json=new_warning()).json()
    second = wz.post("/api/v1/warnings", json=new_warning(level=2, replaces=first["id"]))
    assert second.status_code == 201, second.text
    alert = parse(wz.get(second.json()["cap_url"]).content)
    assert alert.msg_type == "Update"
    assert [r[1] for r in alert.references] == [first["identifier"]]
    assert wz.get(f"/api/v1/warnings/{first['id']}").json()["status"] == "updated"
    cancelled = wz.post(f"/api/v1/warnings/{second.json()['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    again = wz.post(f"/api/v1/warnings/{second.json()['id']}/cancel")
    assert again.status_code == 422


def test_scope_and_writers(api) -> None:
    other_county = new_warning(area_desc="涪陵区", area={"region_codes": ["500102"]})
    far = api("cq_operator").post("/api/v1/warnings", json=other_county)
    assert far.status_code == 201, far.text
    near = api("cq_operator").post("/api/v1/warnings", json=new_warning())
    assert near.status_code == 201, near.text
    seen = {w["id"] for w in api("twp2_operator").get("/api/v1/warnings").json()["items"]}
    assert seen == {near.json()["id"]}
    assert api("twp2_operator").get(f"/api/v1/warnings/{far.json()['id']}").status_code == 404
    # twp_operator (another township) does not see the 溪口镇 warning either
    others = api("twp_operator").get("/api/v1/warnings").json()["items"]
    assert [w["id"] for w in others] == []
    # a county operator cannot warn another county; a viewer cannot warn at all
    assert api("wz_operator").post("/api/v1/warnings", json=other_county).status_code == 403
    assert api("viewer").post("/api/v1/warnings", json=new_warning()).status_code == 403
    # filters
    admin = api("admin")
    assert admin.get("/api/v1/warnings?under=500101").json()["total"] == 1
    assert admin.get("/api/v1/warnings?level=3&active_now=true").json()["total"] == 2
    assert admin.get("/api/v1/warnings?category=flood").json()["total"] == 0


def test_bad_input_names_the_field(api) -> None:
    wz = api("wz_operator")
    for changes, field in (
        ({"category": "meteor"}, "category"),
        ({"level": 7}, "level"),
        ({"stage": "soon"}, "stage"),
        ({"area": {"region_codes": ["123"]}}, "area.region_codes"),
        (
            {"area": {"polygons": [[[108.0, 30.0], [108.1, 30.0], [108.1, 30.1]]]}},
            "area.polygons.0",
        ),
        ({"valid_from": "2099-02-01T00:00:00Z"}, "valid_until"),
    ):
        reply = wz.post("/api/v1/warnings", json=new_warning(**changes))
        assert reply.status_code == 422, (changes, reply.text)
        assert reply.json()["error"]["details"][0]["field"] == field


def test_polygon_area_covers_counties(api) -> None:
    ring = [[108.3, 30.7], [108.5, 30.7], [108.5, 30.9], [108.3, 30.9], [108.3, 30.7]]
    body = new_warning(area={"polygons": [ring], "circles": [[108.4, 30.8, 5.0]]})
    reply = api("wz_operator").post("/api/v1/warnings", json=body)
    assert reply.status_code == 201, reply.text
    assert "500101" in reply.json()["region_codes"]
    area = parse(api("wz_operator").get(reply.json()["cap_url"]).content).infos[0].areas[0]
    assert area.polygons == [[tuple(p) for p in ring]]
    assert area.circles == [(108.4, 30.8, 5.0)]


def test_public_atom_feed(api) -> None:
    admin = api("admin")
    live = admin.post("/api/v1/warnings", json=new_warning(headline="生效预警")).json()
    gone = admin.post("/api/v1/warnings", json=new_warning(headline="已解除预警")).json()
    admin.post(f"/api/v1/warnings/{gone['id']}/cancel")
    anon = api.anonymous()
    reply = anon.get("/api/v1/public/warnings.atom")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(reply.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [t.text for t in root.findall("a:entry/a:title", ns)]
    assert len(titles) == 1 and titles[0].startswith("生效预警")
    [link] = root.findall("a:entry/a:link", ns)
    assert link.get("type") == "application/cap+xml"
    cap = anon.get(link.get("href"))
    assert cap.status_code == 200
    assert parse(cap.content).identifier == live["identifier"]
    assert anon.get("/api/v1/warnings").status_code == 401


def test_expired_is_derived_and_left_out_of_the_feed(api) -> None:
    old = new_warning(valid_from="2020-01-01T00:00:00Z", valid_until="2020-01-02T00:00:00Z")
    reply = api("wz_operator").post("/api/v1/warnings", json=old)
    assert reply.status_code == 201, reply.text
    assert reply.json()["status"] == "expired"
    admin = api("admin")
    assert admin.get("/api/v1/warnings?status=expired").json()["total"] == 1
    assert admin.get("/api/v1/warnings?status=active").json()["total"] == 0
    root = etree.fromstring(api.anonymous().get("/api/v1/public/warnings.atom").content)
    assert root.findall("{http://www.w3.org/2005/Atom}entry") == []


def test_operator_cannot_ingest_outside_their_area(api, engine: Engine) -> None:
    reply = api("twp2_operator").post(
        "/api/v1/warnings/cap", content=RAINSTORM.encode(), headers=CAP_HEADERS
    )
    assert reply.status_code == 403, reply.text
    assert (
        api("viewer")
        .post("/api/v1/warnings/cap", content=RAINSTORM.encode(), headers=CAP_HEADERS)
        .status_code
        == 403
    )
    assert count(engine) == 0


def test_level_and_stage_fall_back_to_severity_and_urgency(api) -> None:
    message = rainstorm(
        {
            """    <parameter>
      <valueName>预警等级</valueName>
      <value>橙色</value>
    </parameter>
""": "",
            "<severity>Severe</severity>": "<severity>Extreme</severity>",
            "<urgency>Expected</urgency>": "<urgency>Immediate</urgency>",
        }
    )
    reply = api("admin").post("/api/v1/warnings/cap", content=message, headers=CAP_HEADERS)
    assert reply.status_code == 201, reply.text
    assert (reply.json()["level_name"], reply.json()["stage"]) == ("red", "imminent")
