"""Confirming an instruction by every channel: SMS code, voice key, signed link, inbox, and a
duty officer on the person's behalf; the first answer wins and stops every pending send."""

from __future__ import annotations

import datetime as dt

import pytest
from callresponse_fixtures import CODE, T0, call, chain, deliveries, mobile_of, new_warning, quiet
from sqlalchemy import Engine, select

from yingji.auth.models import AuditEntry, User
from yingji.db import session_factory
from yingji.notify import events
from yingji.regions.models import Region
from yingji.warnings.callresponse import links, service
from yingji.warnings.callresponse.jobs import follow_up
from yingji.warnings.instruction_models import Instruction


@pytest.fixture
def setup(engine: Engine) -> dict[str, int]:
    """A warning and one call to a grid member, with pending SMS, voice and inbox sends."""
    quiet(engine)
    with session_factory(engine)() as s:
        c = chain(s)
        wid = new_warning(s, c.township_code)
        iid = call(s, wid, c.grid_members[0], c.grids[0])
        s.commit()
        return {"warning": wid, "instruction": iid, "person": c.grid_members[0]}


def _row(engine: Engine, instruction_id: int) -> Instruction:
    with session_factory(engine)() as s:
        row = s.get(Instruction, instruction_id)
        assert row is not None
        return row


def _all_cancelled(engine: Engine, instruction_id: int) -> bool:
    rows = deliveries(engine, instruction_id=instruction_id)
    return bool(rows) and {r.state for r in rows} == {"cancelled"}


AT = T0 - dt.timedelta(minutes=2)


def test_sms_reply_with_the_code_confirms_and_cancels_pending_sends(engine, setup) -> None:
    iid = setup["instruction"]
    with session_factory(engine)() as s:
        mobile = mobile_of(s, setup["person"])
        assert not events.replied(s, mobile, "收到 654321", AT)  # not their code
        assert not events.replied(s, "+8613800138000", f"收到 {CODE}", AT)  # not their phone
        local = mobile.removeprefix("+86")
        assert events.replied(s, local, f"收到 {CODE[:3]} {CODE[3:]}，马上落实", AT)
        s.commit()
    row = _row(engine, iid)
    assert (row.state, row.confirmed_via, row.confirmed_at) == ("confirmed", "sms_code", AT)
    assert row.next_action_at is None
    assert _all_cancelled(engine, iid)
    with session_factory(engine)() as s:  # the first answer stands
        assert not events.replied(s, mobile, CODE, AT + dt.timedelta(minutes=1))
        assert not service.confirm(s, iid, "inbox")
        s.commit()
    assert _row(engine, iid).confirmed_via == "sms_code"


def test_code_is_read_from_any_reply() -> None:
    assert service.code_in("123456") == "123456"
    assert service.code_in("收到 123456 谢谢") == "123456"
    assert service.code_in("１２３４５６") == "123456"
    assert service.code_in("123 456") == "123456"
    assert service.code_in("收到") is None
    assert service.code_in("12345") is None


def test_voice_key_press_of_the_code_confirms(engine, setup) -> None:
    iid = setup["instruction"]
    with session_factory(engine)() as s:
        assert not events.key_pressed(s, iid, "1", AT)
        assert events.key_pressed(s, iid, f"{CODE}#", AT)
        s.commit()
    row = _row(engine, iid)
    assert (row.state, row.confirmed_via) == ("confirmed", "voice_key")
    assert _all_cancelled(engine, iid)


def test_confirmation_stops_redials_and_escalation(engine, setup) -> None:
    """Answered before the deadline: the follow-up finds nothing to send, ever."""
    iid, wid = setup["instruction"], setup["warning"]
    with session_factory(engine)() as s:
        assert service.confirm(s, iid, "inbox", AT)
        s.commit()
    before = deliveries(engine)
    for minutes in (0, 5, 30):
        with session_factory(engine)() as s:
            counts = follow_up(s, "warning", wid, T0 + dt.timedelta(minutes=minutes), "t1")
            s.commit()
        assert counts["redials"] == counts["escalated"] == counts["superior_calls"] == 0
    assert deliveries(engine) == before
    assert [r for r in deliveries(engine) if r.state == "pending"] == []
    with session_factory(engine)() as s:
        assert s.scalar(select(Instruction.id).where(Instruction.round > 0)) is None


def test_signed_link_page_confirms_by_post(engine, setup, api) -> None:
    iid = setup["instruction"]
    web = api.anonymous()
    token = links.token_for(iid)
    page = web.get(f"/c/{token}")
    assert page.status_code == 200
    assert "暴雨红色预警" in page.text and "立即巡查网格内地灾隐患点" in page.text
    assert 'data-testid="confirm-button"' in page.text
    assert _row(engine, iid).confirmed_at is None  # opening the link is not an answer
    done = web.post(f"/c/{token}/confirm", follow_redirects=False)
    assert done.status_code == 303
    row = _row(engine, iid)
    assert (row.state, row.confirmed_via) == ("confirmed", "link")
    assert _all_cancelled(engine, iid)
    again = web.get(done.headers["location"])
    assert 'data-testid="confirm-done"' in again.text
    assert 'data-testid="confirm-button"' not in again.text


