"""Earthquake catalogue feeds (地震目录订阅): read what agencies publish so that every event
above a magnitude can be assessed without anyone typing it in.

Three formats are recognised from the content itself, not the URL:

* QuakeML 1.2 (BED namespace), as CENC, GFZ, EMSC and USGS FDSN services export it. The
  preferred origin and magnitude are used (the first ones when no preference is given). QuakeML
  depths are in metres and times in UTC.
* GeoJSON ``FeatureCollection`` as USGS publishes its summary feeds (time in epoch
  milliseconds, ``coordinates`` = [lon, lat, depth km]). A single ``Feature`` (USGS detail
  feed) is read as a collection of one.
* A simple JSON list, or ``{"events": [...]}``, of flat records for in-house or CENC-derived
  feeds. Times without an offset are Beijing time (UTC+8) because that is how CENC publishes
  them; China keeps no daylight saving, so the offset is fixed.

Magnitude types are reduced to the two scales the assessment knows: any moment magnitude
(Mw, Mww, Mwc, Mwr, Mwb, Mwp …) becomes ``"Mw"``; everything else becomes ``"M"``. For Ms and
CENC's "M" that is exact. mb, ML, Md and the like are *treated as* M, an approximation that is
acceptable for moderate events (they saturate for large ones, where agencies report Mw or Ms
anyway); a missing type is taken as M.

Bad records are skipped, never fatal: ``parse`` returns the good events together with one
problem line per skipped record (or assumed value), naming the record index, id and field.
Content that is no feed at all raises ``ValidationFailed``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from yingji.errors import ValidationFailed
from yingji.quake.source import CHINA_LAT, CHINA_LON, Event

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
"""CENC's clock: naive times in simple JSON feeds are read in this zone."""
BED_NAMESPACES = (
    "http://quakeml.org/xmlns/bed/1.2",
    "http://quakeml.org/xmlns/bed-rt/1.2",  # real-time flavour, same element names
)
DEFAULT_DEPTH_KM = 10.0
"""Assumed when a record gives no depth: the usual catalogue default for shallow events."""


@dataclass(frozen=True)
class FeedEvent:
    """One catalogue event, reduced to what the assessment needs.

    ``magnitude_type`` is ``"M"`` (Ms, CENC M, and other non-moment types treated as M) or
    ``"Mw"``; ``source`` is the feed URL or name the event was read from.
    """

    id: str
    origin_time: datetime
    lat: float
    lon: float
    depth_km: float
    magnitude: float
    magnitude_type: str
    place: str | None
    source: str

    def to_event(self) -> Event:
        """The assessment's ``Event``; raises ValidationFailed outside the model's range
        (e.g. outside China or below M3). Depths above the datum (negative) count as 0."""
        return Event(
            lat=self.lat,
            lon=self.lon,
            magnitude=self.magnitude,
            depth_km=max(self.depth_km, 0.0),
            magnitude_type=self.magnitude_type,
            name=self.place,
            origin_time=self.origin_time.isoformat(),
        )


@dataclass(frozen=True)
class ParseResult:
    """Good events in feed order, plus one line per skipped record or assumed value."""

    events: list[FeedEvent]
    problems: list[str] = field(default_factory=list)


