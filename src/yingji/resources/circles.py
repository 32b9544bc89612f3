"""Response circles over the actor's region: how many people and risk points the stations
reach within each threshold, and the map layer.

Demand is the townships of the subtree at their centroids, weighted by population (the
counties where no townships are loaded); risk points count at the township holding them.
Stations are the teams of the chosen kinds at their bases, whatever their current status:
coverage is about where forces are based, not who is out on a call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.regions.models import Region
from yingji.regions.paths import under
from yingji.resources import coverage, roads, siting
from yingji.resources.models import RescueTeam
from yingji.risk.models import RiskPoint

DEFAULT_THRESHOLDS = (5.0, 10.0, 30.0)
DEFAULT_KINDS = ("fire_station",)
TOWNSHIP, COUNTY = 4, 3


def _demand(session: Session, root: str) -> tuple[list[Any], int]:
    for level in (TOWNSHIP, COUNTY):
        rows = session.execute(
            select(
                Region.id, Region.path, Region.centroid_lon, Region.centroid_lat, Region.population
            )
            .where(
                Region.level == level,
                under(Region.path, root),
                Region.population > 0,
                Region.centroid_lon.is_not(None),
            )
            .order_by(Region.path)
        ).all()
        if rows:
            return list(rows), level
    return [], TOWNSHIP


def _risk_counts(session: Session, root: str, demand: list[Any]) -> np.ndarray:
    """Active risk points per demand region (by the region path they are filed under)."""
    rows = session.execute(
        select(Region.path, func.count(RiskPoint.id))
        .join(Region, Region.id == RiskPoint.region_id)
        .where(under(Region.path, root), RiskPoint.status != "removed")
        .group_by(Region.path)
    ).all()
    index = {path: i for i, (_, path, *_rest) in enumerate(demand)}
    counts = np.zeros(len(demand))
    for path, n in rows:
        for prefix, i in index.items():
            if path.startswith(prefix):
                counts[i] += n
                break
    return counts


def _stations(session: Session, actor: Actor, kinds: Sequence[str]) -> list[RescueTeam]:
    stmt = actor.by_path(
        select(RescueTeam).where(RescueTeam.kind.in_(kinds)), RescueTeam.region_path
    )
    return list(session.scalars(stmt.order_by(RescueTeam.code)))


def report(
    session: Session,
    actor: Actor,
    *,
    mode: str = "road",
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    kinds: Sequence[str] = DEFAULT_KINDS,
) -> dict[str, Any]:
    """Summary rows per threshold, the banded map layer, and the stations used."""
    root = actor.region_path
    demand, level = _demand(session, root)
    stmt = actor.by_path(
        select(RescueTeam).where(RescueTeam.kind.in_(kinds)), RescueTeam.region_path
    )
    stations = list(session.scalars(stmt.order_by(RescueTeam.code)))
    lonlat = np.array([(d[2], d[3]) for d in demand], dtype=float).reshape(-1, 2)
    people = np.array([d[4] for d in demand], dtype=float)
    if stations and len(demand):
        bases = np.array([(t.lon, t.lat) for t in stations], dtype=float)
        minutes = roads.minutes(bases, lonlat, mode).min(axis=0)
    else:
        minutes = np.full(len(demand), np.inf)
    return {
        "mode": mode,
        "demand_level": level,
        "summary": coverage.summary(
            minutes, people, thresholds, risk=_risk_counts(session, root, demand)
        ),
        "layer": coverage.coverage_geojson(lonlat, minutes, thresholds, population=people),
        "stations": [
            {"id": t.id, "code": t.code, "name": t.name, "lon": t.lon, "lat": t.lat}
            for t in stations
        ],
    }


def suggest_sites(
    session: Session,
    actor: Actor,
    *,
    threshold_minutes: float = 10.0,
    p: int = 3,
    mode: str = "road",
    kinds: Sequence[str] = DEFAULT_KINDS,
) -> dict[str, Any]:
    """New station sites (MCLP) among the townships' centres that add the most people
    within ``threshold_minutes`` of the existing stations, each with the people it adds."""
    demand, _level = _demand(session, actor.region_path)
    if not demand:
        return {"sites": [], "covered_before": 0, "covered_after": 0, "total": 0}
    stations = _stations(session, actor, kinds)
    sites = np.array([(d[2], d[3]) for d in demand], dtype=float)
    bases = np.array([(t.lon, t.lat) for t in stations], dtype=float).reshape(-1, 2)
    people = np.array([d[4] for d in demand], dtype=float)
    cost = roads.minutes(np.vstack([bases, sites]), sites, mode)
    existing = np.arange(len(bases))
    result = siting.mclp(cost, people, threshold_minutes, min(p, len(sites)), existing)
    out = result.as_dict()
    paths = session.execute(
        select(Region.id, Region.code, Region.name).where(Region.id.in_([d[0] for d in demand]))
    ).all()
    names = {rid: (code, name) for rid, code, name in paths}
    for site in out["sites"]:
        d = demand[site["candidate"] - len(bases)]
        code, name = names[d[0]]
        site.update({"region_code": code, "name": name, "lon": d[2], "lat": d[3]})
    return out
