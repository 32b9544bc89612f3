"""E-mail (电子邮件) over SMTP, to the address in ``person.contacts["email"]``.

One SMTP connection serves a whole batch. The idempotency key travels as ``X-Request-Id``
(and in the Message-ID), so a receiving system can drop a copy sent again after a crash."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

from yingji.notify.base import ChannelNotConfigured, OutboundMessage, SendResult

if TYPE_CHECKING:
    from yingji.config import Settings

RETRYABLE_SMTP = range(400, 500)
"""SMTP 4xx replies are temporary (greylisting, mailbox busy); 5xx are permanent."""


def email_body(message: OutboundMessage) -> str:
    lines = [message.text, ""]
    if message.confirm_code:
        lines.append(f"确认码 / confirmation code: {message.confirm_code}")
    if message.confirm_link:
        lines.append(f"点击确认 / confirm: {message.confirm_link}")
    return "\n".join(lines).rstrip() + "\n"


class EmailChannel:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        timeout: float,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
    ) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.username, self.password, self.starttls = username, password, starttls

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailChannel:
        if not settings.email_smtp_host:
            raise ChannelNotConfigured(
                "未配置邮件服务器（YINGJI_EMAIL_SMTP_HOST） / SMTP server not configured "
                "(YINGJI_EMAIL_SMTP_HOST)"
            )
        password = (
            settings.email_smtp_password.get_secret_value()
            if settings.email_smtp_password
            else None
        )
        return cls(
            settings.email_smtp_host,
            settings.email_smtp_port,
            settings.email_from,
            settings.notify_timeout_seconds,
            settings.email_smtp_username,
            password,
            settings.email_smtp_starttls,
        )

    def _compose(self, message: OutboundMessage, address: str) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = address
        mail["Subject"] = message.subject or "应急通知 / Emergency notice"
        mail["X-Request-Id"] = message.key
        mail["Message-ID"] = make_msgid(idstring=message.key.replace(":", "."))
        mail.set_content(email_body(message))
        return mail

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            smtp.starttls()
        if self.username:
            smtp.login(self.username, self.password or "")
        return smtp

    def send(self, message: OutboundMessage) -> SendResult:
        return self.send_many([message])[0]

    def send_many(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        results: list[SendResult] = []
        smtp: smtplib.SMTP | None = None
        try:
            for message in messages:
                address = message.recipient.email
                if not address:
                    results.append(SendResult.permanent("收件人没有邮箱 / recipient has no e-mail"))
                    continue
                if smtp is None:
                    try:
                        smtp = self._connect()
                    except (OSError, smtplib.SMTPException) as exc:
                        reason = f"无法连接邮件服务器 / cannot reach SMTP server: {exc}"
                        results.extend(
                            SendResult.retryable(reason) for _ in messages[len(results) :]
                        )
                        return results
                results.append(self._send_one(smtp, message, address))
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()
        return results

    def _send_one(self, smtp: smtplib.SMTP, message: OutboundMessage, address: str) -> SendResult:
        try:
            smtp.send_message(self._compose(message, address))
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0]
            reason = f"邮箱被拒收（{code}） / recipient refused ({code})"
            if code in RETRYABLE_SMTP:
                return SendResult.retryable(reason)
            return SendResult.permanent(reason)
        except smtplib.SMTPResponseException as exc:
            reason = f"邮件服务器拒绝（{exc.smtp_code}） / SMTP refused ({exc.smtp_code})"
            if exc.smtp_code in RETRYABLE_SMTP:
                return SendResult.retryable(reason)
            return SendResult.permanent(reason)
        except (OSError, smtplib.SMTPException) as exc:
            return SendResult.retryable(f"邮件发送失败 / e-mail failed: {exc}")
        return SendResult.accepted(message.key)

    def close(self) -> None:
        """Nothing held between batches."""
