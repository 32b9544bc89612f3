"""Building blocks of the call-response tests: a warning with no other work pending, the
demo's grid → village → township chain, and instructions written straight into the table
(the plan-driven call-out is tested on its own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from yingji import jobs
from yingji.auth.scope import system_actor
from yingji.db import session_factory, utcnow
from yingji.notify import outbox
from yingji.notify.models import Delivery
from yingji.people.models import Assignment, Person
from yingji.people.service import active_on
from yingji.regions.models import Region
from yingji.warnings import service as warnings
from yingji.warnings.instruction_models import Instruction

T0 = utcnow().replace(microsecond=0) + dt.timedelta(hours=1)
"""The first deadline: an hour ahead, so nothing is due by the wall clock meanwhile."""
CODE = "123456"


def policy(**changes: Any) -> dict[str, Any]:
    base = {
        "channels": ["sms", "voice", "inbox"],
        "deadline_minutes": 5,
        "redials": 0,
        "redial_minutes": 5,
        "escalation_roles": ["admin", "duty_leader"],
        "max_rounds": 2,
    }
    return base | changes


def quiet(engine: Engine) -> None:
    """Set aside the demo's timers, so run_due runs only what a test schedules."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE job_timer SET state = 'cancelled' WHERE state = 'pending'"))


def new_warning(session: Session, region_code: str) -> int:
    """A red warning over a region, its own call-out timer withdrawn (tests write calls)."""
    warning = warnings.create(
        session,
        system_actor(),
        {
            "category": "rainstorm",
            "level": 1,
            "stage": "imminent",
            "key_period": False,
            "area_desc": "测试区域",
            "area": {"region_codes": [region_code]},
            "valid_until": dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
            "authority": "重庆市气象台",
            "headline": "暴雨红色预警",
            "description": None,
            "instruction": None,
        },
    )
    jobs.cancel(session, ("warning", warning.id))
    session.flush()
    return warning.id


def call(
    session: Session,
    warning_id: int,
    person_id: int,
    region_id: int,
    *,
    deadline: dt.datetime = T0,
    code: str = CODE,
    pol: dict[str, Any] | None = None,
    deliveries: bool = True,
) -> int:
    """A round-0 instruction as the call-out writes it, with its pending deliveries."""
    pol = pol or policy()
    new_id = session.execute(
        insert(Instruction.__table__)
        .values(
            key=f"w{warning_id}:p{person_id}",
            warning_id=warning_id,
            person_id=person_id,
            region_id=region_id,
            round=0,
            reasons=[{"kind": "region_role", "role": "grid_member", "target": "x", "region": "x"}],
            layer=6,
            measures="立即巡查网格内地灾隐患点",
            policy=pol,
            state="sent",
            confirm_code=code,
            deadline_at=deadline,
            next_action_at=deadline,
            redials=0,
            created_at=deadline - dt.timedelta(minutes=5),
            updated_at=deadline - dt.timedelta(minutes=5),
        )
        .returning(Instruction.id)
    ).scalar_one()
    if deliveries:
        outbox.enqueue(
            session,
            [(new_id, ch) for ch in pol["channels"]],
            "call",
            deadline - dt.timedelta(minutes=5),
        )
    return new_id


@dataclass
class Chain:
    """A village with at least two grids staffed by grid members, and who is above it."""

    township: int
    village: int
    grids: list[int]
    grid_members: list[int]
    village_admins: list[int]
    township_admins: list[int]
    township_code: str


def _holders(session: Session, region_id: int, roles: tuple[str, ...]) -> list[int]:
    return list(
        session.scalars(
            select(Assignment.person_id)
            .where(
                Assignment.target_kind == "region",
                Assignment.target_id == region_id,
                Assignment.role.in_(roles),
                active_on(utcnow().date()),
            )
            .order_by(Assignment.person_id)
            .distinct()
        )
    )


def chain(session: Session) -> Chain:
    grids = (
        select(Region.parent_id, func.count())
        .where(Region.level == 6)
        .group_by(Region.parent_id)
        .having(func.count() >= 2)
        .order_by(Region.parent_id)
    )
    for village, _n in session.execute(grids):
        grid_ids = list(
            session.scalars(
                select(Region.id).where(Region.parent_id == village).order_by(Region.id).limit(2)
            )
        )
        members = [_holders(session, g, ("grid_member",)) for g in grid_ids]
        admins = _holders(session, village, ("admin", "duty_leader"))
        township = session.scalar(select(Region.parent_id).where(Region.id == village))
        assert township is not None
        above = _holders(session, township, ("admin", "duty_leader"))
        if all(len(m) == 1 for m in members) and admins and above:
            code = session.scalar(select(Region.code).where(Region.id == township))
            assert code is not None
            return Chain(township, village, grid_ids, [m[0] for m in members], admins, above, code)
    raise AssertionError("the tiny demo has no staffed grid → village → township chain")


def deliveries(engine: Engine, **where: Any) -> list[Any]:
    """Delivery rows (instruction_id, channel, purpose, state, key) matching ``where``."""
    stmt = select(
        Delivery.instruction_id, Delivery.channel, Delivery.purpose, Delivery.state, Delivery.key
    ).order_by(Delivery.id)
    for name, value in where.items():
        column = getattr(Delivery, name)
        stmt = stmt.where(
            column.in_(value) if isinstance(value, list | tuple | set) else column == value
        )
    with engine.connect() as conn:
        return conn.execute(stmt).all()


def instructions(engine: Engine, warning_id: int) -> list[Instruction]:
    with session_factory(engine)() as s:
        return list(
            s.scalars(
                select(Instruction)
                .where(Instruction.warning_id == warning_id)
                .order_by(Instruction.id)
            )
        )


def mobile_of(session: Session, person_id: int) -> str:
    mobile = session.scalar(select(Person.mobile).where(Person.id == person_id))
    assert mobile is not None
    return mobile
