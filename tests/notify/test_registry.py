from __future__ import annotations

import pytest

from yingji.config import Settings
from yingji.notify import ChannelNotConfigured, available_channels, load_channel
from yingji.notify.mqtt import TerminalChannel
from yingji.notify.sms import SmsChannel
from yingji.notify.voice import VoiceChannel


def test_entry_points_list_the_channels() -> None:
    found = available_channels()
    assert {"sms", "voice", "terminal"} <= set(found)
    assert found["sms"].load() is SmsChannel
    assert found["voice"].load() is VoiceChannel
    assert found["terminal"].load() is TerminalChannel


def test_load_configured_channels() -> None:
    settings = Settings(
        sms_gateway_url="http://127.0.0.1:9/sms/send",
        voice_gateway_url="http://127.0.0.1:9/voice/call",
        sms_template="{text}",
    )
    sms = load_channel("sms", settings)
    voice = load_channel("voice", settings)
    terminal = load_channel("terminal", settings)
    try:
        assert isinstance(sms, SmsChannel) and sms.template == "{text}"
        assert isinstance(voice, VoiceChannel)
        assert isinstance(terminal, TerminalChannel) and terminal.port == settings.mqtt_port
    finally:
        for channel in (sms, voice, terminal):
            channel.close()


def test_unconfigured_or_unknown_channel_refused() -> None:
    settings = Settings(sms_gateway_url=None, voice_gateway_url=None)
    with pytest.raises(ChannelNotConfigured, match="YINGJI_SMS_GATEWAY_URL"):
        load_channel("sms", settings)
    with pytest.raises(ChannelNotConfigured, match="YINGJI_VOICE_GATEWAY_URL"):
        load_channel("voice", settings)
    with pytest.raises(ChannelNotConfigured, match="unknown channel fax"):
        load_channel("fax", settings)
