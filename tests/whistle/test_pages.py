"""The public pages work without sign-in in both languages; the handlers' pages show a
report, take steps through plain forms, and reveal identity only to a designated reader."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from .conftest import form_fields


def _signed_in(api: Any, username: str) -> TestClient:
    client = api.anonymous()
    form = client.get("/login").text
    token = form.split('name="csrf" value="')[1].split('"')[0]
    reply = client.post(
        "/login",
        data={"username": username, "password": "yingji-demo", "csrf": token},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    return client


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="')[1].split('"')[0]


def test_public_form_report_receipt_and_status(public: Any, places: dict[str, str]) -> None:
    client = public()
    form = client.get("/report")
    assert form.status_code == 200 and "安全生产有奖举报" in form.text
    assert places["twp"] in form.text and 'name="website"' in form.text
    client.cookies.set("lang", "en")
    assert "Report a safety hazard" in client.get("/report").text
    client.cookies.delete("lang")
    fields = form_fields(title="仓库堵塞安全出口", region_code=places["twp"], anonymous="true")
    sent = client.post("/report", data=fields)
    assert sent.status_code == 201, sent.text
    receipt = re.search(r'data-testid="whistle-receipt">([A-Z0-9-]+)<', sent.text)
    assert receipt is not None
    status = client.post("/report/status", data={"receipt": receipt.group(1)})
    assert (
        status.status_code == 200 and "仓库堵塞安全出口" in status.text and "已受理" in status.text
    )
    unknown = client.post("/report/status", data={"receipt": "ZZZZ-ZZZZ-ZZZZ"})
    assert unknown.status_code == 404


def test_public_form_keeps_input_and_names_the_problem(public: Any, places: dict[str, str]) -> None:
    fields = form_fields(
        title="违规动火作业", region_code=places["twp"], anonymous="false", name="赵六", phone="1"
    )
    reply = public().post("/report", data=fields)
    assert reply.status_code == 422
    assert 'value="违规动火作业"' in reply.text and 'data-testid="whistle-error"' in reply.text
    assert 'class="invalid"' in reply.text


def test_handler_pages_steps_and_identity(
    api: Any, public: Any, places: dict[str, str], readers: None
) -> None:
    fields = form_fields(
        title="烟花爆竹非法储存",
        region_code=places["twp"],
        anonymous="false",
        name="钱七",
        phone="13900139000",
    )
    assert public().post("/api/v1/public/whistle-reports", data=fields).status_code == 201
    rid = api("twp_operator").get("/api/v1/whistle-reports").json()["items"][0]["id"]
    twp = _signed_in(api, "twp_operator")
    listed = twp.get("/whistle-reports")
    assert listed.status_code == 200 and "烟花爆竹非法储存" in listed.text
    page = twp.get(f"/whistle-reports/{rid}")
    assert "已加密" in page.text and "钱七" not in page.text
    assert 'data-testid="whistle-read-identity"' not in page.text
    verify = twp.post(
        f"/whistle-reports/{rid}/act",
        data={"csrf": _csrf(page.text), "action": "verify"},
        follow_redirects=False,
    )
    assert verify.status_code == 303
    no_reason = twp.post(
        f"/whistle-reports/{rid}/act", data={"csrf": _csrf(page.text), "action": "reject"}
    )
    assert no_reason.status_code == 422 and "理由" in no_reason.text
    reader = _signed_in(api, "wz_operator")
    page = reader.get(f"/whistle-reports/{rid}")
    assert 'data-testid="whistle-read-identity"' in page.text
    shown = reader.post(f"/whistle-reports/{rid}/identity", data={"csrf": _csrf(page.text)})
    assert shown.status_code == 200 and "钱七" in shown.text and "139 0013 9000" in shown.text
    assert _signed_in(api, "twp2_operator").get(f"/whistle-reports/{rid}").status_code == 404
