"""Local time of the installation: deadlines, report windows and letters are dates and
office hours in one configured time zone (``YINGJI_TIMEZONE``), whatever the server's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from yingji.config import get_settings
from yingji.db import utcnow


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def today(moment: dt.datetime | None = None) -> dt.date:
    """The local calendar date at ``moment`` (now when omitted)."""
    return (moment or utcnow()).astimezone(zone()).date()


def aware(value: dt.datetime) -> dt.datetime:
    """A stored time as UTC-aware (SQLite hands naive datetimes back)."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
