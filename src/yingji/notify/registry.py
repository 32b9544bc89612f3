"""Finding channel backends through package entry points (group ``yingji.channels``)."""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from yingji.notify.base import Channel, ChannelNotConfigured

if TYPE_CHECKING:
    from yingji.config import Settings

GROUP = "yingji.channels"


def available_channels() -> dict[str, EntryPoint]:
    """Installed channel backends by name (this package's and any plugin package's)."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def load_channel(name: str, settings: Settings | None = None) -> Channel:
    """Build the named channel from the deployment's settings."""
    if settings is None:
        from yingji.config import get_settings

        settings = get_settings()
    found = available_channels().get(name)
    if found is None:
        known = ", ".join(sorted(available_channels())) or "-"
        raise ChannelNotConfigured(
            f"未知的通知渠道 {name}（已安装：{known}） / "
            f"unknown channel {name} (installed: {known})"
        )
    factory = found.load()
    return factory.from_settings(settings)
