from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from yingji.config import get_settings
from yingji.db import session_factory
from yingji.notify import outbox, ratelimit, sender
from yingji.notify.email import EmailChannel
from yingji.notify.inbox import InboxChannel
from yingji.notify.models import Delivery
from yingji.notify.pool import SenderPool
from yingji.notify.simulator import GatewaySimulator
from yingji.notify.sms import SmsChannel
from yingji.notify.voice import VoiceChannel
from yingji.warnings.callresponse.links import instruction_from_token
from yingji.warnings.instruction_models import Instruction

from .conftest import NOW, add_instructions, delivery_states


def _enqueue(engine: Engine, ids: list[int], channel: str, purpose: str = "call") -> None:
    with session_factory(engine).begin() as session:
        outbox.enqueue(session, [(i, channel) for i in ids], purpose, NOW)


def _instructions(engine: Engine, ids: list[int]) -> list[Instruction]:
    with session_factory(engine)() as session:
        return list(
            session.scalars(
                select(Instruction).where(Instruction.id.in_(ids)).order_by(Instruction.id)
            )
        )


@pytest.fixture
def sms(simulator: GatewaySimulator) -> SmsChannel:
    return sender.use_channel(
        SmsChannel(
            simulator.sms_url, "【应急】{text}{confirm}", 2.0, batch_url=simulator.sms_batch_url
        )
    )


def test_drain_sends_each_once_with_code_and_link(
    engine: Engine, simulator: GatewaySimulator, sms: SmsChannel
) -> None:
    ids = add_instructions(engine, 5)
    _enqueue(engine, ids, "sms")
    counts = sender.drain(engine, "sms", limit=2, now=NOW)
    assert counts == {"claimed": 5, "sent": 5, "delivered": 0, "retry": 0, "failed": 0}
    messages = simulator.messages("sms")
    assert sorted(m.request_id for m in messages) == sorted(f"i{i}:sms:call" for i in ids)
    first = next(m for m in messages if m.request_id == f"i{ids[0]}:sms:call")
    assert first.text.startswith(
        "【应急】重庆市气象台发布暴雨红色预警。请落实：转移危险区群众（回复100000确认"
    )
    token = first.text.split("/c/")[1].rstrip("）")
    assert instruction_from_token(token) == ids[0]
    assert delivery_states(engine) == {"sent": 5}
    rows = _instructions(engine, ids)
    assert {r.state for r in rows} == {"sent"} and all(r.sent_at == NOW for r in rows)
    assert sender.drain(engine, "sms", now=NOW)["claimed"] == 0


def test_without_deadline_no_code_is_asked(
    engine: Engine, simulator: GatewaySimulator, sms: SmsChannel
) -> None:
    ids = add_instructions(engine, 1, deadline=False)
    _enqueue(engine, ids, "sms")
    sender.drain(engine, "sms", now=NOW)
    [message] = simulator.messages("sms")
    assert "回复" not in message.text and "/c/" not in message.text


