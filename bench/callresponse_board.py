"""The live board and the statistics over a call-out of 100,000 instructions (goal: one
board refresh well under a second, so polling every few seconds stays cheap).

Loads China's regions and the tiny demo into a throw-away database, issues one warning,
then inserts ``INSTRUCTIONS`` (default 100,000) round-0 instructions spread over every
county of 重庆 and its demo townships, villages and grids, in a mix of states (sent,
delivered, confirmed, escalated, failed, open past deadline), with two deliveries each and
1% escalations. Times :func:`yingji.warnings.board.board` (first call and a warm refresh),
the map's boundaries and :func:`yingji.warnings.callstats.stats` with the XLSX export.

Environment: ``INSTRUCTIONS``; ``BACKENDS=sqlite`` or ``postgresql`` runs one only.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from typing import Any

from sqlalchemy import Engine, insert, select

from bench._pg import throwaway_engines
from yingji import clock
from yingji.auth.scope import system_actor
from yingji.db import session_factory, utcnow
from yingji.demo.generate import load_demo
from yingji.notify.models import Delivery
from yingji.people.models import Person
from yingji.regions.china import load_china
from yingji.regions.models import Region
from yingji.warnings import board, callstats, callstats_xlsx, service
from yingji.warnings.instruction_models import Instruction

GOAL_S = 1.0
CHUNK = 5000


def _warning(session: Any) -> int:
    body = {
        "category": "rainstorm",
        "level": 1,
        "stage": "imminent",
        "key_period": False,
        "area_desc": "重庆市",
        "area": {"region_codes": ["500000"]},
        "valid_until": dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
        "authority": "重庆市气象台",
        "headline": "重庆市暴雨红色预警",
        "description": None,
        "instruction": None,
    }
    return service.create(session, system_actor(), body).id


def _rows(
    warning_id: int, n: int, regions: list[tuple[int, int]], persons: list[int]
) -> tuple[list[dict[str, Any]], dt.datetime]:
    rnd = random.Random(7)
    start = utcnow() - dt.timedelta(hours=1)
    rows = []
    for i in range(n):
        rid, level = regions[i % len(regions)]
        at = start + dt.timedelta(seconds=rnd.randint(0, 600))
        roll = rnd.random()
        row: dict[str, Any] = {
            "key": f"w{warning_id}:b{i}",
            "warning_id": warning_id,
            "person_id": persons[i % len(persons)],
            "region_id": rid,
            "round": 1 if i % 100 == 0 else 0,
            "reasons": [],
            "layer": max(3, min(level, 6)),
            "measures": "",
            "policy": {},
            "state": "sent",
            "deadline_at": start + dt.timedelta(minutes=5),
            "sent_at": at,
            "delivered_at": None,
            "confirmed_at": None,
            "escalated_at": None,
            "created_at": start,
            "updated_at": start,
        }
        if roll < 0.7:
            row |= {
                "state": "confirmed",
                "delivered_at": at + dt.timedelta(seconds=20),
                "confirmed_at": at + dt.timedelta(seconds=rnd.randint(30, 900)),
            }
        elif roll < 0.85:
            row |= {"state": "delivered", "delivered_at": at + dt.timedelta(seconds=20)}
        elif roll < 0.95:
            row |= {"state": "escalated", "escalated_at": at + dt.timedelta(minutes=20)}
        else:
            row |= {"state": "failed", "sent_at": None}
        rows.append(row)  # fmt: skip
    return rows, start


def _measure(engine: Engine, n: int, tag: str) -> dict[str, Any]:
    with session_factory(engine).begin() as session:
        load_china(session)
        load_demo(session, scale="tiny")
    with session_factory(engine)() as session:
        warning_id = _warning(session)
        regions = session.execute(
            select(Region.id, Region.level).where(Region.path.startswith("/500000/"))
        ).all()
        persons = list(session.scalars(select(Person.id)))
        rows, start = _rows(warning_id, n, [tuple(r) for r in regions], persons)
        conn = session.connection()
        t0 = time.perf_counter()
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(Instruction), rows[i : i + CHUNK])
        ids = list(
            session.scalars(select(Instruction.id).where(Instruction.warning_id == warning_id))
        )
        deliveries = [
            {"key": f"i{iid}:{ch}:call", "instruction_id": iid, "channel": ch, "purpose": "call",
             "state": "delivered" if ch == "inbox" else "sent", "due_at": start, "attempts": 1,
             "sent_at": start, "created_at": start}
            for iid in ids for ch in ("sms", "inbox")
        ]  # fmt: skip
        for i in range(0, len(deliveries), CHUNK):
            conn.execute(insert(Delivery), deliveries[i : i + CHUNK])
        session.commit()
        load_s = time.perf_counter() - t0
        actor = system_actor()
        t1 = time.perf_counter()
        subject = board.of_warning(session, actor, warning_id)
        first = board.board(session, actor, subject)
        t2 = time.perf_counter()
        board.board(session, actor, subject)
        t3 = time.perf_counter()
        geo = board.boundaries(session, actor, subject)
        t4 = time.perf_counter()
        today = clock.today()
        data = callstats.stats(session, actor, start=today - dt.timedelta(days=1), end=today)
        t5 = time.perf_counter()
        callstats_xlsx.workbook(data)
        t6 = time.perf_counter()
    return {
        f"{tag}_instructions": len(ids),
        f"{tag}_deliveries": len(deliveries),
        f"{tag}_insert_s": round(load_s, 2),
        f"{tag}_board_first_s": round(t2 - t1, 3),
        f"{tag}_board_refresh_s": round(t3 - t2, 3),
        f"{tag}_board_targeted": first["totals"]["targeted"],
        f"{tag}_board_regions": len(first["by_region"]),
        f"{tag}_board_timeline_minutes": len(first["timeline"]),
        f"{tag}_geojson_s": round(t4 - t3, 3),
        f"{tag}_geojson_kb": round(len(geo) / 1024),
        f"{tag}_stats_s": round(t5 - t4, 3),
        f"{tag}_xlsx_s": round(t6 - t5, 3),
        f"{tag}_refresh_within_goal": t3 - t2 < GOAL_S,
    }


def run() -> dict[str, Any]:
    n = int(os.environ.get("INSTRUCTIONS", 100_000))
    out: dict[str, Any] = {"instructions_goal": n, "goal_s": GOAL_S}
    for tag, engine in throwaway_engines("yingji_bench_board"):
        out |= _measure(engine, n, tag)
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False))
