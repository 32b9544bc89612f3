"""Demo inspections: schedules, and a handful of finished inspections per county of all
three kinds (some unannounced) whose failed items became hazards.

Everything goes through the inspection service as the demo users, so the demo exercises the
same rules as the UI: scope, who may make which kind, hazards filed on finish.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.enterprises.models import Enterprise
from yingji.inspections import schedules, service, templates
from yingji.people.models import Assignment, Organisation
from yingji.regions.models import Region, RegionLevel
from yingji.regions.paths import under
from yingji.risk.models import RiskPoint

SCHEDULES: tuple[dict[str, Any], ...] = (
    {
        "name": "重大风险企业每月检查",
        "target_kind": "enterprise",
        "grade": "major",
        "interval_days": 30,
    },
    {
        "name": "较大风险企业每季度检查",
        "target_kind": "enterprise",
        "grade": "large",
        "interval_days": 90,
    },
    {
        "name": "一般风险企业每半年检查",
        "target_kind": "enterprise",
        "grade": "general",
        "interval_days": 182,
    },
    {
        "name": "低风险企业每年检查",
        "target_kind": "enterprise",
        "grade": "low",
        "interval_days": 365,
    },
    {
        "name": "重大风险点每周巡查",
        "target_kind": "risk_point",
        "grade": "major",
        "interval_days": 7,
    },
    {
        "name": "较大风险点每月巡查",
        "target_kind": "risk_point",
        "grade": "large",
        "interval_days": 30,
    },
    {"name": "风险点每季度检查", "target_kind": "risk_point", "interval_days": 90},
)
CHEMICAL_DIVISIONS = ("25", "26", "27", "28", "29")
"""GB/T 4754 divisions whose enterprises get the hazardous-chemicals checklist."""
MAX_PER_COUNTY = 5


def _actor(session: Session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for(session, user)


def _fill(
    session: Session, rng: np.random.Generator, actor: Actor, inspection_id: int, fails: int
) -> None:
    """Answer every item: ``fails`` random failures, a few not applicable, the rest pass."""
    codes = [item.code for _, item in service.results_of(session, inspection_id)]
    failed = set(rng.choice(codes, size=min(fails, len(codes)), replace=False).tolist())
    entries = []
    for code in codes:
        if code in failed:
            entries.append({"item_code": code, "result": "fail", "note": "现场检查发现不符合"})
        else:
            entries.append({"item_code": code, "result": "na" if rng.random() < 0.08 else "pass"})
    service.record(session, actor, inspection_id, entries)


def _inspect(
    session: Session,
    rng: np.random.Generator,
    actor: Actor,
    data: dict[str, Any],
    at: dt.datetime,
    lonlat: tuple[float | None, float | None],
) -> int:
    """One finished inspection; the number of hazards it filed."""
    lon, lat = lonlat
    if lon is not None and lat is not None:
        data = {**data, "lon": round(lon + rng.normal(0, 2e-4), 6)}
        data["lat"] = round(lat + rng.normal(0, 2e-4), 6)
    inspection = service.create(session, actor, data, now=at)
    _fill(session, rng, actor, inspection.id, int(rng.choice([0, 1, 1, 2, 3])))
    _, hazard_ids = service.finish(session, actor, inspection.id, now=at + dt.timedelta(hours=1))
    return len(hazard_ids)


def _county_places(session: Session, county: Region) -> list[tuple[str, Any]]:
    enterprises = session.scalars(
        select(Enterprise)
        .join(Organisation, Organisation.id == Enterprise.organisation_id)
        .join(Region, Region.id == Organisation.region_id)
        .where(under(Region.path, county.path))
        .order_by(Enterprise.id)
    )
    points = session.scalars(
        select(RiskPoint)
        .join(Region, Region.id == RiskPoint.region_id)
        .where(under(Region.path, county.path))
        .order_by(RiskPoint.id)
    )
    return [("enterprise", e) for e in enterprises] + [("risk_point", p) for p in points]


def load(session: Session, rng: np.random.Generator, now: dt.datetime) -> dict[str, int]:
    """Schedules for the city, then inspections in every demo county."""
    regulator, county_regulator = _actor(session, "cq_operator"), _actor(session, "wz_operator")
    grid, enterprise_user = _actor(session, "grid_user"), _actor(session, "ent_user")
    for row in SCHEDULES:
        schedules.create_schedule(session, regulator, dict(row))
    chem = templates.latest_by_code(session, "HAZCHEM-121").id
    trade = templates.latest_by_code(session, "INDTRADE-10").id
    fire = templates.latest_by_code(session, "FIRE-35181").id
    patrolled = set(
        session.scalars(
            select(Assignment.target_id).where(
                Assignment.person_id == grid.person_id, Assignment.target_kind == "risk_point"
            )
        )
    )
    township = aliased(Region)
    with_townships = select(township.parent_id).where(township.level == RegionLevel.township)
    counties = session.scalars(
        select(Region).where(Region.level == RegionLevel.county, Region.id.in_(with_townships))
    ).all()
    made = hazards = 0
    for county in sorted(counties, key=lambda r: r.code):
        places = _county_places(session, county)
        if not places:
            continue
        order = rng.permutation(len(places))[: min(MAX_PER_COUNTY, len(places) // 2 + 1)]
        for index in order.tolist():
            kind, place = places[index]
            at = now - dt.timedelta(days=int(rng.integers(1, 150)), hours=int(rng.integers(0, 8)))
            inspector = county_regulator if county_regulator.covers(county.path) else regulator
            if kind == "enterprise":
                template = chem if place.industry_code[:2] in CHEMICAL_DIVISIONS else trade
                data = {
                    "template_id": template,
                    "kind": "regulatory",
                    "enterprise_id": place.id,
                    "unannounced": bool(rng.random() < 0.5),
                }
            else:
                patrol = place.id in patrolled
                inspector = grid if patrol else inspector
                data = {
                    "template_id": fire,
                    "kind": "patrol" if patrol else "regulatory",
                    "risk_point_id": place.id,
                    "unannounced": not patrol and bool(rng.random() < 0.3),
                }
            hazards += _inspect(session, rng, inspector, data, at, (place.lon, place.lat))
            made += 1
    own = session.scalar(
        select(Enterprise).where(Enterprise.organisation_id == enterprise_user.organisation_id)
    )
    if own is not None:
        data = {"template_id": trade, "kind": "self_check", "enterprise_id": own.id}
        at = now - dt.timedelta(days=12)
        hazards += _inspect(session, rng, enterprise_user, data, at, (own.lon, own.lat))
        made += 1
    return {
        "inspection_schedules": len(SCHEDULES),
        "inspections": made,
        "inspection_hazards": hazards,
    }
