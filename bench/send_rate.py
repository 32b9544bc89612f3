"""End-to-end send rate to the gateway simulator over loopback (goal: >= 2,000 SMS/s
embedded on a 2-core machine).

``N`` instructions (default 20,000) each get an SMS delivery in one committed transaction;
the embedded senders (:class:`yingji.notify.pool.SenderPool`, woken by the outbox kick)
claim, compose (warning text, confirm code, signed link), send to the simulator and record
the results. Timed from the commit to the last delivery recorded ``sent``; the batch mode
also with two sender threads for the channel (``SenderPool(threads=2)``). Two modes: the
gateway's batch API (100 messages per request) and one request per message (8 at once,
at most ``SINGLE_MAX`` messages).

Environment: ``N``; ``BACKENDS=sqlite`` or ``postgresql`` runs one only; PostgreSQL runs
when ``YINGJI_BENCH_PG_URL`` or the local test server answers.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from bench._pg import throwaway_engines
from yingji.db import session_factory
from yingji.demo.generate import load_demo
from yingji.notify import outbox, ratelimit, sender
from yingji.notify.models import Delivery
from yingji.notify.pool import SenderPool
from yingji.notify.simulator import GatewaySimulator
from yingji.notify.sms import SmsChannel
from yingji.people.models import Person
from yingji.regions.china import load_china
from yingji.warnings.instruction_models import Instruction
from yingji.warnings.models import EarlyWarning

GOAL = 2000.0
SINGLE_MAX = 2000
"""One request per message is an order of magnitude slower: fewer messages suffice."""
NOW = dt.datetime.now(dt.UTC)


def _warning(engine: Engine, tag: str) -> int:
    values: dict[str, Any] = {
        "code": f"B{time.time_ns()}",
        "category": "rainstorm",
        "level": 1,
        "stage": "imminent",
        "area_desc": "重庆市部分区县",
        "area": {"region_codes": ["500103"]},
        "valid_from": NOW,
        "authority": "重庆市气象台",
        "headline": "重庆市气象台发布暴雨红色预警",
        "identifier": f"bench-{tag}-{time.time_ns()}",
        "sender": "bench@yingji",
        "sent": NOW,
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Likely",
        "references": [],
        "created_by": "bench",
    }
    with engine.begin() as conn:
        return conn.execute(
            insert(EarlyWarning).values(**values).returning(EarlyWarning.id)
        ).scalar_one()


def _instructions(engine: Engine, n: int, tag: str) -> list[int]:
    warning_id = _warning(engine, tag)
    with engine.connect() as conn:
        people = conn.execute(select(Person.id, Person.region_id).order_by(Person.id)).all()
    rows = [
        {
            "key": f"bench:{tag}:{i}",
            "warning_id": warning_id,
            "person_id": people[i % len(people)][0],
            "region_id": people[i % len(people)][1],
            "reasons": [],
            "layer": 5,
            "measures": "立即组织危险区群众转移避险",
            "policy": {},
            "state": "pending",
            "confirm_code": f"{100000 + i % 900000}",
            "deadline_at": NOW + dt.timedelta(minutes=5),
        }
        for i in range(n)
    ]
    with engine.begin() as conn:
        for start in range(0, n, 5000):
            conn.execute(insert(Instruction), rows[start : start + 5000])
        stmt = select(Instruction.id).where(Instruction.warning_id == warning_id)
        return list(conn.scalars(stmt))


def _sent(engine: Engine) -> int:
    with engine.connect() as conn:
        stmt = select(func.count()).select_from(Delivery).where(Delivery.state == "sent")
        return conn.scalar(stmt) or 0


def _measure(
    engine: Engine, sim: GatewaySimulator, n: int, mode: str, tag: str, threads: int = 1
) -> dict[str, Any]:
    ids = _instructions(engine, n, f"{tag}-{mode}-{threads}")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM delivery"))
    sim.reset()
    batch_url = sim.sms_batch_url if mode == "batch" else None
    sender.use_channel(SmsChannel(sim.sms_url, "【应急】{text}{confirm}", 10.0, batch_url, 100, 8))
    ratelimit.LIMITERS["sms"] = None  # the goal is the machine's rate, not a gateway quota
    pool = SenderPool(engine, ["sms"], interval=1.0, threads=threads).start()
    try:
        with session_factory(engine)() as session:
            outbox.enqueue(session, [(i, "sms") for i in ids], "call", NOW)
            started = time.perf_counter()
            session.commit()  # kicks the sender
        while sim.recorded < n:
            time.sleep(0.01)
        while _sent(engine) < n:
            time.sleep(0.01)
        took = time.perf_counter() - started
    finally:
        pool.stop()
    assert len(sim.messages("sms")) == n
    rate = n / took
    return {
        f"{tag}_{mode}_messages": n,
        f"{tag}_{mode}_s": round(took, 2),
        f"{tag}_{mode}_per_s": round(rate),
        f"{tag}_{mode}_requests": sim.requests,
        f"{tag}_{mode}_within_goal": rate >= GOAL,
    }


def _backend(engine: Engine, n: int, tag: str) -> dict[str, Any]:
    with session_factory(engine).begin() as session:
        load_china(session)
        load_demo(session, scale="tiny")
    out: dict[str, Any] = {}
    with GatewaySimulator() as sim:
        out |= _measure(engine, sim, n, "batch", tag)
        out |= _measure(engine, sim, n, "batch", tag + "_2threads", threads=2)
        out |= _measure(engine, sim, min(n, SINGLE_MAX), "single", tag)
    sender.close_channels()
    return out


def run() -> dict[str, Any]:
    n = int(os.environ.get("N", 20_000))
    out: dict[str, Any] = {"messages": n, "goal_per_s": GOAL}
    for tag, engine in throwaway_engines("yingji_bench_send"):
        out |= _backend(engine, n, tag)
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False))
