from __future__ import annotations

from yingji.notify.base import OutboundMessage, Recipient, SendStatus
from yingji.notify.simulator import GatewaySimulator
from yingji.notify.sms import SmsChannel


def _msg(key: str, mobile: str | None) -> OutboundMessage:
    return OutboundMessage(key, Recipient(person_id=1, mobile=mobile), "红色暴雨预警", "7")


def test_batch_results_in_order_with_per_message_failures(simulator: GatewaySimulator) -> None:
    channel = SmsChannel(simulator.sms_url, "{text}{confirm}", 2.0, simulator.sms_batch_url, 2)
    simulator.set_behaviour("+8613900000000", fail_status=429)
    messages = [
        _msg("a", "+8613800138000"),
        _msg("b", None),
        _msg("c", "+8613900000000"),
        _msg("d", "12-ab"),
        _msg("e", "+8613800138001"),
    ]
    try:
        results = channel.send_many(messages)
        again = channel.send_many(messages)
    finally:
        channel.close()
    assert [r.status for r in results] == [
        SendStatus.ACCEPTED,
        SendStatus.PERMANENT,
        SendStatus.RETRYABLE,
        SendStatus.PERMANENT,
        SendStatus.ACCEPTED,
    ]
    assert [r.gateway_id for r in again] == [r.gateway_id for r in results]
    recorded = {m.request_id: m.text for m in simulator.messages("sms")}  # chunks go in parallel
    assert recorded == {"a": "红色暴雨预警（回复7确认）", "e": "红色暴雨预警（回复7确认）"}


def test_batch_whole_request_failure_applies_to_each(simulator: GatewaySimulator) -> None:
    channel = SmsChannel(simulator.sms_url, "{text}", 2.0, simulator.sms_batch_url)
    simulator.set_behaviour(fail_status=503)
    try:
        results = channel.send_many([_msg("a", "+8613800138000"), _msg("b", "+8613800138001")])
    finally:
        channel.close()
    assert {r.status for r in results} == {SendStatus.RETRYABLE}
    assert simulator.recorded == 0
