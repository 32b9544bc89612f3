"""The Jinja2 environment: templates folder, the ``t`` global and display filters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from starlette.templating import Jinja2Templates

from yingji import clock
from yingji.web.i18n import FALLBACK, translate

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

templates = Jinja2Templates(directory=TEMPLATES_DIR)

NAV: tuple[tuple[str, str], ...] = (
    ("map", "/"),
    ("regions", "/regions"),
    ("persons", "/persons"),
    ("assignments", "/assignments"),
    ("enterprises", "/enterprises"),
    ("inspections", "/inspections"),
    ("warnings", "/warnings"),
    ("plans", "/plans"),
    ("direct", "/direct"),
    ("quake", "/quake"),
    ("resources", "/resources"),
    ("incidents", "/incidents"),
    ("quick_reports", "/quick-reports"),
    ("flows", "/flows"),
    ("callstats", "/callresponse/stats"),
    ("hazards", "/hazards"),
    ("whistle", "/whistle-reports"),
    ("dashboard", "/dashboard"),
    ("duty", "/duty-desk"),
    ("data", "/data"),
    ("inbox", "/inbox"),
    ("instructions", "/instructions"),
)
"""The main menu: (key of ``nav.<key>`` text, path), one line per page."""


@pass_context
def t(context: Any, key: str, **values: object) -> str:
    """Translate ``key`` into the page's locale (set by the page renderer)."""
    return translate(context.get("locale", FALLBACK), key, **values)


def phone(number: str | None) -> str:
    """A mainland number shown the way people dial it (no +86); others stay E.164."""
    if not number:
        return ""
    if number.startswith("+86") and len(number) == 14:
        return f"{number[3:6]} {number[6:10]} {number[10:]}"
    return number


def bilingual(text: str | None, locale: str) -> str:
    """The half of a ``"中文 / English"`` text (as the domain modules write them) for the
    locale; text without the separator is returned whole."""
    if not text or " / " not in text:
        return text or ""
    zh, en = text.split(" / ", 1)
    return en if locale == "en" else zh


def number(value: float | int | None, digits: int = 0) -> str:
    """Thousands-separated number, or a dash when unknown."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def local_time(value: dt.datetime | None, tz: ZoneInfo | None = None, fmt: str = "") -> str:
    """An aware datetime in ``tz``, by default the installation's time zone."""
    if value is None:
        return ""
    return value.astimezone(tz or clock.zone()).strftime(fmt or "%Y-%m-%d %H:%M")


templates.env.globals["t"] = t
templates.env.globals["nav_items"] = NAV
templates.env.filters["phone"] = phone
templates.env.filters["number"] = number
templates.env.filters["bilingual"] = bilingual
templates.env.filters["local_time"] = local_time
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
