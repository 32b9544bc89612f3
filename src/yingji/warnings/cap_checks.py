"""Safety, schema and semantic checks for CAP 1.2 documents.

Warnings arrive from outside (meteorological bureaus, neighbouring systems), so the XML is
hostile until proven otherwise: DTDs and entities are refused before lxml sees the bytes,
then the official OASIS schema is applied, then the rules the schema cannot express.
Every check returns problems as ``{"field", "reason"}`` dicts so callers can list them all.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException
from lxml import etree

from yingji.errors import ValidationFailed

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
NS = {"cap": CAP_NS}
# A CAP message is a few kilobytes; anything this large is abuse, not a warning.
MAX_BYTES = 2 * 1024 * 1024
# The schema's own pattern for CAP date-times: seconds precision and an explicit offset.
DATETIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
# msgType values that act on earlier messages and so must say which ones (CAP 1.2 §3.2.1).
NEEDS_REFERENCES = ("Update", "Cancel", "Ack", "Error")

Problem = dict[str, str]


def problem(field: str, zh: str, en: str) -> Problem:
    return {"field": field, "reason": f"{zh} / {en}"}


def safe_tree(data: bytes) -> etree._Element:
    """Parse ``data`` refusing DTDs, entities and external references.

    defusedxml screens first because it rejects a DOCTYPE before expanding anything; lxml then
    parses with entity resolution and network access off so nothing can be fetched either way.
    """
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            "CAP 消息过大 / CAP message too large",
            [problem("document", f"超过 {MAX_BYTES} 字节", f"exceeds {MAX_BYTES} bytes")],
        )
    try:
        safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ValidationFailed(
            "拒绝含 DTD 或实体声明的 XML / XML with a DTD or entity declarations is refused",
            [problem("document", "不允许 DTD、实体或外部引用", f"not allowed: {exc}")],
        ) from exc
    except safe_et.ParseError as exc:
        raise ValidationFailed(
            "XML 格式错误 / Malformed XML",
            [problem("document", "无法解析 XML", str(exc))],
        ) from exc
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValidationFailed(
            "XML 格式错误 / Malformed XML", [problem("document", "无法解析 XML", str(exc))]
        ) from exc
    if root.getroottree().docinfo.internalDTD is not None:  # belt and braces
        raise ValidationFailed(
            "拒绝含 DTD 的 XML / XML with a DTD is refused",
            [problem("document", "不允许 DTD", "DTD not allowed")],
        )
    return root


@cache
def cap_schema() -> etree.XMLSchema:
    """The official OASIS CAP 1.2 schema shipped in ``data/`` (loaded once)."""
    raw = files("yingji.warnings").joinpath("data/CAP-v1.2.xsd").read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(raw, parser))


def element_path(el: etree._Element) -> str:
    """``info[0].area[1].polygon[0]`` for an element (index among same-named siblings)."""
    parts = []
    while el.getparent() is not None:
        parent = el.getparent()
        name = etree.QName(el).localname
        same = [c for c in parent if c.tag == el.tag]
        # Single elements read better without an index: ``sent``, not ``sent[0]``.
        parts.append(f"{name}[{same.index(el)}]" if name in REPEATED else name)
        el = parent
    return ".".join(reversed(parts)) or "alert"


# Elements that may repeat, so their paths keep an index even when it is 0.
REPEATED = frozenset(
    {"code", "info", "category", "responseType", "eventCode", "parameter", "resource", "area"}
    | {"polygon", "circle", "geocode"}
)
# "Expected is ( identifier )." or "Expected is one of ( category, event )."; after optional
# or repeatable elements the required one comes last, so the last name is the missing one.
_EXPECTED = re.compile(r"Expected is (?:one of )?\(([^)]*)\)")


def _under(base: str, name: str) -> str:
    return name if base == "alert" else f"{base}.{name}"


def _schema_field(root: etree._Element, xpath: str | None, message: str) -> str:
    """The element an lxml schema error is about; for a missing element, the one expected."""
    found = root.getroottree().xpath(xpath) if xpath else []
    el = found[0] if found and isinstance(found[0], etree._Element) else root
    match = _EXPECTED.search(message.replace("{" + CAP_NS + "}", ""))
    if match is None:
        return element_path(el)
    expected = match.group(1).split(",")[-1].strip()
    if "Missing child" in message:
        return _under(element_path(el), expected)
    parent = el.getparent()
    if "not expected" in message and parent is not None:
        return _under(element_path(parent), expected)
    return element_path(el)


def schema_problems(root: etree._Element) -> list[Problem]:
    """Everything the OASIS schema rejects, with the element path of each error."""
    schema = cap_schema()
    if schema.validate(root):
        return []
    out = []
    for err in schema.error_log:
        field = _schema_field(root, err.path, err.message)
        message = err.message.replace("{" + CAP_NS + "}", "")
        out.append(problem(field, "不符合 CAP 1.2 模式", message))
    return out


def child_text(el: etree._Element, name: str) -> str | None:
    """Stripped text of the first CAP child ``name``, or None when it is absent."""
    child = el.find(f"cap:{name}", NS)
    return child.text.strip() if child is not None and child.text else None


def parse_datetime(value: str | None) -> datetime | None:
    """A CAP date-time as an aware datetime, or None when absent or malformed."""
    if value is None or not DATETIME_RE.match(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_point(token: str) -> tuple[float, float] | None:
    """A CAP ``lat,lon`` point as ``(lon, lat)``, or None when it is not a valid WGS 84 point."""
    parts = token.split(",")
    if len(parts) != 2:
        return None
    lat, lon = _number(parts[0]), _number(parts[1])
    if lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180:
        return None
    return (lon, lat)


def polygon_problems(text: str, field: str) -> list[Problem]:
    tokens = text.split()
    out = []
    points = []
    for i, token in enumerate(tokens):
        point = parse_point(token)
        if point is None:
            out.append(
                problem(
                    field,
                    f"第 {i + 1} 个点 '{token}' 不是有效的“纬度,经度”(纬度 -90..90,经度 -180..180)",
                    f"point {i + 1} '{token}' is not 'lat,lon' with lat -90..90, lon -180..180",
                )
            )
        points.append(point)
    if len(tokens) < 4:
        out.append(problem(field, "多边形至少需要 4 个点", "a polygon needs at least 4 points"))
    elif None not in (points[0], points[-1]) and points[0] != points[-1]:
        out.append(
            problem(field, "多边形未闭合(首点须等于末点)", "polygon not closed (first != last)")
        )
    return out


def circle_problems(text: str, field: str) -> list[Problem]:
    parts = text.split()
    point = parse_point(parts[0]) if len(parts) == 2 else None
    radius = _number(parts[1]) if len(parts) == 2 else None
    if point is None or radius is None or radius < 0:
        return [
            problem(
                field,
                f"圆 '{text}' 应为“纬度,经度 半径公里”,坐标在范围内且半径 >= 0",
                f"circle '{text}' must be 'lat,lon radius_km' in range with radius >= 0",
            )
        ]
    return []


def parse_references(text: str) -> list[tuple[str, str, datetime]] | None:
    """``sender,identifier,sent`` triples separated by spaces, or None if any is malformed."""
    out = []
    for token in text.split():
        parts = token.split(",")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            return None
        sent = parse_datetime(parts[2])
        if sent is None:
            return None
        out.append((parts[0], parts[1], sent))
    return out or None


def semantic_problems(root: etree._Element) -> list[Problem]:
    """The CAP 1.2 rules the XML schema does not express."""
    out: list[Problem] = []
    for name in ("identifier", "sender"):
        value = child_text(root, name)
        if value and re.search(r"[\s,<&]", value):
            out.append(
                problem(
                    name,
                    "不得含空格、逗号、< 或 &",
                    "must not contain spaces, commas, < or &",
                )
            )
    sent = parse_datetime(child_text(root, "sent"))
    msg_type = child_text(root, "msgType")
    refs = child_text(root, "references")
    if refs is not None and parse_references(refs) is None:
        out.append(
            problem(
                "references",
                "应为以空格分隔的“发送者,标识,发送时间”三元组",
                "must be space-separated 'sender,identifier,sent' triples",
            )
        )
    elif refs is None and msg_type in NEEDS_REFERENCES:
        out.append(
            problem(
                "references",
                f"msgType 为 {msg_type} 时必须引用原消息",
                f"msgType {msg_type} must reference earlier messages",
            )
        )
    scope = child_text(root, "scope")
    if scope == "Restricted" and child_text(root, "restriction") is None:
        out.append(problem("restriction", "scope 为 Restricted 时必填", "required when Restricted"))
    if scope == "Private" and child_text(root, "addresses") is None:
        out.append(
            problem("addresses", "scope 为 Private 时必填", "required when scope is Private")
        )
    for i, info in enumerate(root.findall("cap:info", NS)):
        out += _info_problems(info, f"info[{i}]", sent)
    return out


def _info_problems(info: etree._Element, base: str, sent: datetime | None) -> list[Problem]:
    out = []
    onset = parse_datetime(child_text(info, "onset"))
    expires = parse_datetime(child_text(info, "expires"))
    if expires is not None and sent is not None and expires <= sent:
        out.append(
            problem(f"{base}.expires", "失效时间须晚于发送时间", "expires must be after sent")
        )
    if expires is not None and onset is not None and expires <= onset:
        out.append(
            problem(f"{base}.expires", "失效时间须晚于开始时间", "expires must be after onset")
        )
    for j, area in enumerate(info.findall("cap:area", NS)):
        for k, poly in enumerate(area.findall("cap:polygon", NS)):
            out += polygon_problems(poly.text or "", f"{base}.area[{j}].polygon[{k}]")
        for k, circle in enumerate(area.findall("cap:circle", NS)):
            out += circle_problems(circle.text or "", f"{base}.area[{j}].circle[{k}]")
    return out


def check(root: etree._Element) -> None:
    """Raise ValidationFailed listing every schema and semantic problem of ``root``."""
    problems: list[dict[str, Any]] = schema_problems(root) + semantic_problems(root)
    if problems:
        raise ValidationFailed("CAP 消息无效 / Invalid CAP message", problems)
