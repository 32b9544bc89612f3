"""SMS (短信) through an HTTP gateway with a configurable text template."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from yingji.notify.base import ChannelNotConfigured, OutboundMessage, SendResult
from yingji.notify.http import HttpGateway, item_result

if TYPE_CHECKING:
    from yingji.config import Settings


class _Blank(dict[str, str]):
    """Unknown template fields render empty instead of failing a whole dispatch."""

    def __missing__(self, key: str) -> str:
        return ""


def render_sms(template: str, message: OutboundMessage) -> str:
    """Fill ``{text}``, ``{code}``, ``{link}`` and ``{confirm}`` (a ready-made confirm hint)."""
    hints = []
    if message.confirm_code:
        hints.append(f"回复{message.confirm_code}确认")
    if message.confirm_link:
        hints.append(f"或点击 {message.confirm_link}")
    confirm = "（" + "".join(hints) + "）" if hints else ""
    fields = _Blank(
        text=message.text,
        code=message.confirm_code or "",
        link=message.confirm_link or "",
        confirm=confirm,
    )
    return template.format_map(fields)


class SmsChannel:
    name = "sms"

    def __init__(
        self,
        url: str,
        template: str,
        timeout: float,
        batch_url: str | None = None,
        batch_size: int = 100,
        connections: int = 4,
    ) -> None:
        self.template = template
        self.batch_url = batch_url
        self.batch_size = max(1, batch_size)
        self._gateway = HttpGateway(url, timeout, connections)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsChannel:
        if not settings.sms_gateway_url:
            raise ChannelNotConfigured(
                "未配置短信网关（YINGJI_SMS_GATEWAY_URL） / SMS gateway not configured "
                "(YINGJI_SMS_GATEWAY_URL)"
            )
        return cls(
            settings.sms_gateway_url,
            settings.sms_template,
            settings.notify_timeout_seconds,
            settings.sms_batch_url,
            settings.sms_batch_size,
        )

    def _payload(self, message: OutboundMessage) -> dict[str, Any]:
        return {
            "mobile": message.recipient.mobile,
            "text": render_sms(self.template, message),
            "request_id": message.key,
        }

    def send(self, message: OutboundMessage) -> SendResult:
        if not message.recipient.mobile:
            return SendResult.permanent("收件人没有手机号 / recipient has no mobile number")
        return _accepted(self._gateway.post(message.key, self._payload(message)))

    def send_many(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        """Through the batch endpoint when configured (chunks of ``batch_size``, several
        chunks at once), else single requests several at a time; results in order."""
        if not self.batch_url:
            return self._gateway.map(self.send, messages)
        results: list[SendResult | None] = [None] * len(messages)
        sendable = []
        for i, message in enumerate(messages):
            if message.recipient.mobile:
                sendable.append(i)
            else:
                results[i] = SendResult.permanent(
                    "收件人没有手机号 / recipient has no mobile number"
                )
        chunks = [
            sendable[s : s + self.batch_size] for s in range(0, len(sendable), self.batch_size)
        ]
        for chunk, answers in zip(
            chunks, self._gateway.map(lambda c: self._send_chunk(messages, c), chunks), strict=True
        ):
            for i, answer in zip(chunk, answers, strict=True):
                results[i] = answer
        return [r for r in results if r is not None]

    def _send_chunk(
        self, messages: Sequence[OutboundMessage], chunk: list[int]
    ) -> list[SendResult]:
        batch = [self._payload(messages[i]) for i in chunk]
        key = messages[chunk[0]].key
        body = self._gateway.post(key, {"messages": batch}, url=self.batch_url)
        if isinstance(body, SendResult):
            return [body] * len(chunk)
        items = body.get("results")
        if not isinstance(items, list) or len(items) != len(chunk):
            return [SendResult.retryable("网关应答不完整 / gateway answer incomplete")] * len(chunk)
        return [_accepted(item_result(item)) for item in items]

    def close(self) -> None:
        self._gateway.close()


def _accepted(body: SendResult | dict[str, Any]) -> SendResult:
    if isinstance(body, SendResult):
        return body
    return SendResult.accepted(str(body.get("message_id") or "") or None)
