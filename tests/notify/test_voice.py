from __future__ import annotations

from collections.abc import Iterator

import pytest

from yingji.notify.base import SendStatus, VoiceOutcome
from yingji.notify.simulator import GatewaySimulator
from yingji.notify.voice import VoiceChannel

from .conftest import MessageFactory


@pytest.fixture
def voice(simulator: GatewaySimulator) -> Iterator[VoiceChannel]:
    channel = VoiceChannel(simulator.voice_url, timeout=0.5)
    yield channel
    channel.close()


def test_answered_with_confirm_key(
    message: MessageFactory, voice: VoiceChannel, simulator: GatewaySimulator
) -> None:
    simulator.set_behaviour(key_press="confirm")
    result = voice.send(message(confirm_code="1"))
    assert result.status is SendStatus.ACCEPTED
    assert result.outcome is VoiceOutcome.ANSWERED
    assert result.key_press == "1"
    [call] = simulator.messages("voice")
    assert call.text == "红色暴雨预警。收到请按1确认。"
    assert call.gateway_id == result.gateway_id


@pytest.mark.parametrize("outcome", [VoiceOutcome.NO_ANSWER, VoiceOutcome.BUSY])
def test_unanswered_outcomes(
    message: MessageFactory, voice: VoiceChannel, simulator: GatewaySimulator, outcome: VoiceOutcome
) -> None:
    simulator.set_behaviour("+8613800138000", voice_outcome=outcome, key_press="1")
    result = voice.send(message(confirm_code="1"))
    assert result.ok
    assert result.outcome is outcome
    assert result.key_press is None


def test_answered_without_key_press(
    message: MessageFactory, voice: VoiceChannel, simulator: GatewaySimulator
) -> None:
    result = voice.send(message())
    assert result.outcome is VoiceOutcome.ANSWERED
    assert result.key_press is None


def test_dropped_call_has_no_outcome(
    message: MessageFactory, voice: VoiceChannel, simulator: GatewaySimulator
) -> None:
    simulator.set_behaviour(drop=True)
    result = voice.send(message())
    assert result.ok
    assert result.outcome is None


def test_retried_call_placed_once_with_same_outcome(
    message: MessageFactory, voice: VoiceChannel, simulator: GatewaySimulator
) -> None:
    simulator.set_behaviour(voice_outcome="busy")
    first = voice.send(message())
    simulator.set_behaviour(voice_outcome="answered")
    again = voice.send(message())
    assert first.outcome is again.outcome is VoiceOutcome.BUSY
    assert len(simulator.messages("voice")) == 1


def test_failures_mapped(
    message: MessageFactory, voice: VoiceChannel, simulator: GatewaySimulator
) -> None:
    simulator.set_behaviour(fail_status=429)
    assert voice.send(message()).status is SendStatus.RETRYABLE
    simulator.set_behaviour(fail_status=400)
    assert voice.send(message()).status is SendStatus.PERMANENT
    simulator.set_behaviour(fail_status=None, delay_ms=1500)
    assert voice.send(message(key="slow")).status is SendStatus.RETRYABLE
