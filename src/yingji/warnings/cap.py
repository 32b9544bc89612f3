"""OASIS CAP 1.2 alerts: the fields Yingji needs, safe parsing and valid export.

Geometry is held the way the rest of Yingji (shapely, GeoJSON) holds it: ``(lon, lat)``.
CAP writes ``lat,lon``; the swap happens only here. Administrative regions travel as
``geocode`` entries whose valueName is ``GB/T 2260`` (the national standard for region codes,
the codes Yingji's region register uses), so a receiver can match areas by code, not by text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from lxml import etree

from yingji.errors import ValidationFailed
from yingji.warnings.cap_checks import (
    CAP_NS,
    NS,
    check,
    child_text,
    parse_datetime,
    parse_point,
    parse_references,
    safe_tree,
)

GEOCODE_REGION = "GB/T 2260"

Point = tuple[float, float]


@dataclass
class CapArea:
    """An ``area``: polygons as rings of ``(lon, lat)``, circles as ``(lon, lat, radius_km)``."""

    area_desc: str
    polygons: list[list[Point]] = field(default_factory=list)
    circles: list[tuple[float, float, float]] = field(default_factory=list)
    geocodes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def region_codes(self) -> list[str]:
        """Administrative codes carried as ``GB/T 2260`` geocodes."""
        return [value for name, value in self.geocodes if name == GEOCODE_REGION]


@dataclass
class CapInfo:
    """One ``info`` block (one language of the warning)."""

    categories: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    language: str = "zh-CN"
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    parameters: list[tuple[str, str]] = field(default_factory=list)
    areas: list[CapArea] = field(default_factory=list)


@dataclass
class CapAlert:
    """The ``alert`` envelope; references are ``(sender, identifier, sent)`` triples."""

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    note: str | None = None
    references: list[tuple[str, str, datetime]] = field(default_factory=list)
    infos: list[CapInfo] = field(default_factory=list)


def parse(data: bytes) -> CapAlert:
    """Parse and validate a CAP 1.2 document; raise ValidationFailed listing every problem."""
    root = safe_tree(data)
    check(root)
    return _alert(root)


def to_xml(alert: CapAlert) -> bytes:
    """Serialise ``alert`` as CAP 1.2, refusing to emit a document ``parse`` would reject."""
    root = _alert_element(alert)
    check(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- reading -------------------------------------------------------------------------------


def _texts(el: etree._Element, name: str) -> list[str]:
    return [(c.text or "").strip() for c in el.findall(f"cap:{name}", NS)]


def _pairs(el: etree._Element, name: str) -> list[tuple[str, str]]:
    return [
        (child_text(c, "valueName") or "", child_text(c, "value") or "")
        for c in el.findall(f"cap:{name}", NS)
    ]


def _required_dt(value: str | None) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:  # the schema already rejected it; kept for the type checker
        raise ValidationFailed("CAP 时间无效 / Invalid CAP date-time", [])
    return parsed


def _alert(root: etree._Element) -> CapAlert:
    refs = child_text(root, "references")
    return CapAlert(
        identifier=child_text(root, "identifier") or "",
        sender=child_text(root, "sender") or "",
        sent=_required_dt(child_text(root, "sent")),
        status=child_text(root, "status") or "",
        msg_type=child_text(root, "msgType") or "",
        scope=child_text(root, "scope") or "",
        source=child_text(root, "source"),
        restriction=child_text(root, "restriction"),
        addresses=child_text(root, "addresses"),
        note=child_text(root, "note"),
        references=(parse_references(refs) or []) if refs else [],
        infos=[_info(el) for el in root.findall("cap:info", NS)],
    )


def _info(el: etree._Element) -> CapInfo:
    return CapInfo(
        language=child_text(el, "language") or "en-US",  # the CAP default when absent
        categories=_texts(el, "category"),
        event=child_text(el, "event") or "",
        urgency=child_text(el, "urgency") or "",
        severity=child_text(el, "severity") or "",
        certainty=child_text(el, "certainty") or "",
        onset=parse_datetime(child_text(el, "onset")),
        expires=parse_datetime(child_text(el, "expires")),
        sender_name=child_text(el, "senderName"),
        headline=child_text(el, "headline"),
        description=child_text(el, "description"),
        instruction=child_text(el, "instruction"),
        parameters=_pairs(el, "parameter"),
        areas=[_area(a) for a in el.findall("cap:area", NS)],
    )


def _area(el: etree._Element) -> CapArea:
    polygons = [[parse_point(t) for t in text.split()] for text in _texts(el, "polygon")]
    circles = []
    for text in _texts(el, "circle"):
        centre, radius = text.split()
        lon, lat = parse_point(centre) or (0.0, 0.0)  # checked valid before we get here
        circles.append((lon, lat, float(radius)))
    return CapArea(
        area_desc=child_text(el, "areaDesc") or "",
        polygons=[[p for p in ring if p is not None] for ring in polygons],
        circles=circles,
        geocodes=_pairs(el, "geocode"),
    )


# --- writing -------------------------------------------------------------------------------


def _num(value: float) -> str:
    """Shortest exact decimal (no exponent), so export → parse gives the same float back."""
    return format(Decimal(repr(float(value))), "f")


def _dt(value: datetime, field: str) -> str:
    """CAP wants seconds and an explicit offset; a naive time would be silently ambiguous."""
    if value.tzinfo is None:
        raise ValidationFailed(
            "CAP 时间须带时区 / CAP date-times need a time zone",
            [{"field": field, "reason": "时间无时区 / naive datetime"}],
        )
    return value.replace(microsecond=0).isoformat()


def _sub(parent: etree._Element, name: str, text: str | None) -> None:
    if text is not None:
        etree.SubElement(parent, f"{{{CAP_NS}}}{name}").text = text


def _pair(parent: etree._Element, name: str, pair: tuple[str, str]) -> None:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
    _sub(el, "valueName", pair[0])
    _sub(el, "value", pair[1])


def _alert_element(alert: CapAlert) -> etree._Element:
    # Element order follows the schema's xs:sequence; it is not optional.
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", alert.sender)
    _sub(root, "sent", _dt(alert.sent, "sent"))
    _sub(root, "status", alert.status)
    _sub(root, "msgType", alert.msg_type)
    _sub(root, "source", alert.source)
    _sub(root, "scope", alert.scope)
    _sub(root, "restriction", alert.restriction)
    _sub(root, "addresses", alert.addresses)
    _sub(root, "note", alert.note)
    if alert.references:
        refs = " ".join(f"{s},{i},{_dt(t, 'references')}" for s, i, t in alert.references)
        _sub(root, "references", refs)
    for info in alert.infos:
        _info_element(root, info)
    return root


def _info_element(root: etree._Element, info: CapInfo) -> None:
    el = etree.SubElement(root, f"{{{CAP_NS}}}info")
    _sub(el, "language", info.language)
    for category in info.categories:
        _sub(el, "category", category)
    _sub(el, "event", info.event)
    _sub(el, "urgency", info.urgency)
    _sub(el, "severity", info.severity)
    _sub(el, "certainty", info.certainty)
    _sub(el, "onset", _dt(info.onset, "onset") if info.onset else None)
    _sub(el, "expires", _dt(info.expires, "expires") if info.expires else None)
    _sub(el, "senderName", info.sender_name)
    _sub(el, "headline", info.headline)
    _sub(el, "description", info.description)
    _sub(el, "instruction", info.instruction)
    for pair in info.parameters:
        _pair(el, "parameter", pair)
    for area in info.areas:
        a = etree.SubElement(el, f"{{{CAP_NS}}}area")
        _sub(a, "areaDesc", area.area_desc)
        for ring in area.polygons:
            _sub(a, "polygon", " ".join(f"{_num(lat)},{_num(lon)}" for lon, lat in ring))
        for lon, lat, radius in area.circles:
            _sub(a, "circle", f"{_num(lat)},{_num(lon)} {_num(radius)}")
        for pair in area.geocodes:
            _pair(a, "geocode", pair)
