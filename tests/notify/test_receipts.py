from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, select, text

from yingji.db import session_factory
from yingji.notify import outbox, sender
from yingji.notify.models import Delivery
from yingji.notify.receipts_api import TOKEN_HEADER, expected_token
from yingji.notify.simulator import GatewaySimulator
from yingji.notify.sms import SmsChannel
from yingji.warnings.instruction_models import Instruction

from .conftest import NOW, add_instructions, delivery_states


def _via(client: Any):
    def post(url: str, body: Any, headers: dict[str, str]) -> Any:
        return client.post(url, json=body, headers=headers)

    return post


def test_receipts_from_the_simulator_update_deliveries(
    engine: Engine, api: Any, simulator: GatewaySimulator
) -> None:
    ids = add_instructions(engine, 3)
    with session_factory(engine).begin() as session:
        outbox.enqueue(session, [(i, "sms") for i in ids], "call", NOW)
    client = api.anonymous()
    simulator.configure_callbacks(
        "/api/v1/notify/receipts/sms", token=expected_token(), auto=False, post=_via(client)
    )
    with engine.connect() as conn:
        mobiles = list(
            conn.scalars(
                text(
                    "SELECT p.mobile FROM instruction i JOIN person p ON p.id = i.person_id"
                    " ORDER BY i.id"
                )
            )
        )
    simulator.set_behaviour(mobiles[1], receipt="failed")
    simulator.set_behaviour(mobiles[2], drop=True)
    sender.use_channel(SmsChannel(simulator.sms_url, "{text}", 2.0))
    sender.drain(engine, "sms", now=NOW)
    assert simulator.pending_receipts() == 2
    assert simulator.push_receipts() == 2
    with session_factory(engine)() as session:
        deliveries = {d.instruction_id: d for d in session.scalars(select(Delivery))}
        states = dict(session.execute(select(Instruction.id, Instruction.state)).all())
    assert deliveries[ids[0]].state == "delivered" and deliveries[ids[0]].delivered_at
    assert deliveries[ids[1]].state == "failed"
    assert deliveries[ids[2]].state == "sent"  # dropped: no receipt ever
    assert states == {ids[0]: "delivered", ids[1]: "failed", ids[2]: "sent"}


def test_receipt_by_gateway_id_and_token_required(engine: Engine, api: Any) -> None:
    ids = add_instructions(engine, 1)
    with session_factory(engine).begin() as session:
        outbox.enqueue(session, [(ids[0], "sms")], "call", NOW)
    with engine.begin() as conn:
        conn.execute(text("UPDATE delivery SET state = 'sent', gateway_id = 'g-1'"))
    client = api.anonymous()
    body = {"message_id": "g-1", "status": "delivered"}
    url = "/api/v1/notify/receipts/sms"
    assert client.post(url, json=body).status_code == 403
    assert client.post(url, json=body, headers={TOKEN_HEADER: "wrong"}).status_code == 403
    assert (
        client.post(url + "x", json=body, headers={TOKEN_HEADER: expected_token()}).status_code
        == 422
    )
    answer = client.post(url, json=body, headers={TOKEN_HEADER: expected_token()})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"received": 1, "updated": 1}
    assert delivery_states(engine) == {"delivered": 1}


def test_sms_reply_reaches_call_response(
    engine: Engine, api: Any, simulator: GatewaySimulator, listeners: Any
) -> None:
    replies, _ = listeners
    client = api.anonymous()
    simulator.configure_callbacks(
        inbound_url="/api/v1/notify/inbound/sms",
        token=expected_token(),
        auto=False,
        post=_via(client),
    )
    answer = simulator.reply("13800138000", " 123456 ")
    assert answer.status_code == 200 and answer.json() == {"handled": True}
    assert replies == [("+8613800138000", "123456")]
    bad = client.post("/api/v1/notify/inbound/sms", json={"mobile": "1", "text": "x"})
    assert bad.status_code == 403
    refused = client.post(
        "/api/v1/notify/inbound/sms",
        json={"mobile": "12-ab", "text": "x"},
        headers={TOKEN_HEADER: expected_token()},
    )
    assert refused.status_code == 422


def test_notice_stream_pushes_a_new_notice(engine: Engine, api: Any, demo: dict[str, Any]) -> None:
    import threading

    from yingji.notify.inbox import InboxChannel

    client = api("twp_operator")
    ids = add_instructions(engine, 1, persons=[demo["twp_person_id"]])
    with session_factory(engine).begin() as session:
        outbox.enqueue(session, [(ids[0], "inbox")], "call", NOW)
    sender.use_channel(InboxChannel())

    def later() -> None:
        time.sleep(0.8)
        sender.drain(engine, "inbox", now=NOW)

    worker = threading.Thread(target=later)
    worker.start()
    with client.stream("GET", "/api/v1/notices/stream", params={"max_seconds": 8}) as reply:
        assert reply.headers["content-type"].startswith("text/event-stream")
        body = "".join(reply.iter_text())
    worker.join()
    assert "event: ready" in body
    frames = [f for f in body.split("\n\n") if "event: notice" in f]
    assert len(frames) == 1
    assert '"kind": "instruction"' in frames[0] and f'"instruction_id": {ids[0]}' in frames[0]
    notice_id = int(frames[0].split("id: ")[1].split("\n")[0])
    # Reconnecting with Last-Event-ID sends nothing already seen.
    again = client.get(
        "/api/v1/notices/stream",
        params={"max_seconds": 0.5},
        headers={"Last-Event-ID": str(notice_id)},
    )
    assert "event: notice" not in again.text
    replay = client.get(
        "/api/v1/notices/stream", params={"max_seconds": 0.5, "after": notice_id - 1}
    )
    assert replay.text.count("event: notice") == 1