class _Bad(Exception):
    """One record's field is unusable; caught per record so the rest still parse."""

    def __init__(self, field: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.field, self.zh, self.en = field, zh, en


def magnitude_type(raw: str | None) -> str:
    """Reduce an agency magnitude type to ``"Mw"`` (any moment magnitude) or ``"M"``."""
    text = (raw or "").strip().lower()
    return "Mw" if text.startswith("mw") else "M"


def parse(content: bytes, source: str) -> ParseResult:
    """Detect the feed format of ``content`` and read its events; ``source`` is recorded on
    each event. Raises ValidationFailed when the content is no recognisable feed."""
    text = content.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return _parse_quakeml(content, source)
    if text[:1] in (b"{", b"["):
        try:
            doc = json.loads(content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _unreadable("JSON 格式错误", f"malformed JSON: {exc}") from exc
        if isinstance(doc, dict) and doc.get("type") in ("FeatureCollection", "Feature"):
            return _parse_geojson(doc, source)
        if isinstance(doc, list):
            return _parse_simple(doc, source)
        if isinstance(doc, dict) and isinstance(doc.get("events"), list):
            return _parse_simple(doc["events"], source)
        raise _unreadable(
            "JSON 不是 GeoJSON 要素集合或事件列表",
            "JSON is neither a GeoJSON FeatureCollection nor an event list",
        )
    raise _unreadable(
        "无法识别的目录格式（应为 QuakeML、GeoJSON 或 JSON）",
        "unrecognised catalogue format (expected QuakeML, GeoJSON or JSON)",
    )


def above(events: Iterable[FeedEvent], min_magnitude: float) -> list[FeedEvent]:
    """Events of at least ``min_magnitude`` on the scale the feed published (no conversion
    between M and Mw: thresholds are set the way agencies announce them)."""
    return [e for e in events if e.magnitude >= min_magnitude]


def in_china(event: FeedEvent) -> bool:
    """Inside China's bounding box: the assessment's exposure data covers only China, so
    events outside are skipped early. A box, so nearby events abroad also pass."""
    return CHINA_LAT[0] <= event.lat <= CHINA_LAT[1] and CHINA_LON[0] <= event.lon <= CHINA_LON[1]


# --- shared helpers ------------------------------------------------------------------------


def _unreadable(zh: str, en: str) -> ValidationFailed:
    return ValidationFailed(
        f"{zh} / {en}", [{"row": None, "field": "document", "reason": f"{zh} / {en}"}]
    )


def _problem(index: int, ident: str | None, bad: _Bad) -> str:
    who = f"[{index}]" + (f" (id={ident})" if ident else "")
    return f"记录{who} 字段 {bad.field}：{bad.zh} / record{who} field {bad.field}: {bad.en}"


def _number(value: Any, name: str) -> float:
    """A finite float from a JSON number or numeric string (CENC sends strings)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Bad(name, "缺失", "missing")
    if isinstance(value, bool):
        raise _Bad(name, "不是数值", f"not a number: {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _Bad(name, "不是数值", f"not a number: {value!r}") from None
    if not math.isfinite(number):
        raise _Bad(name, "不是有限数值", f"not finite: {value!r}")
    return number


def _in_range(value: float, name: str, low: float, high: float) -> float:
    if not low <= value <= high:
        raise _Bad(name, f"应在 {low:g}–{high:g} 之间", f"must be within {low:g}..{high:g}")
    return value


def _time(text: Any, name: str, naive_zone: timezone) -> datetime:
    """ISO 8601 to aware UTC; times without an offset are read in ``naive_zone``."""
    if text is None or (isinstance(text, str) and not text.strip()):
        raise _Bad(name, "缺失", "missing")
    if not isinstance(text, str):
        raise _Bad(name, "不是 ISO 8601 时间", f"not an ISO 8601 time: {text!r}")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _Bad(name, "不是 ISO 8601 时间", f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_zone)
    return moment.astimezone(UTC)


def _event(
    *,
    ident: str,
    origin_time: datetime,
    lat: float,
    lon: float,
    depth_km: float | None,
    magnitude: float,
    mag_type: str | None,
    place: str | None,
    source: str,
) -> FeedEvent:
    """Range-check and build; ranges are physical, not China's (``in_china`` filters)."""
    return FeedEvent(
        id=ident,
        origin_time=origin_time,
        lat=_in_range(lat, "lat", -90, 90),
        lon=_in_range(lon, "lon", -180, 180),
        depth_km=DEFAULT_DEPTH_KM if depth_km is None else _in_range(depth_km, "depth", -10, 800),
        magnitude=_in_range(magnitude, "magnitude", -2, 10),
        magnitude_type=magnitude_type(mag_type),
        place=(place or "").strip() or None,
        source=source,
    )


def _depth(value: Any) -> float | None:
    """Depth in the record's unit, None when absent: a missing depth is assumed, not fatal,
    because a big event must still be assessed (see ``_assumed_depth``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _number(value, "depth")


def _assumed_depth(index: int, ident: str) -> str:
    """The note for an accepted event whose depth was defaulted."""
    return _problem(
        index,
        ident,
        _Bad(
            "depth",
            f"缺失，按 {DEFAULT_DEPTH_KM:g} km 计",
            f"missing, assumed {DEFAULT_DEPTH_KM:g} km",
        ),
    )


# --- QuakeML -------------------------------------------------------------------------------


def _safe_xml(content: bytes) -> Element:
    """Parse refusing any DTD, entity or external reference (XXE, billion laughs)."""
    try:
        return safe_et.fromstring(
            content, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise _unreadable(
            "拒绝含 DTD 或实体声明的 XML", f"XML with a DTD or entities is refused: {exc}"
        ) from exc
    except ParseError as exc:
        raise _unreadable("XML 格式错误", f"malformed XML: {exc}") from exc


def _child(el: Element, ns: str, *path: str) -> Element | None:
    found: Element | None = el
    for name in path:
        if found is None:
            return None
        found = found.find(f"{{{ns}}}{name}")
    return found


def _text(el: Element | None, ns: str, *path: str) -> str | None:
    found = _child(el, ns, *path) if el is not None else None
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _preferred(event: Element, ns: str, kind: str) -> Element | None:
    """The ``origin``/``magnitude`` the event prefers, else its first one."""
    wanted = _text(event, ns, f"preferred{kind[0].upper()}{kind[1:]}ID")
    candidates = event.findall(f"{{{ns}}}{kind}")
    for candidate in candidates:
        if wanted is not None and candidate.get("publicID") == wanted:
            return candidate
    return candidates[0] if candidates else None


def _place(event: Element, ns: str) -> str | None:
    """The region name when the event gives one, else its first description."""
    descriptions = event.findall(f"{{{ns}}}description")
    for d in descriptions:
        if _text(d, ns, "type") == "region name":
            return _text(d, ns, "text")
    return _text(descriptions[0], ns, "text") if descriptions else None


def _parse_quakeml(content: bytes, source: str) -> ParseResult:
    root = _safe_xml(content)
    params: list[tuple[str, Element]] = []
    for ns in BED_NAMESPACES:
        tag = f"{{{ns}}}eventParameters"
        if root.tag == tag:
            params.append((ns, root))
        params.extend((ns, p) for p in root.iter(tag) if p is not root)
    if not params:
        raise _unreadable(
            "XML 不是 QuakeML 1.2（缺少 eventParameters）",
            "XML is not QuakeML 1.2 (no eventParameters in the BED namespace)",
        )
    events: list[FeedEvent] = []
    problems: list[str] = []
    index = 0
    for ns, block in params:
        for el in block.findall(f"{{{ns}}}event"):
            ident = el.get("publicID")
            try:
                if _text(el, ns, "type") in ("not existing", "not reported"):
                    raise _Bad("type", "事件已撤销", "event marked not existing/not reported")
                event, depth_given = _quakeml_event(el, ns, ident, source)
                events.append(event)
                if not depth_given:
                    problems.append(_assumed_depth(index, event.id))
            except _Bad as bad:
                problems.append(_problem(index, ident, bad))
            index += 1
    return ParseResult(events, problems)


def _quakeml_event(el: Element, ns: str, ident: str | None, source: str) -> tuple[FeedEvent, bool]:
    """The event and whether its origin gave a depth."""
    if not ident:
        raise _Bad("publicID", "缺失", "missing")
    origin = _preferred(el, ns, "origin")
    if origin is None:
        raise _Bad("origin", "缺失", "missing")
    mag = _preferred(el, ns, "magnitude")
    if mag is None:
        raise _Bad("magnitude", "缺失", "missing")
    depth_m = _depth(_text(origin, ns, "depth", "value"))
    depth_km = None if depth_m is None else depth_m / 1000.0  # QuakeML depths are metres
    event = _event(
        ident=ident,
        origin_time=_time(_text(origin, ns, "time", "value"), "time", UTC),  # QuakeML is UTC
        lat=_number(_text(origin, ns, "latitude", "value"), "lat"),
        lon=_number(_text(origin, ns, "longitude", "value"), "lon"),
        depth_km=depth_km,
        magnitude=_number(_text(mag, ns, "mag", "value"), "magnitude"),
        mag_type=_text(mag, ns, "type"),
        place=_place(el, ns),
        source=source,
    )
    return event, depth_km is not None


# --- GeoJSON (USGS) ------------------------------------------------------------------------


def _parse_geojson(doc: Mapping[str, Any], source: str) -> ParseResult:
    features = [doc] if doc.get("type") == "Feature" else doc.get("features")
    if not isinstance(features, list):
        raise _unreadable("GeoJSON 缺少 features 数组", "GeoJSON has no features array")
    events: list[FeedEvent] = []
    problems: list[str] = []
    for index, feature in enumerate(features):
        ident = None
        try:
            if not isinstance(feature, dict):
                raise _Bad("feature", "不是对象", "not an object")
            props = feature.get("properties")
            props = props if isinstance(props, dict) else {}
            geometry = feature.get("geometry")
            geometry = geometry if isinstance(geometry, dict) else {}
            ident = feature.get("id") or props.get("code")
            if not ident:
                raise _Bad("id", "缺失", "missing")
            ident = str(ident)
            coords = geometry.get("coordinates")
            if not isinstance(coords, list) or len(coords) < 2:
                raise _Bad("geometry", "缺少坐标", "missing coordinates [lon, lat, depth]")
            millis = _number(props.get("time"), "time")
            try:
                when = datetime.fromtimestamp(millis / 1000.0, UTC)
            except (OverflowError, OSError, ValueError):
                raise _Bad("time", "超出范围", f"out of range: {millis!r}") from None
            depth = _depth(coords[2] if len(coords) > 2 else None)
            events.append(
                _event(
                    ident=ident,
                    origin_time=when,
                    lat=_number(coords[1], "lat"),
                    lon=_number(coords[0], "lon"),
                    depth_km=depth,
                    magnitude=_number(props.get("mag"), "magnitude"),
                    mag_type=props.get("magType"),
                    place=props.get("place") or props.get("title"),
                    source=source,
                )
            )
            if depth is None:
                problems.append(_assumed_depth(index, ident))
        except _Bad as bad:
            problems.append(_problem(index, ident, bad))
    return ParseResult(events, problems)


# --- simple JSON ---------------------------------------------------------------------------


def _first(record: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` present with a value (aliases like lat/latitude)."""
    for key in keys:
        if record.get(key) is not None:
            return record[key]
    return None


def _parse_simple(records: list[Any], source: str) -> ParseResult:
    events: list[FeedEvent] = []
    problems: list[str] = []
    for index, record in enumerate(records):
        ident = None
        try:
            if not isinstance(record, dict):
                raise _Bad("record", "不是对象", "not an object")
            raw_id = record.get("id")
            ident = str(raw_id).strip() if raw_id is not None and str(raw_id).strip() else None
            when = _time(record.get("time"), "time", BEIJING)
            lat = _number(_first(record, "lat", "latitude"), "lat")
            lon = _number(_first(record, "lon", "longitude"), "lon")
            if ident is None:  # stable across polls, so the same event is not assessed twice
                ident = f"{when.strftime('%Y%m%dT%H%M%SZ')}_{lat:.2f}_{lon:.2f}"
            mag_type = _first(record, "magnitude_type", "mag_type")
            place = _first(record, "place", "location")
            depth = _depth(_first(record, "depth", "depth_km"))
            events.append(
                _event(
                    ident=ident,
                    origin_time=when,
                    lat=lat,
                    lon=lon,
                    depth_km=depth,
                    magnitude=_number(_first(record, "mag", "magnitude", "M"), "magnitude"),
                    mag_type=str(mag_type) if mag_type is not None else None,
                    place=str(place) if place is not None else None,
                    source=source,
                )
            )
            if depth is None:
                problems.append(_assumed_depth(index, ident))
        except _Bad as bad:
            problems.append(_problem(index, ident, bad))
    return ParseResult(events, problems)
