"""Calling the places shaken hardest: instructions to the responsible persons of the
townships that reach intensity VII (Ⅶ度及以上), through direct reach.

They are the report's repair priorities, so the call and the report name the same places.
Where no townships are imported (the province is held at county level only), the VII+
counties themselves are called at county level. Delivery, confirmation, redials,
escalation and the live board are direct reach's, unchanged; the sender reaches only places
in their own subtree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.errors import ValidationFailed
from yingji.quake.assess import PRIORITY_FROM
from yingji.quake.isoseismals import roman
from yingji.quake.models import QuakeAssessment
from yingji.regions.models import Region
from yingji.warnings import direct
from yingji.warnings.direct_models import DirectMessage

TOWNSHIP, COUNTY = 4, 3
DEFAULT_CHANNELS = ["sms", "voice", "inbox"]
DEFAULT_DEADLINE_MINUTES = 30


def places(session: Session, actor: Actor, record: QuakeAssessment) -> tuple[list[Region], int]:
    """(regions, layer): the report's priority townships (any part at VII or above) in the
    actor's subtree, else the VII+ counties when no townships were assessed."""
    data = record.result
    towns = [t["adcode"] for t in data.get("townships", []) if t["max_intensity"] >= PRIORITY_FROM]
    counties = [c["adcode"] for c in data["counties"] if c["max_intensity"] >= PRIORITY_FROM]
    for codes, layer in ((towns, TOWNSHIP), (counties, COUNTY)):
        if not codes:
            continue
        found = list(
            session.scalars(
                actor.by_path(select(Region).where(Region.code.in_(codes)), Region.path)
            )
        )
        if found:
            return found, layer
    return [], COUNTY


def message_text(record: QuakeAssessment) -> str:
    data = record.result
    place = data["event"].get("name") or f"{record.lat:.2f}N {record.lon:.2f}E"
    top = roman(record.max_intensity)
    return (
        f"【地震速判】{place} 发生 {record.magnitude:.1f} 级地震，模型预估最高烈度 {top} 度，"
        f"贵辖区位于 Ⅶ 度及以上区域。请立即组织排查人员伤亡和房屋、道路、电力、通信受损情况，"
        f"转移危险区群众，并回复确认、上报灾情。"
    )


def call(
    session: Session,
    actor: Actor,
    record: QuakeAssessment,
    *,
    channels: Sequence[str] | None = None,
    deadline_minutes: int | None = DEFAULT_DEADLINE_MINUTES,
) -> tuple[DirectMessage, int, int]:
    """Send the instruction; (message, places called, instructions written)."""
    found, layer = places(session, actor, record)
    if not found:
        raise ValidationFailed(
            "您的辖区内没有 Ⅶ 度及以上的乡镇或区县 / no place at VII or above in your region",
            [{"row": None, "field": "assessment", "reason": "no place at intensity VII+"}],
        )
    data: dict[str, Any] = {
        "text": message_text(record),
        "region_codes": [r.code for r in found],
        "layers": [layer],
        "channels": list(channels or DEFAULT_CHANNELS),
        "deadline_minutes": deadline_minutes,
    }
    message, written = direct.send(session, actor, data)
    return message, len(found), written
