from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from yingji.notify.base import OutboundMessage, Recipient
from yingji.notify.simulator import GatewaySimulator


@pytest.fixture(scope="module")
def _running_simulator() -> Iterator[GatewaySimulator]:
    with GatewaySimulator() as sim:
        yield sim


@pytest.fixture
def simulator(_running_simulator: GatewaySimulator) -> GatewaySimulator:
    """The loopback gateway simulator, with no messages and default behaviour."""
    _running_simulator.reset()
    return _running_simulator


def _message(
    key: str = "w1-p1",
    mobile: str | None = "+8613800138000",
    topic: str | None = None,
    confirm_code: str | None = None,
    confirm_link: str | None = None,
) -> OutboundMessage:
    recipient = Recipient(person_id=1, mobile=mobile, mqtt_topic=topic)
    return OutboundMessage(key, recipient, "红色暴雨预警", confirm_code, confirm_link)


MessageFactory = Callable[..., OutboundMessage]


@pytest.fixture
def message() -> MessageFactory:
    """Builds a red rainstorm warning message for person 1; keywords change the parts."""
    return _message
