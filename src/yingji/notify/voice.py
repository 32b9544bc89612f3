"""Voice call (语音外呼) through an HTTP gateway: text-to-speech, outcome and key-press.

The gateway reports the call outcome in its answer; a missing outcome means the call is
still pending (a later receipt will tell), which the caller treats as "not yet answered"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from yingji.notify.base import (
    ChannelNotConfigured,
    OutboundMessage,
    SendResult,
    SendStatus,
    VoiceOutcome,
)
from yingji.notify.http import HttpGateway

if TYPE_CHECKING:
    from yingji.config import Settings


def speech_text(message: OutboundMessage) -> str:
    """The spoken text, ending with the key to press when a confirmation is expected."""
    if message.confirm_code:
        return f"{message.text}。收到请按{message.confirm_code}确认。"
    return message.text


class VoiceChannel:
    name = "voice"

    def __init__(self, url: str, timeout: float) -> None:
        self._gateway = HttpGateway(url, timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> VoiceChannel:
        if not settings.voice_gateway_url:
            raise ChannelNotConfigured(
                "未配置语音网关（YINGJI_VOICE_GATEWAY_URL） / voice gateway not configured "
                "(YINGJI_VOICE_GATEWAY_URL)"
            )
        return cls(settings.voice_gateway_url, settings.voice_timeout_seconds)

    def send(self, message: OutboundMessage) -> SendResult:
        mobile = message.recipient.mobile
        if not mobile:
            return SendResult.permanent("收件人没有手机号 / recipient has no mobile number")
        payload = {
            "mobile": mobile,
            "text": speech_text(message),
            "request_id": message.key,
            "confirm_key": message.confirm_code,
        }
        body = self._gateway.post(message.key, payload)
        if isinstance(body, SendResult):
            return body
        raw = body.get("outcome")
        try:
            outcome = VoiceOutcome(raw) if raw else None
        except ValueError:
            return SendResult.permanent(f"未知的呼叫结果 / unknown call outcome: {raw}")
        return SendResult(
            SendStatus.ACCEPTED,
            gateway_id=str(body.get("call_id") or "") or None,
            outcome=outcome,
            key_press=body.get("key") or None,
        )

    def send_many(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        """Several calls at once: a call takes as long as the ringing, so one at a time
        would hold every other call behind it."""
        return self._gateway.map(self.send, messages)

    def close(self) -> None:
        self._gateway.close()
