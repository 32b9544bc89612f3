"""SMS (短信) through an HTTP gateway with a configurable text template."""

from __future__ import annotations

from typing import TYPE_CHECKING

from yingji.notify.base import ChannelNotConfigured, OutboundMessage, SendResult
from yingji.notify.http import HttpGateway

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

    def __init__(self, url: str, template: str, timeout: float) -> None:
        self.template = template
        self._gateway = HttpGateway(url, timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsChannel:
        if not settings.sms_gateway_url:
            raise ChannelNotConfigured(
                "未配置短信网关（YINGJI_SMS_GATEWAY_URL） / SMS gateway not configured "
                "(YINGJI_SMS_GATEWAY_URL)"
            )
        return cls(settings.sms_gateway_url, settings.sms_template, settings.notify_timeout_seconds)

    def send(self, message: OutboundMessage) -> SendResult:
        mobile = message.recipient.mobile
        if not mobile:
            return SendResult.permanent("收件人没有手机号 / recipient has no mobile number")
        payload = {
            "mobile": mobile,
            "text": render_sms(self.template, message),
            "request_id": message.key,
        }
        body = self._gateway.post(message.key, payload)
        if isinstance(body, SendResult):
            return body
        return SendResult.accepted(str(body.get("message_id") or "") or None)

    def close(self) -> None:
        self._gateway.close()
