"""The demo's incident in progress: a flash flood in a 万州 township three hours before load,
taken in at the duty desk, reported to the county and the city, a Ⅳ-level response declared
under 重庆's one-page flood flow (its tasks created, some done), a rescue team sent and on
site, and quick reports from a grid, one verified. Written through the real services, so
the incident page, the duty desk, the one map and the review open on a worked example.
(The earthquake drill opens its own incident through the quake reaction.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.service import actor_for
from yingji.incidents import flows, quick, service, tasks
from yingji.regions.models import Region
from yingji.resources import dispatch
from yingji.resources.models import RescueTeam

FLOOD_FLOW = {
    "code": "CQ-FLOOD-1P",
    "name": "重庆市防汛抢险一页纸应急响应流程（演示）",
    "type_codes": ["flood", "rainstorm", "geological"],
    "steps": [
        {"min_level": 4, "role": "duty_leader", "minutes": 30,
         "action": "带班领导到岗，30 分钟内组织会商研判，每 2 小时报送一次汛情"},
        {"min_level": 4, "role": "admin", "minutes": 60,
         "action": "乡镇（街道）主要负责人赶赴现场，组织危险区域群众转移"},
        {"min_level": 4, "role": "grid_member", "minutes": 60,
         "action": "网格员逐户排查危险区域，发现险情立即转移群众并速报灾情"},
        {"min_level": 3, "role": "admin", "minutes": 60,
         "action": "区县防指启动Ⅲ级响应，派出工作组赴一线指导抢险"},
        {"min_level": 2, "role": "admin", "minutes": 120,
         "action": "市防指派出工作组，调派市级抢险救援队伍和物资"},
        {"min_level": 1, "role": "admin", "minutes": 60,
         "action": "市主要领导坐镇指挥，统筹调度全市抢险救灾力量"},
    ],
}  # fmt: skip


def _actor(session: Session, username: str):
    user = session.scalar(select(User).where(User.username == username))
    return actor_for(session, user) if user is not None else None


def load(session: Session, rng: np.random.Generator, now: dt.datetime) -> dict[str, Any]:
    city, township, grid = (
        _actor(session, u) for u in ("cq_operator", "twp_operator", "grid_user")
    )
    if city is None or township is None or grid is None:
        return {"incidents": 0}
    flows.create(session, city, FLOOD_FLOW)
    home = session.get(Region, township.region_id)
    assert home is not None and home.centroid_lon is not None and home.centroid_lat is not None
    t0 = now - dt.timedelta(hours=3)
    incident = service.create(
        session,
        city,
        {
            "title": f"{home.name}山洪灾害",
            "type_code": "flood",
            "lon": home.centroid_lon,
            "lat": home.centroid_lat,
            "place": f"万州区{home.name}",
            "occurred_at": t0.isoformat(),
            "dead": 1,
            "missing": 2,
            "injured": 4,
            "trapped": 3,
            "affected": 1200,
            "damage": "河道漫溢，沿河房屋进水，一处便桥冲毁",
        },
        now=t0 + dt.timedelta(minutes=10),
    )
    report = dict(kind="first", to_level=3, text="首报：突发山洪，1 死 2 失踪")
    service.add_report(session, city, incident.id, **report, now=t0 + dt.timedelta(minutes=40))
    service.add_report(
        session, city, incident.id, kind="upward", to_level=2, now=t0 + dt.timedelta(minutes=90)
    )
    done = service.declare_level(
        session, city, incident.id, 4, reason="山洪造成人员伤亡", now=t0 + dt.timedelta(minutes=50)
    )
    for task_id in done["tasks"]["created"][:1]:
        tasks.update_task(
            session, city, task_id, {"status": "done", "text": "已组织会商，部署转移"},
            now=t0 + dt.timedelta(minutes=75),
        )  # fmt: skip
    service.update(
        session, city, incident.id, {"injured": 6, "trapped": 1}, now=now - dt.timedelta(minutes=40)
    )
    team = session.scalar(select(RescueTeam).where(RescueTeam.code.like("ZH-%")).limit(1))
    if team is not None:
        order = dispatch.send_team(
            session, city, team.id, lon=incident.lon, lat=incident.lat,
            title=incident.title, incident_id=incident.id,
        )  # fmt: skip
        for state in ("acknowledged", "en_route", "arrived"):
            dispatch.advance(session, city, order.id, state)
    sent = quick.submit(
        session, grid, {"incident_id": incident.id, "injured": 2, "trapped": 1, "evacuated": 35,
                        "houses_damaged": 6, "text": "沿河 6 户进水，已转移 35 人"},
        now=now - dt.timedelta(minutes=70),
    )  # fmt: skip
    quick.verify(session, township, sent.id, now=now - dt.timedelta(minutes=55))
    quick.submit(
        session, grid, {"incident_id": incident.id, "injured": 3, "trapped": 1, "evacuated": 48,
                        "houses_damaged": 9, "text": "又发现 1 名伤员，转移人数增至 48 人"},
        now=now - dt.timedelta(minutes=15),
    )  # fmt: skip
    return {"incidents": 1, "response_flows": 1}
