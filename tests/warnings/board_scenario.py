"""A hand-made call-out for the board and statistics tests: one orange warning over 万州区
and instructions and deliveries in every state, inserted directly (no sender, no jobs), so
the expected figures are known by construction.

Persons (round 0) and where they are called:
    p1  county 500101            confirmed after 120 s
    p2  township 500101001       confirmed after 240 s
    p3  village 500101001001     delivered, deadline passed        → unanswered
    p4  grid 500101001001-01     sent, escalated, deadline passed  → unanswered, escalated
    p5  township 500101002       failed
    p6  township 500101002       pending, deadline tomorrow
    p7  township 500101002       cancelled
    p8  village 500101001001     delivered, no confirmation asked (blue-like)
    p9  county 500101            round 1 escalation about p4, open, deadline tomorrow
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from yingji.auth.scope import system_actor
from yingji.db import utcnow
from yingji.notify.models import Delivery
from yingji.people.models import Person
from yingji.regions.models import Region
from yingji.warnings import service
from yingji.warnings.instruction_models import Instruction

COUNTY, T1, T2, V1, G1 = "500101", "500101001", "500101002", "500101001001", "500101001001-01"


@dataclass
class Scenario:
    warning_id: int
    start: dt.datetime
    persons: dict[str, int]
    names: dict[str, str]
    instructions: dict[str, int]


def make_warning(session: Session, codes: list[str], **changes: Any) -> int:
    data: dict[str, Any] = {
        "category": "rainstorm",
        "level": 2,
        "stage": "nowcast",
        "key_period": False,
        "area_desc": "万州区",
        "area": {"region_codes": codes},
        "valid_until": dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
        "authority": "重庆市气象台",
        "headline": "暴雨橙色预警",
        "description": None,
        "instruction": None,
    }
    return service.create(session, system_actor(), data | changes).id


def build(session: Session) -> Scenario:
    warning_id = make_warning(session, [COUNTY])
    start = utcnow() - dt.timedelta(hours=1)
    regions = dict(session.execute(select(Region.code, Region.id)).all())
    people = session.execute(select(Person.id, Person.name).order_by(Person.id).limit(9)).all()
    keys = [f"p{i}" for i in range(1, 10)]
    persons = {k: p.id for k, p in zip(keys, people, strict=True)}
    names = {k: p.name for k, p in zip(keys, people, strict=True)}

    def at(minutes: float) -> dt.datetime:
        return start + dt.timedelta(minutes=minutes)

    later = start + dt.timedelta(days=1)
    base = {
        "warning_id": warning_id,
        "round": 0,
        "reasons": [],
        "about": None,
        "policy": {},
        "measures": "",
        "sent_at": None,
        "delivered_at": None,
        "confirmed_at": None,
        "confirmed_via": None,
        "escalated_at": None,
        "deadline_at": at(5),
        "created_at": start,
        "updated_at": start,
    }
    rows = {
        "p1": {"region": COUNTY, "layer": 3, "state": "confirmed", "sent_at": at(0),
               "delivered_at": at(1), "confirmed_at": at(2), "confirmed_via": "sms_code"},
        "p2": {"region": T1, "layer": 4, "state": "confirmed", "sent_at": at(1),
               "delivered_at": at(1.5), "confirmed_at": at(5), "confirmed_via": "voice_key"},
        "p3": {"region": V1, "layer": 5, "state": "delivered", "sent_at": at(0),
               "delivered_at": at(0.5)},
        "p4": {"region": G1, "layer": 6, "state": "escalated", "sent_at": at(0),
               "escalated_at": at(10)},
        "p5": {"region": T2, "layer": 4, "state": "failed"},
        "p6": {"region": T2, "layer": 4, "state": "pending", "deadline_at": later},
        "p7": {"region": T2, "layer": 4, "state": "cancelled"},
        "p8": {"region": V1, "layer": 5, "state": "delivered", "sent_at": at(0),
               "delivered_at": at(0.5), "deadline_at": None},
        "p9": {"region": COUNTY, "layer": 3, "state": "sent", "sent_at": at(11), "round": 1,
               "deadline_at": later,
               "about": [{"id": 0, "name": names["p4"], "region": G1}]},
    }  # fmt: skip
    values = []
    for key, row in rows.items():
        row = dict(row)
        region = row.pop("region")
        suffix = f":r{row.get('round', 0)}:1" if row.get("round") else ""
        values.append(
            base
            | row
            | {
                "key": f"w{warning_id}:p{persons[key]}{suffix}",
                "person_id": persons[key],
                "region_id": regions[region],
            }
        )
    session.execute(insert(Instruction), values)
    ids = dict(
        session.execute(
            select(Instruction.person_id, Instruction.id).where(
                Instruction.warning_id == warning_id
            )
        ).all()
    )
    by_key = {k: ids[pid] for k, pid in persons.items()}
    deliveries = [
        ("p1", "sms", "delivered", at(0)),
        ("p1", "voice", "cancelled", None),
        ("p3", "sms", "delivered", at(0)),
        ("p5", "sms", "failed", None),
    ]
    session.execute(
        insert(Delivery),
        [
            {
                "key": f"i{by_key[k]}:{channel}:call",
                "instruction_id": by_key[k],
                "channel": channel,
                "purpose": "call",
                "state": state,
                "due_at": start,
                "attempts": 1,
                "sent_at": sent,
                "created_at": start,
            }
            for k, channel, state, sent in deliveries
        ],
    )
    session.commit()
    return Scenario(warning_id, start, persons, names, by_key)