def test_forged_or_damaged_tokens_are_refused(engine, setup, api) -> None:
    iid = setup["instruction"]
    web = api.anonymous()
    token = links.token_for(iid)
    forged = [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "abc", str(iid)]
    for bad in forged:
        assert links.instruction_from_token(bad) is None
        assert web.get(f"/c/{bad}").status_code == 404
        assert web.post(f"/c/{bad}/confirm").status_code == 404
        assert web.post(f"/c/{bad}/report", data={"measures_taken": "x"}).status_code == 404
    assert _row(engine, iid).confirmed_at is None


def _inbox_call(engine: Engine) -> tuple[int, int]:
    """A call to the demo grid member who signs in as ``grid_user``."""
    quiet(engine)
    with session_factory(engine)() as s:
        user = s.scalar(select(User).where(User.username == "grid_user"))
        assert user is not None and user.person_id is not None
        code = s.scalar(select(Region.code).where(Region.id == user.region_id))
        assert code is not None
        wid = new_warning(s, code)
        iid = call(s, wid, user.person_id, user.region_id)
        s.commit()
        return wid, iid


def test_inbox_confirm_and_my_instructions(engine, api) -> None:
    _wid, iid = _inbox_call(engine)
    me = api("grid_user")
    mine = me.get("/api/v1/instructions/mine")
    assert mine.status_code == 200, mine.text
    assert [i["id"] for i in mine.json()["items"]] == [iid]
    assert mine.json()["items"][0]["answerable"] is True
    reply = me.post(f"/api/v1/instructions/{iid}/confirm")
    assert reply.status_code == 200, reply.text
    assert reply.json()["changed"] is True
    assert reply.json()["instruction"]["confirmed_via"] == "inbox"
    assert me.post(f"/api/v1/instructions/{iid}/confirm").json()["changed"] is False
    assert _all_cancelled(engine, iid)
    # someone outside the region does not even see it
    assert api("twp2_operator").post(f"/api/v1/instructions/{iid}/confirm").status_code == 404


def test_duty_officer_confirms_on_behalf_and_it_is_audited(engine, api) -> None:
    _wid, iid = _inbox_call(engine)
    assert api("viewer").post(f"/api/v1/instructions/{iid}/confirm").status_code == 403
    reply = api("cq_operator").post(f"/api/v1/instructions/{iid}/confirm")
    assert reply.status_code == 200, reply.text
    assert reply.json()["instruction"]["confirmed_via"] == "manual"
    with session_factory(engine)() as s:
        entry = s.scalar(
            select(AuditEntry)
            .where(AuditEntry.entity == "instruction", AuditEntry.entity_id == str(iid))
            .order_by(AuditEntry.id.desc())
        )
        assert entry is not None and entry.actor == "cq_operator"
        assert '"manual"' in entry.record


def test_report_back_is_stored_and_answers(engine, api) -> None:
    _wid, iid = _inbox_call(engine)
    me = api("grid_user")
    bad = me.post(
        f"/api/v1/instructions/{iid}/report", json={"measures_taken": "x", "people_moved": -1}
    )
    assert bad.status_code == 422
    empty = me.post(f"/api/v1/instructions/{iid}/report", json={"measures_taken": "  "})
    assert empty.status_code == 422
    body = {"measures_taken": "已封闭危险路段", "people_moved": 12, "note": "安置在村委会"}
    reply = me.post(f"/api/v1/instructions/{iid}/report", json=body)
    assert reply.status_code == 200, reply.text
    out = reply.json()
    assert out["report"] == body and out["reported_at"]
    assert (out["state"], out["confirmed_via"]) == ("confirmed", "inbox")


def test_report_back_through_the_link_page(engine, setup, api) -> None:
    iid = setup["instruction"]
    web = api.anonymous()
    token = links.token_for(iid)
    bad = web.post(f"/c/{token}/report", data={"measures_taken": "", "people_moved": "3"})
    assert bad.status_code == 422 and 'data-testid="confirm-error"' in bad.text
    ok = web.post(
        f"/c/{token}/report",
        data={"measures_taken": "转移群众", "people_moved": "8", "note": ""},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    row = _row(engine, iid)
    assert row.report == {"measures_taken": "转移群众", "people_moved": 8, "note": ""}
    assert row.confirmed_via == "link"


def test_my_instructions_page_confirms_and_reports(engine, pages) -> None:
    _wid, iid = _inbox_call(engine)
    browser = pages("grid_user")
    page = browser.get("/instructions")
    assert page.status_code == 200
    assert f'data-instruction-id="{iid}"' in page.text
    assert 'data-testid="nav-instructions"' in page.text
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    assert (
        browser.post(f"/instructions/{iid}/confirm", data={}, follow_redirects=False).status_code
        == 403
    )
    done = browser.post(f"/instructions/{iid}/confirm", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert _row(engine, iid).confirmed_via == "inbox"
    report = browser.post(
        f"/instructions/{iid}/report",
        data={"csrf": csrf, "measures_taken": "已巡查", "people_moved": "0"},
        follow_redirects=False,
    )
    assert report.status_code == 303
    assert _row(engine, iid).report["measures_taken"] == "已巡查"
    # another user's page never acts on it
    other = pages("twp2_operator")
    token = other.get("/instructions").text.split('name="csrf" value="')[1].split('"')[0]
    assert other.post(f"/instructions/{iid}/confirm", data={"csrf": token}).status_code == 404
