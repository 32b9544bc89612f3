"""Hazard pages render the register and one hazard with its steps, in scope."""

from __future__ import annotations

from typing import Any


def test_register_and_detail_pages(api: Any, pages: Any, demo: dict[str, Any]) -> None:
    body = {"title": "配电室未设挡鼠板", "enterprise_id": demo["enterprise_id"]}
    hazard = api("cq_operator").post("/api/v1/hazards", json=body).json()
    page = pages("cq_operator")
    listed = page.get("/hazards")
    assert listed.status_code == 200 and "配电室未设挡鼠板" in listed.text
    assert 'data-testid="report-hazard"' in listed.text
    detail = page.get(f"/hazards/{hazard['id']}")
    assert detail.status_code == 200
    assert 'data-testid="step-confirm"' in detail.text and "确认定级" in detail.text
    assert 'data-testid="step-assign"' not in detail.text
    page.cookies.set("lang", "en")
    english = page.get(f"/hazards/{hazard['id']}")
    assert "Confirm and grade" in english.text
    assert pages("viewer").get("/hazards?state=reported").status_code == 200


def test_detail_out_of_scope_is_not_found(api: Any, pages: Any) -> None:
    body = {"title": "仓库堆垛超高", "region_code": "500101"}
    hazard = api("admin").post("/api/v1/hazards", json=body).json()
    page = pages("twp2_operator")
    assert page.get(f"/hazards/{hazard['id']}").status_code == 404


def test_assign_form_suggests_the_enterprise_people(
    api: Any, pages: Any, demo: dict[str, Any]
) -> None:
    regulator = api("cq_operator")
    body = {"title": "危化品库房通风不良", "enterprise_id": demo["enterprise_id"]}
    hid = regulator.post("/api/v1/hazards", json=body).json()["id"]
    regulator.post(f"/api/v1/hazards/{hid}/actions/confirm", json={"grade": "general"})
    page = pages("cq_operator").get(f"/hazards/{hid}").text
    assert 'data-testid="step-assign"' in page
    assert "主要负责人" in page and "安全管理负责人" in page
    assert f'<option value="{demo["owner_person_id"]}">' in page


def test_times_show_in_the_installation_zone() -> None:
    import datetime as dt

    from yingji.web.templating import local_time

    midnight_utc = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert local_time(midnight_utc) == "2026-01-01 08:00"