def test_retries_back_off_then_fail(
    engine: Engine, simulator: GatewaySimulator, sms: SmsChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YINGJI_DELIVERY_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    try:
        ids = add_instructions(engine, 2)
        _enqueue(engine, ids, "sms")
        simulator.set_behaviour(fail_status=503)
        assert sender.drain(engine, "sms", now=NOW)["retry"] == 2
        with session_factory(engine)() as session:
            due = set(session.scalars(select(Delivery.due_at)))
            assert due == {NOW + dt.timedelta(seconds=10)}
            assert "HTTP 503" in session.scalars(select(Delivery.last_error)).first()
        assert sender.drain(engine, "sms", now=NOW + dt.timedelta(seconds=9))["claimed"] == 0
        assert sender.drain(engine, "sms", now=NOW + dt.timedelta(seconds=10))["retry"] == 2
        with session_factory(engine)() as session:
            assert set(session.scalars(select(Delivery.due_at))) == {NOW + dt.timedelta(seconds=30)}
        assert sender.drain(engine, "sms", now=NOW + dt.timedelta(seconds=30))["failed"] == 2
        assert delivery_states(engine) == {"failed": 2}
        assert {r.state for r in _instructions(engine, ids)} == {"failed"}
        assert simulator.messages() == []
    finally:
        get_settings.cache_clear()


def test_permanent_failure_fails_at_once_but_other_channel_keeps_instruction(
    engine: Engine, simulator: GatewaySimulator, sms: SmsChannel
) -> None:
    ids = add_instructions(engine, 2)
    _enqueue(engine, ids, "sms")
    _enqueue(engine, ids[:1], "inbox")
    simulator.set_behaviour(fail_status=400)
    assert sender.drain(engine, "sms", now=NOW)["failed"] == 2
    sender.use_channel(InboxChannel())
    assert sender.drain(engine, "inbox", now=NOW)["delivered"] == 1
    first, second = _instructions(engine, ids)
    assert first.state == "delivered" and second.state == "failed"


def test_voice_answer_delivers_and_key_press_reaches_call_response(
    engine: Engine, simulator: GatewaySimulator, listeners: Any
) -> None:
    _, keys = listeners
    ids = add_instructions(engine, 3)
    _enqueue(engine, ids, "voice", "redial")
    sender.use_channel(VoiceChannel(simulator.voice_url, 2.0))
    with engine.connect() as conn:
        mobiles = [
            conn.execute(
                text(
                    "SELECT p.mobile FROM instruction i JOIN person p ON p.id = i.person_id"
                    " WHERE i.id = :i"
                ),
                {"i": i},
            ).scalar()
            for i in ids
        ]
    simulator.set_behaviour(mobiles[0], key_press="confirm")
    simulator.set_behaviour(mobiles[1], key_press="9")
    simulator.set_behaviour(mobiles[2], voice_outcome="no_answer")
    counts = sender.drain(engine, "voice", now=NOW)
    assert counts["delivered"] == 2 and counts["sent"] == 1
    assert keys == [(ids[0], "100000")]
    with session_factory(engine)() as session:
        rows = {d.instruction_id: d for d in session.scalars(select(Delivery))}
    assert rows[ids[2]].outcome == "no_answer" and rows[ids[2]].state == "sent"
    assert rows[ids[1]].key_press == "9"
    texts = [m.text for m in simulator.messages("voice")]
    assert all(t.startswith("【再次提醒】") for t in texts)


def test_inbox_creates_notices_seen_by_the_person(
    engine: Engine, api: Any, demo: dict[str, Any]
) -> None:
    person = demo["twp_person_id"]
    ids = add_instructions(engine, 2, persons=[person])
    _enqueue(engine, ids, "inbox")
    sender.use_channel(InboxChannel())
    assert sender.drain(engine, "inbox", now=NOW)["delivered"] == 2
    assert sender.drain(engine, "inbox", now=NOW)["claimed"] == 0
    assert {r.state for r in _instructions(engine, ids)} == {"delivered"}
    body = api("twp_operator").get("/api/v1/notices", params={"kind": "instruction"}).json()
    assert body["total"] == 2
    notice = body["items"][0]
    assert notice["data"]["instruction_id"] in ids and notice["subject_kind"] == "instruction"
    assert "100000" in notice["body"] or "1000" in notice["body"]


def test_email_reaches_the_smtp_simulator(engine: Engine, simulator: GatewaySimulator) -> None:
    ids = add_instructions(engine, 2)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE person SET contacts = :c"
                " WHERE id = (SELECT person_id FROM instruction WHERE id = :i)"
            ),
            {"c": '{"email": "duty@cq.example"}', "i": ids[0]},
        )
    _enqueue(engine, ids, "email")
    sender.use_channel(EmailChannel("127.0.0.1", simulator.smtp_port, "yingji@test", 5.0))
    counts = sender.drain(engine, "email", now=NOW)
    assert counts["sent"] == 1 and counts["failed"] == 1  # the second person has no address
    [mail] = simulator.messages("email")
    assert mail.mobile == "duty@cq.example" and mail.request_id == f"i{ids[0]}:email:call"
    assert "暴雨红色预警" in mail.text and "100000" in mail.text
    sender.drain(engine, "email", now=NOW)
    assert len(simulator.messages("email")) == 1


def test_terminal_topic_is_the_region_of_the_instruction(engine: Engine) -> None:
    ids = add_instructions(engine, 1)
    _enqueue(engine, ids, "terminal")
    with session_factory(engine)() as session:
        [delivery_id] = session.scalars(select(Delivery.id))
        [item] = sender.load(session, [delivery_id])
        code = session.execute(
            text(
                "SELECT r.code FROM instruction i JOIN region r ON r.id = i.region_id"
                " WHERE i.id = :i"
            ),
            {"i": ids[0]},
        ).scalar()
    assert item.message.recipient.mqtt_topic == f"yingji/terminal/{code}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_token_bucket_grants_rate_per_second() -> None:
    clock = FakeClock()
    bucket = ratelimit.TokenBucket(10, clock=clock, sleep=clock.sleep)
    granted = [bucket.take(25) for _ in range(4)]
    assert granted[0] == 10 and sum(granted) == bucket.taken
    assert sum(granted) <= 10 + 10 * clock.now + 1e-9


def test_drain_honours_the_channel_rate(
    engine: Engine, simulator: GatewaySimulator, sms: SmsChannel
) -> None:
    clock = FakeClock()
    ratelimit.LIMITERS["sms"] = bucket = ratelimit.TokenBucket(5, clock=clock, sleep=clock.sleep)
    ids = add_instructions(engine, 12)
    _enqueue(engine, ids, "sms")
    assert sender.drain(engine, "sms", now=NOW)["sent"] == 12
    assert bucket.taken == 12
    # 5 at once, then 7 more at 5 per second: 1.4 s of (fake) waiting, no more.
    assert sum(clock.slept) == pytest.approx(1.4)
    assert len(simulator.messages("sms")) == 12


def test_slow_channel_does_not_hold_another(
    engine: Engine, simulator: GatewaySimulator, sms: SmsChannel
) -> None:
    ids = add_instructions(engine, 6)
    sender.use_channel(VoiceChannel(simulator.voice_url, 10.0))
    with engine.connect() as conn:
        mobiles = set(conn.scalars(text("SELECT mobile FROM person")))
    for mobile in mobiles:
        simulator.set_behaviour(mobile, delay_ms=3000)
    _enqueue(engine, ids, "voice")
    _enqueue(engine, ids, "sms")
    pool = SenderPool(engine, ["voice", "sms"], interval=0.1).start()
    try:
        deadline = time.monotonic() + 20
        while delivery_states(engine, "sms") != {"sent": 6} and time.monotonic() < deadline:
            time.sleep(0.05)
        assert delivery_states(engine, "sms") == {"sent": 6}
        assert simulator.messages("voice") == []  # the calls are still ringing
    finally:
        for mobile in mobiles:
            simulator.set_behaviour(mobile, delay_ms=0)
        pool.stop()
