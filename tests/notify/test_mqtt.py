from __future__ import annotations

import json
import queue
import socket
import uuid
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest

from yingji.notify.base import SendStatus
from yingji.notify.mqtt import TerminalChannel

from .conftest import MessageFactory

HOST, PORT = "127.0.0.1", 1883


def _broker_absent() -> str | None:
    try:
        socket.create_connection((HOST, PORT), timeout=1).close()
    except OSError as exc:
        return f"no MQTT broker on {HOST}:{PORT} ({exc})"
    return None


@pytest.fixture
def broker() -> None:
    reason = _broker_absent()
    if reason:
        print(reason)
        pytest.skip(reason)


@pytest.fixture
def subscriber(broker: None) -> Iterator[tuple[str, queue.Queue[mqtt.MQTTMessage]]]:
    """A subscriber on a fresh topic, ready (SUBACK received) before the test publishes."""
    topic = f"yingji-test/terminal/{uuid.uuid4().hex}"
    received: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    subscribed: queue.Queue[bool] = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_message = lambda c, u, msg: received.put(msg)
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
    client.on_subscribe = lambda c, u, mid, rcs, p: subscribed.put(True)
    client.connect(HOST, PORT)
    client.loop_start()
    try:
        subscribed.get(timeout=5)
        yield topic, received
    finally:
        client.disconnect()
        client.loop_stop()


def test_publish_received_by_terminal(
    message: MessageFactory, subscriber: tuple[str, queue.Queue]
) -> None:
    topic, received = subscriber
    channel = TerminalChannel(HOST, PORT, timeout=5)
    try:
        result = channel.send(message(topic=topic, confirm_code="1"))
    finally:
        channel.close()
    assert result.status is SendStatus.ACCEPTED
    got = received.get(timeout=5)
    assert got.topic == topic
    assert json.loads(got.payload) == {
        "id": "w1-p1",
        "person_id": 1,
        "text": "红色暴雨预警",
        "confirm_code": "1",
    }


def test_no_topic_is_permanent(message: MessageFactory) -> None:
    channel = TerminalChannel(HOST, PORT, timeout=1)
    try:
        assert channel.send(message()).status is SendStatus.PERMANENT
    finally:
        channel.close()


def test_unreachable_broker_is_retryable(message: MessageFactory) -> None:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        free_port = probe.getsockname()[1]
    channel = TerminalChannel(HOST, free_port, timeout=1)
    try:
        result = channel.send(message(topic="t"))
    finally:
        channel.close()
    assert result.status is SendStatus.RETRYABLE
    assert "MQTT" in result.reason
