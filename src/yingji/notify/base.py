"""The channel interface: what goes out, what comes back.

Every message carries an idempotency key so that a retried send (after a timeout or a worker
crash) is delivered once; the result says whether retrying can help, which is what the
outbox needs to decide between backing off and giving up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from yingji.errors import YingjiError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from yingji.config import Settings


class ChannelNotConfigured(YingjiError):
    """A channel was asked for but the deployment has not set it up (e.g. no gateway URL)."""

    code = "channel_not_configured"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a person can be reached; each channel uses the address it needs."""

    person_id: int | None = None
    mobile: str | None = None
    """E.164, e.g. ``+8613800138000``."""
    mqtt_topic: str | None = None
    """Topic of the loudspeaker terminal (叫应终端) responsible for this person's area."""
    email: str | None = None


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    key: str
    """Idempotency key: the same key sent twice is delivered once by the gateway."""
    recipient: Recipient
    text: str
    confirm_code: str | None = None
    """Code the person replies by SMS (or presses on a voice call) to confirm (叫应)."""
    confirm_link: str | None = None
    """Signed link that confirms with one tap."""
    subject: str | None = None
    """A one-line title where the channel has one (e-mail subject, inbox notice title)."""
    data: Mapping[str, Any] | None = None
    """Facts for channels that keep the message (the inbox: instruction, warning, region)."""


class SendStatus(StrEnum):
    ACCEPTED = "accepted"
    RETRYABLE = "retryable"
    """Failed, but trying again later may succeed (timeout, 429, 5xx, broker down)."""
    PERMANENT = "permanent"
    """Failed and will fail again (bad address, 4xx): do not retry."""


class VoiceOutcome(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"


@dataclass(frozen=True, slots=True)
class SendResult:
    status: SendStatus
    gateway_id: str | None = None
    """The gateway's own id for the message, used to match later delivery receipts."""
    reason: str = ""
    """Why it failed, "中文 / English"."""
    outcome: VoiceOutcome | None = None
    """Voice calls only; ``None`` while the gateway has not reported an outcome."""
    key_press: str | None = None
    """Voice calls only: the digits the person pressed."""
    delivered: bool = False
    """The channel itself knows the message reached the person (the in-app inbox)."""

    @property
    def ok(self) -> bool:
        return self.status is SendStatus.ACCEPTED

    @classmethod
    def accepted(cls, gateway_id: str | None = None) -> SendResult:
        return cls(SendStatus.ACCEPTED, gateway_id)

    @classmethod
    def retryable(cls, reason: str) -> SendResult:
        return cls(SendStatus.RETRYABLE, reason=reason)

    @classmethod
    def permanent(cls, reason: str) -> SendResult:
        return cls(SendStatus.PERMANENT, reason=reason)


@runtime_checkable
class Channel(Protocol):
    """A backend registered under the ``yingji.channels`` entry point group.

    The entry point names a class with ``from_settings``; ``send`` never raises for a
    delivery problem, it returns the failure so one bad channel cannot stall a worker."""

    name: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Channel: ...

    def send(self, message: OutboundMessage) -> SendResult: ...

    def close(self) -> None: ...


@runtime_checkable
class StoredChannel(Protocol):
    """A channel whose messages are rows in Yingji's own database (the in-app inbox): the
    sender hands it the session so its rows commit with the delivery results."""

    name: str

    def store(
        self, session: Session, messages: Sequence[OutboundMessage], now: dt.datetime
    ) -> list[SendResult]: ...


def send_all(channel: Channel, messages: Sequence[OutboundMessage]) -> list[SendResult]:
    """Send a batch: through ``channel.send_many`` when the backend has one (a gateway's
    batch API, concurrent requests), else one by one. Results are in message order."""
    many = getattr(channel, "send_many", None)
    if many is not None:
        return list(many(messages))
    return [channel.send(m) for m in messages]
