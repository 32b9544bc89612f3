"""Targeting a warning that reaches 100,000 of 1,000,000 persons, and writing its
instructions (goal: < 10 s on SQLite and PostgreSQL).

Then the whole response step on a second warning over the same counties:
:func:`yingji.warnings.respond.issue` (plan matching with the built-in default rules,
targeting, merged policies and measures, instructions with codes and deadlines, one
delivery per channel, the deadline timer) with the commit.

Loads the ``large`` demo (about a million persons with assignments at every layer) into a
throw-away database, picks whole counties until their default-role persons reach
``REACH`` (default 100,000), issues one warning naming them, then times
:func:`yingji.warnings.targeting.target` and
:func:`yingji.warnings.instructions.write_instructions` with the commit.

Environment: ``SCALE`` (demo scale, default ``large``), ``REACH``; ``BACKENDS=sqlite`` or
``postgresql`` runs one only; PostgreSQL runs when ``YINGJI_BENCH_PG_URL`` or the local
test server answers.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from sqlalchemy import Engine, func, select, update

from bench._pg import throwaway_engines
from yingji.auth.scope import system_actor
from yingji.db import session_factory
from yingji.demo.generate import load_demo
from yingji.notify.models import Delivery
from yingji.people.models import Assignment, TargetKind
from yingji.regions.china import load_china
from yingji.regions.models import Region, RegionLevel
from yingji.warnings import respond, service
from yingji.warnings.instructions import write_instructions
from yingji.warnings.plans.models import ResponsePlan
from yingji.warnings.targeting import DEFAULT_ROLES, target

GOAL_S = 10.0


def _counties_reaching(engine: Engine, reach: int) -> list[str]:
    """Demo county codes, in order, until their region-role assignments reach ``reach``."""
    with session_factory(engine)() as session:
        counties = session.execute(
            select(Region.code, Region.path)
            .where(Region.level == RegionLevel.county, Region.path.startswith("/500000/"))
            .order_by(Region.code)
        ).all()
        chosen, total = [], 0
        for code, path in counties:
            n = session.scalar(
                select(func.count(func.distinct(Assignment.person_id)))
                .join(Region, Region.id == Assignment.target_id)
                .where(
                    Assignment.target_kind == TargetKind.region,
                    Assignment.role.in_(DEFAULT_ROLES),
                    Region.path.startswith(path),
                )
            )
            if not n:
                continue
            chosen.append(code)
            total += n
            if total >= reach:
                break
        return chosen


def _warning_body(codes: list[str]) -> dict[str, Any]:
    return {
        "category": "rainstorm",
        "level": 1,
        "stage": "imminent",
        "key_period": False,
        "area_desc": "重庆市部分区县",
        "area": {"region_codes": codes},
        "valid_until": dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
        "authority": "重庆市气象台",
        "headline": "重庆市暴雨红色预警",
        "description": None,
        "instruction": None,
    }


def _measure_issue(engine: Engine, codes: list[str], tag: str) -> dict[str, Any]:
    """``respond.issue`` end to end, with the demo plan retired so the default rules reach
    the same persons as the targeting measurement."""
    with session_factory(engine)() as session:
        session.execute(update(ResponsePlan).values(status="retired"))
        warning = service.create(session, system_actor(), _warning_body(codes))
        session.commit()
        t0 = time.perf_counter()
        written = respond.issue(session, warning)
        session.commit()
        t1 = time.perf_counter()
        deliveries = session.scalar(select(func.count()).select_from(Delivery))
    return {
        f"{tag}_issue_instructions": written,
        f"{tag}_issue_deliveries": deliveries,
        f"{tag}_issue_s": round(t1 - t0, 2),
        f"{tag}_issue_within_goal": t1 - t0 < GOAL_S,
    }


def _measure(engine: Engine, scale: str, reach: int, tag: str) -> dict[str, Any]:
    started = time.perf_counter()
    with session_factory(engine).begin() as session:
        load_china(session)
        loaded = load_demo(session, scale=scale)
    out: dict[str, Any] = {
        f"{tag}_load_s": round(time.perf_counter() - started, 1),
        f"{tag}_persons": loaded["persons"],
        f"{tag}_assignments": loaded["assignments"],
    }
    codes = _counties_reaching(engine, reach)
    with session_factory(engine)() as session:
        warning = service.create(session, system_actor(), _warning_body(codes))
        session.commit()
        t0 = time.perf_counter()
        targets = target(session, warning)
        t1 = time.perf_counter()
        written = write_instructions(session, warning, targets)
        session.commit()
        t2 = time.perf_counter()
        again = write_instructions(session, warning, target(session, warning))
        t3 = time.perf_counter()
        session.commit()
    total = t2 - t0
    return (
        out
        | {
            f"{tag}_counties": len(codes),
            f"{tag}_targets": len(targets),
            f"{tag}_reasons": sum(len(t.reasons) for t in targets),
            f"{tag}_instructions": written,
            f"{tag}_target_s": round(t1 - t0, 2),
            f"{tag}_write_s": round(t2 - t1, 2),
            f"{tag}_total_s": round(total, 2),
            f"{tag}_rerun_written": again,
            f"{tag}_rerun_s": round(t3 - t2, 2),
            f"{tag}_within_goal": total < GOAL_S,
        }
        | _measure_issue(engine, codes, tag)
    )


def run() -> dict[str, Any]:
    scale = os.environ.get("SCALE", "large")
    reach = int(os.environ.get("REACH", 100_000))
    out: dict[str, Any] = {"scale": scale, "reach_goal": reach, "goal_s": GOAL_S}
    for tag, engine in throwaway_engines("yingji_bench"):
        out |= _measure(engine, scale, reach, tag)
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False))
