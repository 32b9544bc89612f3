"""The inbox through the API and the web page: each user reads their own notices,
regulators their region's, and marking read touches only the reader's copy."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from yingji import jobs
from yingji.notices import service
from yingji.notices.models import NoticeKind

if TYPE_CHECKING:
    from tests.notices.conftest import World

DAY = dt.timedelta(days=1)


def _prompted(world: World) -> int:
    """A hazard whose prompt has gone to ent_user's person; returns the hazard id."""
    deadline = world.today() + 10 * DAY
    hid = world.hazard(deadline=deadline)
    assert jobs.run_due(world.engine, now=world.at(deadline - 3 * DAY))["done"] == 1
    return hid


def _ids(reply: Any) -> list[int]:
    assert reply.status_code == 200, reply.text
    return [n["id"] for n in reply.json()["items"]]


def test_recipient_sees_and_marks_their_own(api: Any, world: World) -> None:
    hid = _prompted(world)
    ent = api("ent_user")
    mine = ent.get("/api/v1/notices").json()
    assert mine["total"] == 1 and mine["unread"] == 1
    notice = mine["items"][0]
    assert notice["kind"] == "prompt" and notice["kind_label"] == "提示单"
    assert notice["subject_kind"] == "hazard" and notice["subject_id"] == hid
    assert notice["is_recipient"] and not notice["read"]
    assert ent.get("/api/v1/notices/unread-count").json() == {"unread": 1}

    # Others addressed by nobody see nothing in their own box.
    for username in ("twp_operator", "twp2_operator", "grid_user", "cq_operator"):
        assert _ids(api(username).get("/api/v1/notices")) == [], username
    # Regulators read their region's notices; a neighbouring township's does not.
    for username in ("cq_operator", "wz_operator", "twp_operator", "viewer", "admin"):
        assert _ids(api(username).get("/api/v1/notices?box=all")) == [notice["id"]], username
    assert _ids(api("twp2_operator").get("/api/v1/notices?box=all")) == []
    assert api("twp2_operator").get(f"/api/v1/notices/{notice['id']}").status_code == 404
    assert api("grid_user").get(f"/api/v1/notices/{notice['id']}").status_code == 404
    # An enterprise user never widens to "all".
    assert _ids(ent.get("/api/v1/notices?box=all")) == [notice["id"]]

    # A regulator reading it marks nothing; the recipient's mark counts.
    regulator = api("cq_operator")
    reply = regulator.post(f"/api/v1/notices/{notice['id']}/read")
    assert reply.status_code == 200 and not reply.json()["read"]
    assert ent.get("/api/v1/notices/unread-count").json() == {"unread": 1}
    reply = ent.post(f"/api/v1/notices/{notice['id']}/read")
    assert reply.status_code == 200 and reply.json()["read"]
    assert ent.get("/api/v1/notices/unread-count").json() == {"unread": 0}
    assert _ids(ent.get("/api/v1/notices?unread=true")) == []

    detail = regulator.get(f"/api/v1/notices/{notice['id']}").json()
    assert [
        (r["person_id"], r["role"], r["read_at"] is not None) for r in detail["recipients"]
    ] == [(world.owner_person_id, "owner", True)]


def test_hazard_notices_are_scoped_per_reader(api: Any, world: World) -> None:
    deadline = world.today() + 10 * DAY
    hid = world.hazard(deadline=deadline)
    jobs.run_due(world.engine, now=world.at(deadline - 3 * DAY))
    jobs.run_due(world.engine, now=world.at(deadline + DAY))  # urge: principal and department

    def kinds(client: Any) -> list[str]:
        return [n["kind"] for n in client.get(f"/api/v1/hazards/{hid}/notices").json()["items"]]

    assert sorted(kinds(api("cq_operator"))) == ["prompt", "urge"]
    assert kinds(api("ent_user")) == ["prompt"]  # the urge went to the principal, not them
    assert sorted(kinds(api("wz_operator"))) == ["prompt", "urge"]
    assert api("twp2_operator").get(f"/api/v1/hazards/{hid}/notices").status_code == 404
    # wz_operator is on the supervising department's staff: the urge is in their own box.
    wz = api("wz_operator").get("/api/v1/notices").json()
    assert [n["kind"] for n in wz["items"]] == ["urge"] and wz["unread"] == 1
    reply = api("wz_operator").post("/api/v1/notices/read", json={})
    assert reply.json() == {"marked": 1, "unread": 0}


def test_issue_is_idempotent_by_key(world: World) -> None:
    with world.session() as s:
        first, created = service.issue(
            s,
            kind=NoticeKind.circular,
            title="t",
            body="b",
            region_id=1,
            key="test:once",
            persons=[(world.owner_person_id, "owner"), (world.owner_person_id, "owner")],
        )
        again, created_again = service.issue(
            s, kind=NoticeKind.circular, title="t2", body="b2", region_id=1, key="test:once"
        )
        assert created and not created_again and again.id == first.id
        s.commit()


def test_inbox_page_badge_and_mark_read(pages: Any, world: World) -> None:
    _prompted(world)
    client = pages("ent_user")
    page = client.get("/inbox")
    assert page.status_code == 200
    assert 'data-testid="unread-badge"' in page.text and "隐患整改提示单" in page.text
    assert page.text.count('data-testid="notice-row"') == 1
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    reply = client.post("/inbox/read", data={"csrf": "wrong"}, follow_redirects=False)
    assert reply.status_code == 403
    reply = client.post(
        "/inbox/read", data={"csrf": csrf, "next": "/inbox"}, follow_redirects=False
    )
    assert reply.status_code == 303 and reply.headers["location"] == "/inbox"
    page = client.get("/inbox")
    assert 'data-testid="unread-badge"' not in page.text
    assert 'data-testid="mark-read"' not in page.text

    other = pages("twp2_operator")
    assert other.get("/inbox?box=all").text.count('data-testid="notice-row"') == 0
    regulator = pages("twp_operator")
    assert regulator.get("/inbox").text.count('data-testid="notice-row"') == 0
    assert regulator.get("/inbox?box=all").text.count('data-testid="notice-row"') == 1
