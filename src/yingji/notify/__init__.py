"""Notification channels (通知渠道): one small interface, one backend per channel, found through
the ``yingji.channels`` entry points so a deployment can add its own gateway without editing us."""

from yingji.notify.base import (
    Channel,
    ChannelNotConfigured,
    OutboundMessage,
    Recipient,
    SendResult,
    SendStatus,
    VoiceOutcome,
)
from yingji.notify.registry import available_channels, load_channel

__all__ = [
    "Channel",
    "ChannelNotConfigured",
    "OutboundMessage",
    "Recipient",
    "SendResult",
    "SendStatus",
    "VoiceOutcome",
    "available_channels",
    "load_channel",
]
