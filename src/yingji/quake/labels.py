"""How the earthquake outputs name things: Roman-numeral intensities, alert colours,
response levels, 亿元, times in Beijing time (how Chinese earthquake reports state them).
The map, the PDF and HTML report and the web pages all read their labels from here, so a
printout and a screen never disagree."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from yingji.quake.isoseismals import roman

ZONE_COLOURS = {
    6: "#fff3a0",
    7: "#fed06a",
    8: "#fd9a43",
    9: "#f25c2c",
    10: "#d42a1e",
    11: "#a50f15",
    12: "#67000d",
}
"""Fill of each isoseismal zone, light yellow (Ⅵ) to dark red (Ⅺ, Ⅻ); the map and the
report's table swatches share it."""

ALERT_NAMES = {"green": "绿色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
ALERT_COLOURS = {"green": "#2e9d46", "yellow": "#e8c21a", "orange": "#f08c1a", "red": "#d0201a"}
RESPONSE_GRADES = {1: "特别重大", 2: "重大", 3: "较大", 4: "一般"}
NO_RESPONSE = "未达到国家响应启动条件"
RELATION_NAMES = {
    "gb18306": "GB 18306-2015 分区烈度衰减关系",
    "wang2000": "汪素云等（2000）东、西部烈度衰减关系",
}
ZONE_NAMES = {
    "tibet": "青藏区",
    "xinjiang": "新疆区",
    "east": "东部强震区",
    "central": "中强地震活动区",
}
STRIKE_SOURCES = {
    "given": "人工给定",
    "fault_trace": "断层破裂迹线",
    "regional_default": "所在区域主要活动断裂的默认走向",
}
BEIJING = ZoneInfo("Asia/Shanghai")


def degree(intensity: int) -> str:
    """``Ⅵ度``: how a Chinese report names an intensity."""
    return f"{roman(intensity)}度"


def alert_text(level: str | None) -> str:
    """PAGER alert in Chinese with the English word: ``红色（red）``."""
    if not level:
        return "—"
    return f"{ALERT_NAMES.get(level, level)}（{level}）"


def response_text(level: int | None, grade: str | None = None) -> str:
    """``Ⅱ级响应（重大地震灾害）``, or the plan's wording when no level is reached."""
    if not level:
        return NO_RESPONSE
    name = grade or RESPONSE_GRADES.get(level, "")
    return f"{roman(level)}级响应（{name}地震灾害）" if name else f"{roman(level)}级响应"


def yi_amount(yuan: float | None) -> str:
    """Yuan in units of 亿 (1e8) with the precision a reader needs: 1,149 / 12.3 / 0.05."""
    if yuan is None:
        return "—"
    v = yuan / 1e8
    if v == 0:
        return "0"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 1:
        return f"{v:.1f}"
    return f"{v:.2f}" if v >= 0.01 else "<0.01"


def yi(yuan: float | None) -> str:
    """Yuan as 亿元 (1.2e11 → ``1,149 亿元``)."""
    return "—" if yuan is None else f"{yi_amount(yuan)} 亿元"


def count(n: float | None) -> str:
    """A head count with thousands separators."""
    return "—" if n is None else f"{round(n):,}"


def km(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def magnitude_text(event: dict[str, Any]) -> str:
    """``M6.2`` / ``Mw7.0``: the magnitude with its type as given."""
    kind = event.get("magnitude_type") or "M"
    return f"{kind}{event['magnitude']:.1f}"


def lat_lon(event: dict[str, Any]) -> str:
    lat, lon = event["lat"], event["lon"]
    ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
    return f"{abs(lat):.2f}°{ns}，{abs(lon):.2f}°{ew}"


def origin_time_text(value: str | None) -> str | None:
    """Origin time in Beijing time when it carries a zone, else as given; None when unknown."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S（北京时间）")


def place_text(result: dict[str, Any], place: str | None = None) -> str | None:
    """Where the event is, for titles: the caller's place, else the event's name."""
    name = result["event"].get("name")
    parts = [p for p in (place, name) if p]
    return " · ".join(dict.fromkeys(parts)) or None


def map_title(result: dict[str, Any]) -> str:
    """The first title line of the map (the report quotes it too)."""
    return f"{magnitude_text(result['event'])} 地震烈度分布图（速判）"


def model_note(result: dict[str, Any]) -> str:
    """The footnote naming the model and the isoseismal convention."""
    relation = result["model"]["relation"]
    short = "GB 18306-2015" if relation == "gb18306" else "汪素云等（2000）"
    return f"{short} 衰减关系 · 等震线按预测烈度达到整数度划定 · Yingji 速判"
