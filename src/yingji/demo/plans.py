"""The demo response plan: Chongqing's staged, graded, layered plan for rainstorm and
geological-hazard warnings (分段分级分层分类递进式预警响应).

Each step calls deeper and harder as the warning grows: a blue outlook tells the county
leaders in the inbox; a yellow forecast calls township heads and 包保 by SMS; an orange
nowcast calls village heads, monitors and grid members by SMS and voice; a red imminent
warning calls grid members and the risk points' monitors on every channel with a 5-minute
deadline. 文峰镇 (a mining township) has its own rule (一乡镇一方案) and the chemical
works their own measures (一行业一措施). Written through the plans service as cq_operator.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.service import actor_for
from yingji.warnings.plans import service

CODE = "YJP-CQ-RAIN-GEO"
NAME = "重庆市暴雨及地质灾害分段分级响应方案"
CITY = "500000"
MINING_TOWNSHIP = "500101003"
"""文峰镇 in the tiny demo: the township with the mining enterprise."""
ESCALATION = {"roles": ["admin", "duty_leader"], "redials": 3, "redial_minutes": 5, "max_rounds": 2}


def _steps(category: str) -> list[dict[str, Any]]:
    return [
        {
            "category": category,
            "level": 4,
            "stage": "outlook",
            "layer": "county",
            "roles": ["admin", "duty_leader"],
            "channels": ["inbox"],
            "measures": "【{category}{level}预警·{stage}】{headline}。请{region}关注天气变化，"
            "做好应急值守和防范准备。",
        },
        {
            "category": category,
            "level": 3,
            "stage": "forecast",
            "layer": "township",
            "roles": ["admin", "baobao"],
            "channels": ["sms", "inbox"],
            "measures": "【{category}{level}预警】{headline}。请{region}组织巡查隐患点，"
            "做好人员转移准备，于{deadline}前回复{code}确认。",
        },
        {
            "category": category,
            "level": 2,
            "stage": "nowcast",
            "layer": "village",
            "roles": ["admin", "baobao", "monitoring"],
            "channels": ["sms", "voice"],
            "measures": "【{category}{level}预警·临近】请{region}立即加密巡查，"
            "提前转移危险区群众，于{deadline}前回复{code}确认。",
        },
        {
            "category": category,
            "level": 2,
            "stage": "nowcast",
            "layer": "grid",
            "roles": ["grid_member"],
            "channels": ["sms", "voice"],
            "measures": "【{category}{level}预警·临近】请{region}网格员逐户通知，"
            "于{deadline}前回复{code}确认。",
        },
        {
            "category": category,
            "level": 1,
            "stage": "imminent",
            "layer": "grid",
            "roles": ["grid_member"],
            "risk_point_roles": ["monitoring", "admin"],
            "channels": ["sms", "voice", "terminal"],
            "deadline_minutes": 5,
            "escalation": ESCALATION,
            "measures": "【{category}红色临灾预警】立即组织{region}危险区人员撤离，"
            "5分钟内回复{code}确认（{deadline}前）。",
        },
    ]


RULES: list[dict[str, Any]] = [
    *_steps("rainstorm"),
    *_steps("geological"),
    {
        "category": "geological",
        "level": 3,
        "stage": "forecast",
        "layer": "village",
        "township": MINING_TOWNSHIP,
        "roles": ["admin", "monitoring"],
        "sectors": ["B"],
        "channels": ["sms", "voice"],
        "measures": "【文峰镇专项】{region}：停止矿山井下和露天作业，撤离采空区、"
        "尾矿库下游人员，于{deadline}前回复{code}确认。",
    },
    {
        "category": "rainstorm",
        "level": 2,
        "stage": "nowcast",
        "layer": "county",
        "sectors": ["26"],
        "channels": ["sms", "voice"],
        "measures": "【危化企业】暂停装卸作业，检查储罐区围堰和排水，防止雨水倒灌，"
        "于{deadline}前回复{code}确认。",
    },
]


def load(session: Session, rng: np.random.Generator, now: dt.datetime) -> dict[str, int]:
    """Write and activate the plan as cq_operator; returns how many plans exist."""
    user = session.scalar(select(User).where(User.username == "cq_operator"))
    assert user is not None, "demo users must be loaded first"
    actor = actor_for(session, user)
    plan = service.create(
        session,
        actor,
        name=NAME,
        region_code=CITY,
        rules=RULES,
        code=CODE,
        comment="演示方案 / demo plan",
    )
    service.activate(session, actor, plan.id)
    return {"plans": 1}
