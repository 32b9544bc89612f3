"""The demo's rescue forces and reserves for 重庆 (1+13+42+N in miniature): a fire and rescue
station and a county team in every district and county, a few professional teams, a city
reserve depot and a store per county with stock, county reserve classes and flood reserve
standards (¥6M city; ¥3M / ¥2M / ¥1M for class-1/2/3 counties), and one batch near expiry.
Written through the resources services as the city bureau's operator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.regions.models import Region
from yingji.resources import gaps, registry, stock
from yingji.resources.models import RegionClass, RescueTeam

MATERIALS = (
    ("TENT-12", "12平方米单帐篷", "顶", "shelter", 1450.0, None),
    ("QUILT", "棉被", "床", "shelter", 180.0, None),
    ("COAT", "棉大衣", "件", "shelter", 220.0, None),
    ("BED", "折叠床", "张", "shelter", 260.0, None),
    ("LIFEJACKET", "救生衣", "件", "flood", 120.0, None),
    ("SANDBAG", "编织袋", "条", "flood", 2.0, None),
    ("PUMP", "抽水泵", "台", "flood", 3800.0, None),
    ("GENERATOR", "发电机", "台", "power", 9500.0, None),
    ("WATER", "瓶装饮用水", "箱", "food", 30.0, 365),
    ("FOOD", "方便食品", "箱", "food", 90.0, 270),
)
PROFESSIONAL = (
    ("swift_water", "水上救援队", "professional"),
    ("mine", "矿山救护队", "professional"),
    ("hazmat", "危化品救援队", "professional"),
    ("mountain", "山地救援队", "social"),
)


def _jitter(rng: np.random.Generator) -> float:
    return float(rng.uniform(-0.01, 0.01))


def load(session: Session, rng: np.random.Generator, now: dt.datetime) -> dict[str, Any]:
    user = session.scalar(select(User).where(User.username == "cq_operator"))
    if user is None:
        return {"rescue_teams": 0}
    city = actor_for(session, user)
    counties = session.scalars(
        select(Region)
        .where(Region.level == 3, Region.path.startswith("/500000/"))
        .order_by(Region.code)
    ).all()
    for code, name, unit, category, price, life in MATERIALS:
        registry.create_material(
            session,
            city,
            {
                "code": code,
                "name": name,
                "unit": unit,
                "category": category,
                "unit_price": price,
                "shelf_life_days": life,
            },
        )
    teams = stores = equipment = 0
    for i, county in enumerate(counties):
        lon, lat = county.centroid_lon, county.centroid_lat
        short = county.name
        station = registry.create_team(
            session,
            city,
            {
                "code": f"XF-{county.code}",
                "name": f"{short}消防救援站",
                "kind": "fire_station",
                "size": int(rng.integers(18, 40)),
                "skills": ["fire", "rescue"],
                "lon": lon + _jitter(rng),
                "lat": lat + _jitter(rng),
            },
        )
        county_team = registry.create_team(
            session,
            city,
            {
                "code": f"ZH-{county.code}",
                "name": f"{short}综合应急救援队",
                "kind": "county",
                "size": int(rng.integers(30, 80)),
                "skills": ["rescue", "flood"],
                "lon": lon + _jitter(rng),
                "lat": lat + _jitter(rng),
            },
        )
        teams += 2
        for team, (kind, name, low, high) in (
            (station, ("fire_engine", "水罐消防车", 2, 5)),
            (station, ("water_tender", "供水消防车", 1, 2)),
            (county_team, ("rescue_boat", "冲锋舟", 1, 4)),
            (county_team, ("pump", "移动排涝泵车", 1, 3)),
        ):
            _equipment(session, city, team, kind, name, int(rng.integers(low, high + 1)))
            equipment += 1
        skill, label, kind = PROFESSIONAL[i % len(PROFESSIONAL)]
        if i % 3 == 0:
            registry.create_team(
                session,
                city,
                {
                    "code": f"ZY-{county.code}",
                    "name": f"{short}{label}",
                    "kind": kind,
                    "size": int(rng.integers(10, 30)),
                    "skills": [skill, "rescue"],
                    "lon": lon + _jitter(rng),
                    "lat": lat + _jitter(rng),
                },
            )
            teams += 1
        store = registry.create_warehouse(
            session,
            city,
            {
                "code": f"CK-{county.code}",
                "name": f"{short}救灾物资储备库",
                "level": 3,
                "lon": lon + _jitter(rng),
                "lat": lat + _jitter(rng),
            },
        )
        stores += 1
        for code, *_ in MATERIALS:
            amount = float(rng.integers(20, 400)) * (50 if code == "SANDBAG" else 1)
            stock.receive(session, city, store.id, code, amount, batch="2026")
        session.add(RegionClass(region_id=county.id, county_class=1 + i % 3))
    depot = registry.create_warehouse(
        session,
        city,
        {
            "code": "CK-500000",
            "name": "重庆市应急物资储备库",
            "level": 2,
            "lon": 106.55,
            "lat": 29.57,
        },
    )
    for code, *_ in MATERIALS:
        stock.receive(session, city, depot.id, code, float(rng.integers(2000, 8000)), batch="2025")
    aviation = registry.create_team(
        session,
        city,
        {
            "code": "HK-500000",
            "name": "重庆市航空应急救援队",
            "kind": "national",
            "size": 40,
            "skills": ["air", "rescue", "forest_fire"],
            "lon": 106.64,
            "lat": 29.72,
        },
    )
    _equipment(session, city, aviation, "helicopter", "救援直升机", 2)
    teams, equipment = teams + 1, equipment + 1
    soon = clock.today(now) + dt.timedelta(days=25)
    stock.receive(session, city, depot.id, "WATER", 600, batch="2024-临期", expires_on=soon)
    gaps.add_standard(
        session,
        city,
        level=2,
        scope="flood",
        value_yuan=6e6,
        source="示例：市级防汛物资储备不少于600万元",
    )
    for klass, value in ((1, 3e6), (2, 2e6), (3, 1e6)):
        gaps.add_standard(
            session,
            city,
            level=3,
            scope="flood",
            county_class=klass,
            value_yuan=value,
            source="示例：一/二/三类县防汛物资储备",
        )
    gaps.add_standard(session, city, level=3, material_code="TENT-12", quantity=200)
    gaps.add_standard(session, city, level=3, material_code="QUILT", per_capita=0.002)
    return {"rescue_teams": teams, "equipment": equipment, "warehouses": stores + 1}


def _equipment(
    session: Session, city: Actor, team: RescueTeam, kind: str, name: str, quantity: int
) -> None:
    """A lot of ``quantity`` identical units kept at the team's base."""
    registry.create_equipment(
        session,
        city,
        {
            "code": f"{team.code}-{kind}",
            "name": f"{team.name}{name}",
            "type": kind,
            "quantity": quantity,
            "team_code": team.code,
        },
    )
