from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from yingji.db import session_factory
from yingji.notify import outbox, sender
from yingji.notify.inbox import InboxChannel

from .conftest import NOW, add_instructions


def test_inbox_page_lists_instruction_and_loads_live_script(
    engine: Engine, pages: Any, demo: dict[str, Any]
) -> None:
    ids = add_instructions(engine, 1, persons=[demo["twp_person_id"]])
    with session_factory(engine).begin() as session:
        outbox.enqueue(session, [(ids[0], "inbox")], "call", NOW)
    sender.use_channel(InboxChannel())
    sender.drain(engine, "inbox", now=NOW)
    html = pages("twp_operator").get("/inbox").text
    assert "/static/app/notice_stream.js" in html
    assert "响应指令" in html and "暴雨红色预警" in html
    assert pages("twp_operator").get("/static/app/notice_stream.js").status_code == 200
