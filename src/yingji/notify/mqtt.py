"""Loudspeaker terminal (叫应终端/应急广播终端) by MQTT publish to the terminal's topic.

QoS 1 makes the broker acknowledge each message; a terminal may see a message twice after a
retry, so the payload carries the idempotency key as ``id`` for it to drop repeats."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from yingji.notify.base import OutboundMessage, SendResult

if TYPE_CHECKING:
    from yingji.config import Settings


def terminal_payload(message: OutboundMessage) -> bytes:
    body = {
        "id": message.key,
        "person_id": message.recipient.person_id,
        "text": message.text,
        "confirm_code": message.confirm_code,
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class TerminalChannel:
    name = "terminal"

    def __init__(
        self,
        host: str,
        port: int,
        timeout: float,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        self._client.connect_timeout = timeout
        if username:
            self._client.username_pw_set(username, password)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._connected = threading.Event()
        self._lock = threading.Lock()
        self._started = False

    @classmethod
    def from_settings(cls, settings: Settings) -> TerminalChannel:
        password = settings.mqtt_password.get_secret_value() if settings.mqtt_password else None
        return cls(
            settings.mqtt_host,
            settings.mqtt_port,
            settings.notify_timeout_seconds,
            settings.mqtt_username,
            password,
        )

    def _on_connect(self, client: object, userdata: object, *args: Any) -> None:
        reason_code: ReasonCode = args[1]
        if not reason_code.is_failure:
            self._connected.set()

    def _on_disconnect(self, client: object, userdata: object, *args: Any) -> None:
        self._connected.clear()

    def _ensure_connected(self) -> str | None:
        """Connect once (paho then reconnects by itself); the reason when it cannot."""
        with self._lock:
            if not self._started:
                try:
                    self._client.connect(self.host, self.port)
                except OSError as exc:
                    return f"无法连接 MQTT 代理 / cannot reach MQTT broker: {exc}"
                self._client.loop_start()
                self._started = True
        if not self._connected.wait(self.timeout):
            return "MQTT 代理未应答 / MQTT broker did not answer"
        return None

    def send(self, message: OutboundMessage) -> SendResult:
        topic = message.recipient.mqtt_topic
        if not topic:
            return SendResult.permanent("收件人没有终端主题 / recipient has no terminal topic")
        problem = self._ensure_connected()
        if problem:
            return SendResult.retryable(problem)
        info = self._client.publish(topic, terminal_payload(message), qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return SendResult.retryable(
                f"MQTT 发布失败 / MQTT publish failed: {mqtt.error_string(info.rc)}"
            )
        try:
            info.wait_for_publish(self.timeout)
        except (RuntimeError, ValueError) as exc:
            return SendResult.retryable(f"MQTT 发布失败 / MQTT publish failed: {exc}")
        if not info.is_published():
            return SendResult.retryable("MQTT 代理未确认 / MQTT broker did not acknowledge")
        return SendResult.accepted(str(info.mid))

    def close(self) -> None:
        with self._lock:
            if self._started:
                self._client.disconnect()
                self._client.loop_stop()
                self._started = False
