from __future__ import annotations

from collections.abc import Iterator

import pytest

from yingji.notify.base import OutboundMessage, Recipient, SendStatus
from yingji.notify.simulator import GatewaySimulator
from yingji.notify.sms import SmsChannel, render_sms

from .conftest import MessageFactory


@pytest.fixture
def sms(simulator: GatewaySimulator) -> Iterator[SmsChannel]:
    channel = SmsChannel(simulator.sms_url, "【应急】{text}{confirm}", timeout=0.5)
    yield channel
    channel.close()


def test_sent_and_recorded_with_template(
    message: MessageFactory, sms: SmsChannel, simulator: GatewaySimulator
) -> None:
    result = sms.send(message(confirm_code="1"))
    assert result.status is SendStatus.ACCEPTED
    [recorded] = simulator.messages("sms")
    assert recorded.gateway_id == result.gateway_id
    assert recorded.mobile == "+8613800138000"
    assert recorded.text == "【应急】红色暴雨预警（回复1确认）"
    assert recorded.request_id == "w1-p1"


def test_same_key_twice_recorded_once(
    message: MessageFactory, sms: SmsChannel, simulator: GatewaySimulator
) -> None:
    first = sms.send(message())
    second = sms.send(message())
    other = sms.send(message(key="w1-p2"))
    assert first.ok and second.ok and other.ok
    assert first.gateway_id == second.gateway_id != other.gateway_id
    assert [m.request_id for m in simulator.messages()] == ["w1-p1", "w1-p2"]
    assert simulator.requests == 3


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttled_or_server_error_is_retryable(
    message: MessageFactory, sms: SmsChannel, simulator: GatewaySimulator, status: int
) -> None:
    simulator.set_behaviour(fail_status=status)
    result = sms.send(message())
    assert result.status is SendStatus.RETRYABLE
    assert f"HTTP {status}" in result.reason
    assert simulator.messages() == []


def test_client_error_is_permanent(
    message: MessageFactory, sms: SmsChannel, simulator: GatewaySimulator
) -> None:
    simulator.set_behaviour(fail_status=400)
    assert sms.send(message()).status is SendStatus.PERMANENT


def test_bad_mobile_refused_by_gateway_is_permanent(
    message: MessageFactory, sms: SmsChannel, simulator: GatewaySimulator
) -> None:
    result = sms.send(message(mobile="12-ab"))
    assert result.status is SendStatus.PERMANENT
    assert "invalid mobile" in result.reason
    assert simulator.messages() == []


def test_missing_mobile_is_permanent_without_request(
    sms: SmsChannel, simulator: GatewaySimulator
) -> None:
    result = sms.send(OutboundMessage(key="k", recipient=Recipient(person_id=3), text="x"))
    assert result.status is SendStatus.PERMANENT
    assert simulator.requests == 0


def test_delay_beyond_timeout_is_retryable_and_retry_not_duplicated(
    message: MessageFactory, sms: SmsChannel, simulator: GatewaySimulator
) -> None:
    simulator.set_behaviour(delay_ms=1500)
    result = sms.send(message())
    assert result.status is SendStatus.RETRYABLE
    assert "timed out" in result.reason
    simulator.set_behaviour(delay_ms=0)
    retry = sms.send(message())
    assert retry.ok
    # The slow first request is recorded once its delay is over, after the retry: the gateway
    # must still hold one message for the key.
    assert simulator.wait_idle()
    assert [m.request_id for m in simulator.messages()] == ["w1-p1"]
    assert simulator.requests == 2


def test_per_mobile_behaviour(
    message: MessageFactory, sms: SmsChannel, simulator: GatewaySimulator
) -> None:
    simulator.set_behaviour("+8613900000000", fail_status=429)
    assert sms.send(message(key="a", mobile="+8613900000000")).status is SendStatus.RETRYABLE
    assert sms.send(message(key="b")).ok


def test_drop_accepts_but_not_delivered(
    message: MessageFactory, sms: SmsChannel, simulator: GatewaySimulator
) -> None:
    simulator.set_behaviour(drop=True)
    assert sms.send(message()).ok
    [recorded] = simulator.messages()
    assert recorded.delivered is False


def test_unreachable_gateway_is_retryable(message: MessageFactory) -> None:
    sim = GatewaySimulator().start()
    url = sim.sms_url
    sim.stop()
    channel = SmsChannel(url, "{text}", timeout=0.5)
    try:
        assert channel.send(message()).status is SendStatus.RETRYABLE
    finally:
        channel.close()


def test_template_fields(message: MessageFactory) -> None:
    msg = message(confirm_code="7", confirm_link="https://y.example/c/abc")
    assert render_sms("{text}|{code}|{link}|{unknown}", msg) == (
        "红色暴雨预警|7|https://y.example/c/abc|"
    )
    assert render_sms("{text}{confirm}", message()) == "红色暴雨预警"
