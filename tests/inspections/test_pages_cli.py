"""Smoke tests of the inspection pages (signed in through the form) and the CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def browser(engine: Engine) -> Iterator[Any]:
    """``browser(username)``: a TestClient signed in through the sign-in form."""
    from yingji.app import create_app

    app = create_app(engine=engine)
    clients: list[TestClient] = []

    def sign_in(username: str) -> TestClient:
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        token = _CSRF.search(client.get("/login").text)
        assert token
        reply = client.post(
            "/login",
            data={"username": username, "password": "yingji-demo", "csrf": token.group(1)},
            follow_redirects=False,
        )
        assert reply.status_code == 303, reply.text
        return client

    yield sign_in
    for client in clients:
        client.__exit__(None, None, None)


def test_pages_render_list_due_new_form_and_detail(browser: Any, places: dict[str, Any]) -> None:
    client = browser("cq_operator")
    page = client.get("/inspections")
    assert page.status_code == 200
    assert (
        'data-testid="nav-inspections"' in page.text
        and 'data-testid="inspection-table"' in page.text
    )
    assert 'data-testid="inspection-row"' in page.text  # the demo's inspections
    due = client.get("/inspections/due", params={"within_days": 300})
    assert due.status_code == 200 and 'data-testid="due-table"' in due.text
    new = client.get("/inspections/new", params={"enterprise_id": places["own_enterprise"]})
    assert new.status_code == 200
    assert 'id="inspection-new"' in new.text and f'value="{places["own_enterprise"]}"' in new.text

    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', new.text)
    assert csrf
    created = client.post(
        "/api/v1/inspections",
        json={
            "template_id": places["hazchem"],
            "kind": "regulatory",
            "enterprise_id": places["own_enterprise"],
        },
        headers={"X-CSRF-Token": csrf.group(1)},
    )
    assert created.status_code == 201, created.text
    inspection_id = created.json()["id"]
    form = client.get(f"/inspections/{inspection_id}/form")
    assert form.status_code == 200
    text = form.text
    assert text.count('data-testid="item-card"') == 20
    assert 'accept="image/*" capture="environment"' in text
    assert (
        'data-result="pass"' in text and 'data-result="fail"' in text and 'data-result="na"' in text
    )
    assert 'name="note"' in text and 'name="lon"' in text and 'name="lat"' in text
    assert "/static/app/inspection.js" in text and "121号 第1项" in text
    detail = client.get(f"/inspections/{inspection_id}")
    assert detail.status_code == 200 and 'data-testid="result-table"' in detail.text
    assert client.get("/static/app/inspection.js").status_code == 200
    assert client.get("/static/app/inspection.css").status_code == 200
    # Someone else's draft: the form sends them to the read-only detail.
    other = browser("admin").get(f"/inspections/{inspection_id}/form", follow_redirects=False)
    assert other.status_code == 200  # admins may complete it
    viewer = browser("viewer")
    assert (
        viewer.get(f"/inspections/{inspection_id}/form", follow_redirects=False).status_code == 303
    )
    assert viewer.get("/inspections/new").status_code == 403
    assert viewer.get("/inspections/999999").status_code == 404


def test_cli_lists_templates_and_due_places(cli: Any) -> None:
    listed = cli("inspections", "templates")
    assert listed.exit_code == 0, listed.output
    assert "HAZCHEM-121" in listed.output and "20 项" in listed.output
    assert "FIRE-35181" in listed.output and "INDTRADE-10" in listed.output
    due = cli("inspections", "due", "--under", "500101", "--within-days", "400")
    assert due.exit_code == 0, due.output
    lines = [line for line in due.output.splitlines() if "\t" in line]
    assert lines and all("\t500101" in line for line in lines)
    assert cli("inspections", "due", "--under", "999999").exit_code == 1
