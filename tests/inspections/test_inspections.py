"""Inspections through the API: templates and their versions, the create → results → finish
flow that files hazards, bad input, scope, and lists."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image


def png() -> bytes:
    """A small real PNG."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return out.getvalue()


def _start(client: Any, status: int = 201, **body: Any) -> dict[str, Any]:
    reply = client.post("/api/v1/inspections", json=body)
    assert reply.status_code == status, reply.text
    return reply.json()


def _answer_all(
    client: Any, inspection: dict[str, Any], fail: dict[str, str], na: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every item pass, except ``fail`` (code → note) and ``na``."""
    results = []
    for item in inspection["results"]:
        code = item["item_code"]
        if code in fail:
            results.append({"item_code": code, "result": "fail", "note": fail[code]})
        else:
            results.append({"item_code": code, "result": "na" if code in na else "pass"})
    reply = client.put(f"/api/v1/inspections/{inspection['id']}/results", json={"results": results})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_templates_ship_with_items_and_clauses(api: Any) -> None:
    client = api("viewer")
    listed = client.get("/api/v1/checklists").json()["items"]
    by_code = {t["code"]: t for t in listed}
    assert set(by_code) >= {"HAZCHEM-121", "INDTRADE-10", "FIRE-35181"}
    assert by_code["HAZCHEM-121"]["item_count"] == 20
    detail = client.get(f"/api/v1/checklists/{by_code['HAZCHEM-121']['id']}").json()
    assert [i["clause"] for i in detail["items"]][2] == "121号 第3项"
    assert all(i["major"] and i["text_zh"] and i["text_en"] for i in detail["items"])
    fire = client.get(f"/api/v1/checklists/{by_code['FIRE-35181']['id']}").json()
    direct = [i for i in fire["items"] if i["clause"].startswith("GB 35181-2017 6.")]
    assert len(direct) == 10 and all(i["major"] for i in direct)
    assert any(not i["major"] for i in fire["items"])


def test_new_version_leaves_done_inspections_alone(api: Any, places: dict[str, Any]) -> None:
    admin = api("admin")
    old = admin.get(f"/api/v1/checklists/{places['hazchem']}").json()
    inspection = _start(
        admin, template_id=old["id"], kind="regulatory", enterprise_id=places["own_enterprise"]
    )
    items = [dict(i) for i in old["items"]]
    items[0]["text_zh"] = "主要负责人、安全管理人员持有效考核合格证（修订）"
    reply = admin.put("/api/v1/checklists/HAZCHEM-121", json={**old, "items": items})
    assert reply.status_code == 200, reply.text
    new = reply.json()
    assert new["version"] == old["version"] + 1 and new["id"] != old["id"]
    assert new["items"][0]["text_zh"].endswith("（修订）")
    latest = {t["code"]: t for t in admin.get("/api/v1/checklists").json()["items"]}
    assert latest["HAZCHEM-121"]["id"] == new["id"]
    every = admin.get("/api/v1/checklists", params={"all_versions": True}).json()["items"]
    assert {t["version"] for t in every if t["code"] == "HAZCHEM-121"} == {1, 2}
    again = admin.get(f"/api/v1/checklists/{old['id']}").json()
    assert again["items"][0]["text_zh"] == old["items"][0]["text_zh"] and not again["latest"]
    kept = admin.get(f"/api/v1/inspections/{inspection['id']}").json()
    assert kept["template_version"] == old["version"]
    assert kept["results"][0]["text_zh"] == old["items"][0]["text_zh"]


def test_only_admins_edit_templates_and_bad_ones_name_the_field(api: Any) -> None:
    body = {
        "code": "TEST-1",
        "name_zh": "测试检查表",
        "items": [
            {"code": "A", "text_zh": "一", "clause": "第1项"},
            {"code": "A", "text_zh": "二", "clause": "第2项"},
        ],
    }
    assert api("cq_operator").post("/api/v1/checklists", json=body).status_code == 403
    reply = api("admin").post("/api/v1/checklists", json=body)
    assert reply.status_code == 422
    assert [d["field"] for d in reply.json()["error"]["details"]] == ["items[1].code"]
    body["items"][1]["code"] = "B"
    assert api("admin").post("/api/v1/checklists", json=body).status_code == 201
    assert api("admin").post("/api/v1/checklists", json=body).status_code == 409
    assert api("admin").put("/api/v1/checklists/NOPE", json=body).status_code == 404


def test_finish_turns_failed_items_into_linked_hazards(api: Any, places: dict[str, Any]) -> None:
    regulator = api("cq_operator")
    inspection = _start(
        regulator,
        template_id=places["hazchem"],
        kind="regulatory",
        enterprise_id=places["own_enterprise"],
        unannounced=True,
        lon=106.55,
        lat=29.56,
    )
    assert inspection["state"] == "draft" and inspection["code"].startswith("JC")
    assert inspection["unannounced"] and len(inspection["results"]) == 20
    filled = _answer_all(
        regulator, inspection, {"HC03": "罐区距居民楼不足", "HC12": "报警器失效"}, ("HC06",)
    )
    assert filled["answered"] == 20 and filled["failed"] == 2
    photo = regulator.post(
        f"/api/v1/inspections/{inspection['id']}/items/HC03/photos",
        files={"file": ("tank.png", png(), "image/png")},
        data={"lon": "106.5501", "lat": "29.5601"},
    )
    assert photo.status_code == 201, photo.text
    done = regulator.post(f"/api/v1/inspections/{inspection['id']}/finish")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["inspection"]["state"] == "submitted" and body["inspection"]["hazard_count"] == 2
    assert len(body["hazard_ids"]) == 2
    items = {r["item_code"]: r for r in body["inspection"]["results"]}
    hazard = regulator.get(f"/api/v1/hazards/{items['HC03']['hazard_id']}").json()
    assert hazard["source"] == "inspection" and hazard["state"] == "reported"
    assert hazard["inspection_id"] == inspection["id"]
    assert hazard["checklist_item_id"] == items["HC03"]["item_id"]
    assert hazard["enterprise_id"] == places["own_enterprise"]
    assert "121号 第3项" in hazard["description"] and "罐区距居民楼不足" in hazard["description"]
    assert "121号 第3项" in hazard["events"][0]["comment"]
    assert len(hazard["photos"]) == 1
    assert items["HC06"]["hazard_id"] is None and items["HC01"]["hazard_id"] is None
    # Confirm can cite the clause the finding carries.
    confirmed = regulator.post(
        f"/api/v1/hazards/{hazard['id']}/actions/confirm",
        json={"grade": "major", "criterion": items["HC03"]["clause"]},
    )
    assert confirmed.status_code == 200, confirmed.text
    # Submitted: frozen.
    assert regulator.post(f"/api/v1/inspections/{inspection['id']}/finish").status_code == 409
    again = regulator.put(
        f"/api/v1/inspections/{inspection['id']}/results",
        json={"results": [{"item_code": "HC01", "result": "fail"}]},
    )
    assert again.status_code == 409


def test_finish_refuses_unanswered_items(api: Any, places: dict[str, Any]) -> None:
    client = api("cq_operator")
    inspection = _start(
        client, template_id=places["fire"], kind="regulatory", risk_point_id=places["point_twp"]
    )
    client.put(
        f"/api/v1/inspections/{inspection['id']}/results",
        json={"results": [{"item_code": "FD01", "result": "pass"}]},
    )
    reply = client.post(f"/api/v1/inspections/{inspection['id']}/finish")
    assert reply.status_code == 422
    codes = [d["item_code"] for d in reply.json()["error"]["details"]]
    assert "FD01" not in codes and "FD02" in codes and len(codes) == 18


def test_bad_results_name_field_and_item(api: Any, places: dict[str, Any]) -> None:
    client = api("cq_operator")
    inspection = _start(
        client,
        template_id=places["hazchem"],
        kind="regulatory",
        enterprise_id=places["own_enterprise"],
    )
    url = f"/api/v1/inspections/{inspection['id']}/results"
    reply = client.put(
        url,
        json={
            "results": [
                {"item_code": "HC01", "result": "pass"},
                {"item_code": "ZZ99", "result": "pass"},
                {"item_code": "HC02", "result": "ok"},
                {"item_code": "HC04", "result": "fail", "lon": 200, "lat": 30},
            ]
        },
    )
    assert reply.status_code == 422
    details = reply.json()["error"]["details"]
    assert [(d["field"], d["item_code"]) for d in details] == [
        ("results[1].item_code", "ZZ99"),
        ("results[2].result", "HC02"),
        ("results[3].lon", "HC04"),
    ]
    saved = client.get(f"/api/v1/inspections/{inspection['id']}").json()
    assert saved["answered"] == 0, "nothing is saved when any entry is bad"
    reply = client.put(url, json={"results": [], "lat": -91, "lon": 100})
    assert reply.status_code == 422
    assert reply.json()["error"]["details"][0]["field"] == "position.lat"
    bad_start = client.post(
        "/api/v1/inspections",
        json={
            "template_id": places["hazchem"],
            "kind": "regulatory",
            "enterprise_id": places["own_enterprise"],
            "lon": 106.0,
        },
    )
    assert bad_start.status_code == 422
    assert bad_start.json()["error"]["details"][0]["field"] == "position"
    for body, field in (
        ({"kind": "audit"}, "kind"),
        ({"template_id": 999999}, "template_id"),
        ({"risk_point_id": places["point_twp"]}, "enterprise_id"),
    ):
        data = {
            "template_id": places["hazchem"],
            "kind": "regulatory",
            "enterprise_id": places["own_enterprise"],
            **body,
        }
        reply = client.post("/api/v1/inspections", json=data)
        assert reply.status_code == 422, body
        assert reply.json()["error"]["details"][0]["field"] == field


def test_photos_must_be_images_under_the_limit(api: Any, places: dict[str, Any]) -> None:
    client = api("cq_operator")
    inspection = _start(
        client,
        template_id=places["hazchem"],
        kind="regulatory",
        enterprise_id=places["own_enterprise"],
    )
    url = f"/api/v1/inspections/{inspection['id']}/items/HC02/photos"
    text = client.post(url, files={"file": ("a.jpg", b"not an image at all", "image/jpeg")})
    assert text.status_code == 422
    detail = text.json()["error"]["details"][0]
    assert detail["field"] == "file" and detail["item_code"] == "HC02"
    huge = client.post(url, files={"file": ("big.png", b"\0" * (11 * 1024 * 1024), "image/png")})
    assert huge.status_code == 422
    assert huge.json()["error"]["details"][0]["field"] == "file"
    assert "MB" in huge.json()["error"]["message"]
    unknown = client.post(
        f"/api/v1/inspections/{inspection['id']}/items/NOPE/photos",
        files={"file": ("a.png", png(), "image/png")},
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "item_code"


def test_scope_and_kinds_by_role(api: Any, places: dict[str, Any]) -> None:
    ent, twp, grid = api("ent_user"), api("twp_operator"), api("grid_user")
    own = _start(ent, template_id=places["indtrade"], enterprise_id=places["own_enterprise"])
    assert own["kind"] == "self_check"
    _start(ent, 403, template_id=places["indtrade"], enterprise_id=places["other_enterprise"])
    _start(
        ent,
        403,
        template_id=places["indtrade"],
        kind="regulatory",
        enterprise_id=places["own_enterprise"],
    )
    _start(
        api("viewer"),
        403,
        template_id=places["fire"],
        kind="regulatory",
        risk_point_id=places["point_twp"],
    )
    mine = _start(
        twp, template_id=places["fire"], kind="regulatory", risk_point_id=places["point_twp"]
    )
    _start(
        twp, 404, template_id=places["fire"], kind="regulatory", risk_point_id=places["point_twp2"]
    )
    theirs = _start(
        api("twp2_operator"),
        template_id=places["fire"],
        kind="regulatory",
        risk_point_id=places["point_twp2"],
    )
    seen = {i["id"] for i in twp.get("/api/v1/inspections", params={"limit": 1000}).json()["items"]}
    assert mine["id"] in seen and theirs["id"] not in seen
    assert twp.get(f"/api/v1/inspections/{theirs['id']}").status_code == 404
    ent_seen = {i["id"] for i in ent.get("/api/v1/inspections").json()["items"]}
    assert ent_seen and all(
        i["enterprise_id"] == places["own_enterprise"]
        for i in ent.get("/api/v1/inspections").json()["items"]
    )
    # Only the inspector fills an inspection in.
    reply = api("wz_operator").put(
        f"/api/v1/inspections/{mine['id']}/results",
        json={"results": [{"item_code": "FD01", "result": "pass"}]},
    )
    assert reply.status_code == 403
    # A grid member patrols the risk point they monitor, which lies outside their grid.
    _start(
        grid, 403, template_id=places["fire"], kind="regulatory", risk_point_id=places["grid_point"]
    )
    patrol = _start(
        grid, template_id=places["fire"], kind="patrol", risk_point_id=places["grid_point"]
    )
    _answer_all(grid, patrol, {"FC03": "安全出口被杂物堵塞"})
    done = grid.post(f"/api/v1/inspections/{patrol['id']}/finish")
    assert done.status_code == 200, done.text
    hazard = api("cq_operator").get(f"/api/v1/hazards/{done.json()['hazard_ids'][0]}").json()
    assert hazard["source"] == "patrol" and hazard["risk_point_id"] == places["grid_point"]
    assert "综合判定要素" in hazard["description"]
    assert patrol["id"] in {i["id"] for i in grid.get("/api/v1/inspections").json()["items"]}


def test_list_filters(api: Any, places: dict[str, Any]) -> None:
    client = api("cq_operator")
    a = _start(client, template_id=places["fire"], kind="patrol", risk_point_id=places["point_twp"])
    b = _start(
        client,
        template_id=places["hazchem"],
        kind="regulatory",
        enterprise_id=places["own_enterprise"],
    )

    def ids(**params: Any) -> set[int]:
        reply = client.get("/api/v1/inspections", params={"limit": 1000, **params})
        assert reply.status_code == 200, reply.text
        return {i["id"] for i in reply.json()["items"]}

    assert a["id"] in ids(under=places["twp_code"]) and b["id"] not in ids(kind="patrol")
    assert ids(risk_point_id=places["point_twp"]) >= {a["id"]}
    assert b["id"] in ids(enterprise_id=places["own_enterprise"], state="draft")
    assert not ids(started_to="2000-01-01T00:00:00Z")
    assert {a["id"], b["id"]} <= ids(started_from="2020-01-01T00:00:00Z")
    assert client.get("/api/v1/inspections", params={"kind": "x"}).status_code == 422
