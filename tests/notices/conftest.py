"""Hazards at a chosen point of their lifecycle, demo actors, and a clock to travel with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from set_aside import set_aside_demo_incidents
from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.db import session_factory, utcnow
from yingji.enterprises.models import Enterprise
from yingji.hazards import service as hazards
from yingji.jobs.models import Timer
from yingji.notices.models import Notice, NoticeRecipient

TZ = ZoneInfo("Asia/Shanghai")
MAJOR_CRITERION = "安监总管三〔2017〕121号 第十项"


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    """Local ``hour`` o'clock on ``day``, as UTC: where the tests travel to."""
    return dt.datetime.combine(day, dt.time(hour), TZ).astimezone(dt.UTC)


def today() -> dt.date:
    return utcnow().astimezone(TZ).date()


def actor(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return actor_for(session, user)


@dataclass
class World:
    engine: Engine
    enterprise_id: int
    principal_id: int
    department_id: int
    owner_person_id: int

    at = staticmethod(at)
    today = staticmethod(today)

    def session(self) -> Session:
        return session_factory(self.engine)()

    def hazard(self, grade: str = "general", deadline: dt.date | None = None) -> int:
        """A hazard at ent_user's enterprise, reported, confirmed and (with a deadline)
        assigned to ent_user's person; returns its id."""
        with session_factory(self.engine).begin() as s:
            regulator = actor(s, "cq_operator")
            s.info["actor"] = regulator
            hazard = hazards.report(
                s,
                regulator,
                {"title": "储罐区可燃气体报警器失效", "enterprise_id": self.enterprise_id},
            )
            confirm: dict[str, Any] = {"grade": grade}
            if grade == "major":
                confirm["criterion"] = MAJOR_CRITERION
            hazards.act(s, regulator, hazard.id, "confirm", confirm)
            if deadline is not None:
                hazards.act(s, regulator, hazard.id, "assign", self.five(deadline))
            return hazard.id

    def five(self, deadline: dt.date) -> dict[str, Any]:
        return {
            "owner_person_id": self.owner_person_id,
            "deadline": deadline.isoformat(),
            "measures": "更换报警器探头",
            "funds_wan": 2.0,
            "contingency_plan": "储罐泄漏专项应急预案",
        }

    def step(self, username: str, hazard_id: int, action: str, **data: Any) -> None:
        with session_factory(self.engine).begin() as s:
            who = actor(s, username)
            s.info["actor"] = who
            hazards.act(s, who, hazard_id, action, data)

    def notices(self, hazard_id: int) -> list[tuple[str, set[int]]]:
        """(kind, recipient person ids) of the hazard's notices, oldest first."""
        with self.session() as s:
            found = s.scalars(
                select(Notice)
                .where(Notice.subject_kind == "hazard", Notice.subject_id == hazard_id)
                .order_by(Notice.id)
            ).all()
            return [
                (
                    n.kind,
                    set(
                        s.scalars(
                            select(NoticeRecipient.person_id).where(
                                NoticeRecipient.notice_id == n.id
                            )
                        )
                    ),
                )
                for n in found
            ]


@pytest.fixture
def world(engine: Engine) -> World:
    """The ids the tests need. Timers the demo's own hazards scheduled are set aside, so the
    counts of ``run_due`` are about the test's hazards only, and so is the demo's incident
    (its task notices would sit in the township's inbox)."""
    set_aside_demo_incidents(engine)
    with engine.begin() as conn:
        conn.execute(update(Timer).values(state="cancelled"))
    with session_factory(engine)() as s:
        ent = s.scalar(select(User).where(User.username == "ent_user"))
        assert ent is not None and ent.person_id is not None
        enterprise = s.scalar(
            select(Enterprise).where(Enterprise.organisation_id == ent.organisation_id)
        )
        assert enterprise is not None
        assert enterprise.principal_id is not None
        assert enterprise.supervising_department_id is not None
        return World(
            engine,
            enterprise.id,
            enterprise.principal_id,
            enterprise.supervising_department_id,
            ent.person_id,
        )
