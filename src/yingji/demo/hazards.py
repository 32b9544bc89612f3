"""Demo hazards in every state of the lifecycle, found over the past months.

Each hazard is reported and moved through the real service as the demo users would do it
(the city operator grades and assigns, the enterprise or operator rectifies, the
administrator verifies), with the clock set back, so timelines, deadlines, overdue marks and
audit entries are exactly what daily use would leave behind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.service import actor_for
from yingji.enterprises.models import Enterprise
from yingji.hazards import service
from yingji.hazards.models import HazardState
from yingji.people.models import Assignment, Role
from yingji.risk.models import TARGET_KIND as RISK_POINT_KIND
from yingji.risk.models import RiskPoint

GENERAL = (
    "消防通道堆放杂物",
    "安全出口指示标志损坏",
    "配电箱未可靠接地",
    "灭火器超期未检验",
    "作业人员未佩戴劳动防护用品",
    "危险化学品仓库未张贴安全周知卡",
    "有限空间入口未设置警示标识",
    "叉车未按期检验",
    "应急照明灯不亮",
    "车间电缆私拉乱接",
)
MAJOR = (
    ("可燃气体泄漏场所未设置检测报警装置", "安监总管三〔2017〕121号 第12项"),
    ("储罐安全阀未正常投用", "安监总管三〔2017〕121号 第15项"),
    ("危险化学品超量储存、禁配物质混存", "安监总管三〔2017〕121号 第20项"),
    ("特种作业人员未持证上岗", "安监总管三〔2017〕121号 第2项"),
)
RISK_POINT = ("监测设施损坏", "警示牌缺失", "排水沟堵塞", "巡查记录不全")

PATHS: dict[HazardState, tuple[str, ...]] = {
    HazardState.reported: (),
    HazardState.dismissed: ("dismiss",),
    HazardState.confirmed: ("confirm",),
    HazardState.assigned: ("confirm", "assign"),
    HazardState.rectifying: ("confirm", "assign", "start", "progress"),
    HazardState.suspended: ("confirm", "assign", "start", "suspend"),
    HazardState.submitted: ("confirm", "assign", "start", "submit"),
    HazardState.verified: ("confirm", "assign", "start", "submit", "verify"),
    HazardState.closed: ("confirm", "assign", "start", "submit", "verify", "close"),
}
"""The steps that bring a new hazard to each state."""
ORDER = (
    HazardState.closed,
    HazardState.rectifying,
    HazardState.assigned,
    HazardState.closed,
    HazardState.reported,
    HazardState.submitted,
    HazardState.confirmed,
    HazardState.suspended,
    HazardState.verified,
    HazardState.closed,
    HazardState.dismissed,
    HazardState.rectifying,
)
"""Target states in turn: every state appears, closed and rectifying most often."""
COMMENTS = {
    "dismiss": "经核查不构成隐患",
    "suspend": "重大隐患未消除前停产整改",
    "progress": "已完成整改方案，正在施工",
    "submit": "整改完成，申请验收",
    "verify": "现场复核合格",
}


def _actors(session: Session) -> dict[str, Any]:
    users = {u.username: u for u in session.scalars(select(User))}
    return {name: actor_for(session, users[name]) for name in ("cq_operator", "admin", "ent_user")}


def _walk(
    session: Session,
    actors: dict[str, Any],
    hazard_id: int,
    steps: tuple[str, ...],
    major: tuple[str, str] | None,
    owner: int | None,
    at: dt.datetime,
    rng: np.random.Generator,
) -> None:
    regulator, verifier = actors["cq_operator"], actors["admin"]
    for step in steps:
        at += dt.timedelta(days=int(rng.integers(1, 6)), hours=int(rng.integers(0, 8)))
        data: dict[str, Any] = {"comment": COMMENTS.get(step)}
        if step == "confirm":
            data.update(grade="major" if major else "general", criterion=major and major[1])
        if step == "assign":
            data["owner_person_id"] = owner
            if major:
                data.update(
                    measures="制定专项整改方案，落实停用、更换与复核措施",
                    funds_wan=float(rng.integers(5, 80)),
                    contingency_plan="整改期间专项应急预案",
                    deadline=service.default_deadline("major", at).isoformat(),
                )
        actor = verifier if step == "verify" else regulator
        service.act(session, actor, hazard_id, step, data, now=at)


def load(session: Session, rng: np.random.Generator, now: dt.datetime) -> dict[str, int]:
    """Three hazards per enterprise and one per third risk point, states in turn."""
    actors = _actors(session)
    places: list[tuple[dict[str, Any], int | None, bool]] = [
        ({"enterprise_id": e.id}, e.safety_manager_id or e.principal_id, True)
        for e in session.scalars(select(Enterprise).order_by(Enterprise.id))
        for _ in range(3)
    ]
    points = session.scalars(select(RiskPoint.id).order_by(RiskPoint.id)).all()[::3]
    admins = dict(
        session.execute(
            select(Assignment.target_id, Assignment.person_id).where(
                Assignment.target_kind == RISK_POINT_KIND, Assignment.role == Role.admin
            )
        ).all()
    )
    places += [({"risk_point_id": p}, admins.get(p), False) for p in points]
    for k, (where, owner, is_enterprise) in enumerate(places):
        target = ORDER[k % len(ORDER)] if owner else HazardState.reported
        major = MAJOR[k % len(MAJOR)] if is_enterprise and k % 5 == 1 else None
        title = (
            major[0]
            if major
            else (GENERAL[k % len(GENERAL)] if is_enterprise else RISK_POINT[k % len(RISK_POINT)])
        )
        found = now - dt.timedelta(days=int(rng.integers(20, 150)), hours=int(rng.integers(0, 10)))
        source = "inspection" if k % 3 else "patrol"
        hazard = service.report(
            session, actors["cq_operator"], {"title": title, "source": source, **where}, now=found
        )
        _walk(session, actors, hazard.id, PATHS[target], major, owner, found, rng)
    return {"hazards": len(places)}
