"""Demo risk points: a few per township, inside its boundary, with 点线面 responsible
persons (the township head as administrative, a grid member as monitoring person)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.scope import system_actor
from yingji.demo import bulk
from yingji.demo.cast import Staff
from yingji.demo.places import Level
from yingji.people.models import Assignment, Role
from yingji.risk.models import TARGET_KIND, RiskPoint
from yingji.risk.service import apply_upsert, plan_upsert

KINDS: tuple[tuple[str, str], ...] = (
    ("landslide", "滑坡"),
    ("debris_flow", "泥石流"),
    ("flash_flood_zone", "山洪危险区"),
    ("reservoir", "水库"),
    ("waterlogging_point", "易涝点"),
    ("rural_self_built", "农村自建房"),
    ("crowded_place", "人员密集场所"),
    ("school", "学校"),
)
LEVELS = ("major", "large", "general", "low")
LEVEL_WEIGHTS = (0.05, 0.15, 0.45, 0.35)


def _inside(rng: np.random.Generator, geom: Any, n: int) -> list[tuple[float, float]]:
    """``n`` random points inside ``geom`` (rejection sampling on its bounding box)."""
    x0, y0, x1, y1 = geom.bounds
    out: list[tuple[float, float]] = []
    while len(out) < n:
        xs, ys = rng.uniform(x0, x1, 8 * n), rng.uniform(y0, y1, 8 * n)
        keep = shapely.contains_xy(geom, xs, ys)
        out.extend(zip(xs[keep].tolist(), ys[keep].tolist(), strict=True))
    return [(round(x, 6), round(y, 6)) for x, y in out[:n]]


def load_risk_points(
    session: Session,
    rng: np.random.Generator,
    towns: Level,
    grids_first_member: np.ndarray,
    staff: Staff,
    per_town: int,
    valid_from: dt.date,
) -> tuple[int, int]:
    """Write the demo's risk points and their assignments; (points, assignments)."""
    rows, town_of = [], []
    for t in range(len(towns)):
        for k, (lon, lat) in enumerate(_inside(rng, towns.geoms[t], per_town)):
            code, label = KINDS[int(rng.integers(0, len(KINDS)))]
            rows.append(
                {
                    "code": f"RP-{towns.codes[t]}-{k + 1:02d}",
                    "name": f"{towns.names[t]}{label}{k + 1}号",
                    "category": code,
                    "level": LEVELS[int(rng.choice(len(LEVELS), p=LEVEL_WEIGHTS))],
                    "lon": lon,
                    "lat": lat,
                    "threatened_people": int(rng.integers(5, 800)),
                    "threatened_property_wan": float(rng.integers(10, 5000)),
                }
            )
            town_of.append(t)
    plan, errors = plan_upsert(session, system_actor("demo"), enumerate(rows, start=1))
    if errors:
        raise RuntimeError(f"demo risk points invalid: {errors[:3]}")
    apply_upsert(session, plan)
    ids = dict(
        session.execute(
            select(RiskPoint.code, RiskPoint.id).where(
                RiskPoint.code.in_([r["code"] for r in rows])
            )
        ).all()
    )
    region = dict(
        session.execute(
            select(RiskPoint.id, RiskPoint.region_id).where(RiskPoint.id.in_(list(ids.values())))
        ).all()
    )
    first = bulk.next_id(session, Assignment.__table__)
    assignments = []
    for row, t in zip(rows, town_of, strict=True):
        rid = ids[row["code"]]
        for role, person in (
            (Role.admin, staff.township_heads[t]),
            (Role.monitoring, grids_first_member[t]),
        ):
            assignments.append(
                {
                    "id": first + len(assignments),
                    "person_id": int(person),
                    "role": role.value,
                    "target_kind": TARGET_KIND,
                    "target_id": rid,
                    "region_id": region[rid],
                    "valid_from": valid_from,
                    "valid_to": None,
                    "note": "点线面",
                }
            )
    bulk.insert_rows(session, Assignment.__table__, assignments, **bulk.STAMPS)
    return len(rows), len(assignments)
