"""CAP 1.2 in and out of the warning register.

CAP → warning mapping (ingest), each falling back to the next:
- category: parameter ``yingji:category``; else the ``event`` text containing a category's
  Chinese name (暴雨 → rainstorm); else ``other``.
- level: parameter ``yingji:level`` (red/orange/yellow/blue) or ``预警等级`` (红色/橙色...);
  else ``severity``: Extreme → red, Severe → orange, Moderate → yellow, Minor/Unknown → blue.
- stage: parameter ``yingji:stage``; else ``urgency``: Immediate → imminent, Expected →
  forecast, Future → outlook, otherwise forecast.
- key period: parameter ``yingji:key_period`` = true.
- regions: ``geocode`` entries named ``GB/T 2260``; polygons and circles also cover every
  county they overlap.
An Update marks the warnings it references ``updated`` and links to the first; a Cancel
marks them ``cancelled`` and stores nothing new. References must resolve. On export every
covered region travels as a ``GB/T 2260`` geocode.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.clock import aware
from yingji.db import utcnow
from yingji.errors import ValidationFailed, invalid
from yingji.warnings.cap import GEOCODE_REGION, CapAlert, CapArea, CapInfo, parse, to_xml
from yingji.warnings.models import (
    CATEGORY_LABELS,
    LEVEL_BY_NAME,
    LEVEL_LABELS,
    EarlyWarning,
    WarningStatus,
)
from yingji.warnings.service import WITHDRAW_JOB, get, later, region_codes, store

LEVEL_BY_SEVERITY = {"Extreme": 1, "Severe": 2, "Moderate": 3, "Minor": 4, "Unknown": 4}
STAGE_BY_URGENCY = {"Immediate": "imminent", "Expected": "forecast", "Future": "outlook"}
CAP_CATEGORY = {
    "geological": "Geo",
    "earthquake": "Geo",
    "forest_fire": "Fire",
    "hazardous_chemical": "CBRNE",
    "other": "Other",
}
"""CAP ``category`` on export; every category not listed is meteorological (Met)."""
LEVEL_PARAM = "预警等级"


def _param(info: CapInfo, *names: str) -> str | None:
    for name, value in info.parameters:
        if name in names:
            return value.strip()
    return None


def _level(info: CapInfo) -> int:
    given = _param(info, "yingji:level", LEVEL_PARAM)
    if given:
        for level, label in LEVEL_LABELS.items():
            if given in (label, label[0], f"{label}预警"):
                return level
        if given in LEVEL_BY_NAME:
            return LEVEL_BY_NAME[given]
        raise invalid("info.parameter", f"无法识别预警等级 {given} / unknown level")
    return LEVEL_BY_SEVERITY.get(info.severity, 4)


def _category(info: CapInfo) -> str:
    given = _param(info, "yingji:category")
    if given:
        return given
    for key, label in CATEGORY_LABELS.items():
        if key != "other" and label in info.event:
            return key
    return "other"


def _cap_area(info: CapInfo) -> tuple[str, dict[str, Any]]:
    area: dict[str, Any] = {"polygons": [], "circles": [], "region_codes": []}
    for a in info.areas:
        area["polygons"] += [[list(p) for p in ring] for ring in a.polygons]
        area["circles"] += [list(c) for c in a.circles]
        area["region_codes"] += a.region_codes
    return "、".join(a.area_desc for a in info.areas), area


def _referenced(session: Session, alert: CapAlert) -> list[EarlyWarning]:
    out = []
    for sender, identifier, _sent in alert.references:
        warning = session.scalar(
            select(EarlyWarning).where(
                EarlyWarning.sender == sender, EarlyWarning.identifier == identifier
            )
        )
        if warning is None:
            raise invalid("references", f"引用的预警不存在: {identifier} / reference not found")
        out.append(warning)
    return out


def ingest(session: Session, actor: Actor, data: bytes) -> EarlyWarning:
    """Store a CAP 1.2 message (or apply its Cancel); a bad message stores nothing.

    Returns the new warning, or for a Cancel the first warning it cancelled.
    """
    actor.require_write()
    alert = parse(data)
    if alert.msg_type not in ("Alert", "Update", "Cancel"):
        raise invalid("msgType", f"不处理 {alert.msg_type} 消息 / only Alert, Update, Cancel")
    olds = _referenced(session, alert)
    if alert.msg_type == "Cancel":
        for old in olds:
            get(session, actor, old.id)  # scope
            old.status = WarningStatus.cancelled
            old.cancelled_at = utcnow()
            later(session, WITHDRAW_JOB, old.id)
        session.flush()
        return olds[0]
    if not alert.infos:
        raise invalid("info", "CAP 消息缺少 info / the message has no info block")
    info = next((i for i in alert.infos if i.language.startswith("zh")), alert.infos[0])
    area_desc, area = _cap_area(info)
    stage = _param(info, "yingji:stage") or STAGE_BY_URGENCY.get(info.urgency, "forecast")
    fields = {
        "category": _category(info),
        "level": _level(info),
        "stage": stage,
        "key_period": (_param(info, "yingji:key_period") or "").lower() == "true",
        "area_desc": area_desc[:500] or "—",
        "area": area,
        "valid_from": info.onset or alert.sent,
        "valid_until": info.expires,
        "authority": info.sender_name or alert.sender,
        "headline": info.headline or info.event,
        "description": info.description,
        "instruction": info.instruction,
        "identifier": alert.identifier,
        "sender": alert.sender,
        "sent": alert.sent,
        "msg_type": alert.msg_type,
        "cap_status": alert.status,
        "cap_scope": alert.scope,
        "urgency": info.urgency,
        "severity": info.severity,
        "certainty": info.certainty,
        "references": [[s, i, t.isoformat()] for s, i, t in alert.references],
        "source": "cap",
    }
    try:
        warning = store(session, actor, fields)
    except ValidationFailed as exc:
        raise ValidationFailed(f"CAP 消息被拒绝: {exc.message}", exc.details) from exc
    if olds:
        warning.replaces_id = olds[0].id
        for old in olds:
            old.status = WarningStatus.updated
    session.flush()
    return warning


def to_cap(session: Session, warning: EarlyWarning) -> CapAlert:
    """The warning as a CAP alert; every covered region travels as a ``GB/T 2260`` geocode."""
    area = warning.area or {}
    codes = region_codes(session, [warning.id])[warning.id]
    params = [
        (LEVEL_PARAM, LEVEL_LABELS[warning.level]),
        ("yingji:category", warning.category),
        ("yingji:stage", warning.stage),
        ("yingji:key_period", "true" if warning.key_period else "false"),
    ]
    info = CapInfo(
        language="zh-CN",
        categories=[CAP_CATEGORY.get(warning.category, "Met")],
        event=CATEGORY_LABELS.get(warning.category, warning.category),
        urgency=warning.urgency,
        severity=warning.severity,
        certainty=warning.certainty,
        onset=aware(warning.valid_from),
        expires=aware(warning.valid_until) if warning.valid_until else None,
        sender_name=warning.authority,
        headline=warning.headline,
        description=warning.description,
        instruction=warning.instruction,
        parameters=params,
        areas=[
            CapArea(
                area_desc=warning.area_desc,
                polygons=[[(p[0], p[1]) for p in ring] for ring in area.get("polygons", [])],
                circles=[(c[0], c[1], c[2]) for c in area.get("circles", [])],
                geocodes=[(GEOCODE_REGION, code) for code in codes],
            )
        ],
    )
    return CapAlert(
        identifier=warning.identifier,
        sender=warning.sender,
        sent=aware(warning.sent),
        status=warning.cap_status,
        msg_type=warning.msg_type,
        scope=warning.cap_scope,
        references=[(s, i, dt.datetime.fromisoformat(t)) for s, i, t in warning.references or []],
        infos=[info],
    )


def cap_xml(session: Session, warning: EarlyWarning) -> bytes:
    return to_xml(to_cap(session, warning))
