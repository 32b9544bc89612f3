"""Escalation latency: 100,000 unanswered instructions sharing one deadline, all redialled
and then escalated to their superiors (goal: all escalations issued within 10 s).

Builds a synthetic chain in a throw-away database: one county of ``REACH / 100``
townships, 10 villages per township, 10 grids per village, a grid member per grid
(``REACH`` = 100,000 of them), an admin per village and per township (``SCALE=large``
loads the large demo instead and calls its first ``REACH`` grid members). Every grid member
gets one unanswered round-0 instruction, all with the same deadline and a policy of one
redial, and the call-response timer is armed. Then times ``jobs.run_due`` (claim, the
``callresponse.due`` handler, commit) at the deadline (100,000 voice redials) and at the end
of the redial window (100,000 escalations: superiors found for all, one instruction per
village admin listing its ten unanswered names, deliveries on three channels).

Environment: ``SCALE`` (``synthetic``, default, or a demo scale), ``REACH``;
``BACKENDS=sqlite`` or ``postgresql`` runs one only; PostgreSQL runs when
``YINGJI_BENCH_PG_URL`` or the local test server answers.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from bench._pg import throwaway_engines
from yingji import jobs
from yingji.db import session_factory, utcnow
from yingji.demo import bulk
from yingji.demo.generate import load_demo
from yingji.jobs.models import Timer
from yingji.notify.models import Delivery
from yingji.people.models import Assignment, Person, Role, TargetKind
from yingji.regions.china import load_china
from yingji.regions.models import Region
from yingji.warnings.callresponse.jobs import schedule_due
from yingji.warnings.instruction_models import Instruction
from yingji.warnings.models import EarlyWarning

GOAL_S = 10.0
CHUNK = 5000
POLICY = {
    "channels": ["sms", "voice", "inbox"],
    "deadline_minutes": 5,
    "redials": 1,
    "redial_minutes": 2,
    "escalation_roles": ["admin", "duty_leader"],
    "max_rounds": 2,
}


def _synthetic(session: Session, reach: int) -> dict[str, int]:
    """province → city → county → townships → villages → grids, one admin per region above
    grid level and one grid member per grid; ids allocated up front (``demo.bulk``)."""
    levels = [1, 1, 1, max(1, -(-reach // 100)), 10, 10]  # children per parent, by level
    region_rows: list[dict[str, Any]] = []
    person_rows: list[dict[str, Any]] = []
    assign_rows: list[dict[str, Any]] = []
    rid = bulk.next_id(session, Region.__table__)
    pid = bulk.next_id(session, Person.__table__)
    parents: list[tuple[int | None, str]] = [(None, "/")]
    for level, fan in enumerate(levels, start=1):
        children = []
        for parent_id, path in parents:
            for _ in range(fan):
                code = f"Z{level}{len(region_rows):09d}"
                region_rows.append(
                    {
                        "id": rid,
                        "code": code,
                        "name": f"区{level}-{len(region_rows)}",
                        "level": level,
                        "parent_id": parent_id,
                        "path": f"{path}{code}/",
                    }
                )
                role = Role.grid_member.value if level == 6 else Role.admin.value
                person_rows.append(
                    {
                        "id": pid,
                        "name": f"责任人{pid}",
                        "mobile": f"+861749{pid:07d}",
                        "contacts": {},
                        "region_id": rid,
                    }
                )
                assign_rows.append(
                    {
                        "person_id": pid,
                        "role": role,
                        "target_kind": TargetKind.region.value,
                        "target_id": rid,
                        "region_id": rid,
                        "valid_from": dt.date(2020, 1, 1),
                    }
                )
                children.append((rid, f"{path}{code}/"))
                rid, pid = rid + 1, pid + 1
        parents = children
    bulk.insert_rows(session, Region.__table__, region_rows, **bulk.STAMPS)
    bulk.insert_rows(session, Person.__table__, person_rows, **bulk.STAMPS)
    bulk.insert_rows(session, Assignment.__table__, assign_rows, **bulk.STAMPS)
    bulk.bump_sequences(session, [Region.__table__, Person.__table__])
    return {"persons": len(person_rows), "regions": len(region_rows)}


def _warning(session: Session) -> int:
    now = utcnow()
    row = {
        "code": f"BENCH-{now:%Y%m%d%H%M%S}",
        "category": "rainstorm",
        "level": 1,
        "stage": "imminent",
        "key_period": False,
        "status": "active",
        "area_desc": "基准测试区域",
        "area": {"region_codes": []},
        "valid_from": now,
        "authority": "重庆市气象台",
        "headline": "暴雨红色预警",
        "identifier": f"bench-{now.timestamp()}",
        "sender": "bench",
        "sent": now,
        "msg_type": "Alert",
        "cap_status": "Actual",
        "cap_scope": "Public",
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Likely",
        "references": [],
        "source": "api",
        "created_by": "bench",
        "created_at": now,
        "updated_at": now,
    }
    return int(
        session.execute(insert(EarlyWarning).values(**row).returning(EarlyWarning.id)).scalar_one()
    )


def _calls(engine: Engine, reach: int, deadline: dt.datetime) -> tuple[int, int]:
    """A warning and ``reach`` unanswered grid-member calls; (warning id, calls written)."""
    with session_factory(engine)() as session:
        warning_id = _warning(session)
        session.execute(Timer.__table__.update().values(state="cancelled"))  # only ours run
        members = session.execute(
            select(Assignment.person_id, func.min(Assignment.target_id))
            .where(
                Assignment.role == Role.grid_member.value,
                Assignment.target_kind == TargetKind.region.value,
            )
            .group_by(Assignment.person_id)
            .order_by(Assignment.person_id)
            .limit(reach)
        ).all()
        created = deadline - dt.timedelta(minutes=5)
        rows = [
            {
                "key": f"w{warning_id}:p{person}",
                "warning_id": warning_id,
                "person_id": person,
                "region_id": grid,
                "round": 0,
                "reasons": [{"kind": "region_role", "role": "grid_member"}],
                "layer": 6,
                "measures": "立即巡查网格内隐患点，组织危险区群众转移",
                "policy": POLICY,
                "state": "delivered",
                "confirm_code": f"{i % 1_000_000:06d}",
                "deadline_at": deadline,
                "next_action_at": deadline,
                "redials": 0,
                "created_at": created,
                "updated_at": created,
            }
            for i, (person, grid) in enumerate(members)
        ]
        conn = session.connection()
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(Instruction.__table__), rows[start : start + CHUNK])
        schedule_due(session, "warning", warning_id, deadline)
        session.commit()
        return warning_id, len(rows)


def _count(engine: Engine, stmt: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar() or 0)


def _measure(engine: Engine, scale: str, reach: int, tag: str) -> dict[str, Any]:
    started = time.perf_counter()
    with session_factory(engine).begin() as session:
        if scale == "synthetic":
            loaded = _synthetic(session, reach)
        else:
            load_china(session)
            loaded = load_demo(session, scale=scale)
    out: dict[str, Any] = {
        f"{tag}_load_s": round(time.perf_counter() - started, 1),
        f"{tag}_persons": loaded["persons"],
    }
    deadline = utcnow().replace(microsecond=0) + dt.timedelta(hours=1)
    wid, written = _calls(engine, reach, deadline)
    out[f"{tag}_unanswered"] = written

    t0 = time.perf_counter()
    redial = jobs.run_due(engine, now=deadline)
    t1 = time.perf_counter()
    window_end = deadline + dt.timedelta(minutes=POLICY["redial_minutes"])
    escalate = jobs.run_due(engine, now=window_end)
    t2 = time.perf_counter()
    again = jobs.run_due(engine, now=window_end)

    def deliveries(purpose: str) -> int:
        return _count(
            engine, select(func.count()).select_from(Delivery).where(Delivery.purpose == purpose)
        )

    instr = Instruction.__table__.c
    escalated = _count(
        engine,
        select(func.count()).where(instr.warning_id == wid, instr.state == "escalated"),
    )
    superiors = _count(
        engine, select(func.count()).where(instr.warning_id == wid, instr.round == 1)
    )
    return out | {
        f"{tag}_redial_run": redial["done"],
        f"{tag}_redial_s": round(t1 - t0, 2),
        f"{tag}_redial_deliveries": deliveries("redial"),
        f"{tag}_escalation_run": escalate["done"],
        f"{tag}_escalation_s": round(t2 - t1, 2),
        f"{tag}_escalated": escalated,
        f"{tag}_superior_calls": superiors,
        f"{tag}_escalation_deliveries": deliveries("escalation"),
        f"{tag}_rerun_claimed": again["claimed"],
        f"{tag}_within_goal": (t2 - t1) < GOAL_S and (t1 - t0) < GOAL_S,
    }


def run() -> dict[str, Any]:
    scale = os.environ.get("SCALE", "synthetic")
    reach = int(os.environ.get("REACH", 100_000))
    out: dict[str, Any] = {"scale": scale, "reach_goal": reach, "goal_s": GOAL_S}
    for tag, engine in throwaway_engines("yingji_bench_esc"):
        out |= _measure(engine, scale, reach, tag)
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False))
