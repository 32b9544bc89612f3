"""Concurrent allocations of one stock from parallel sessions never take more than there
is: every success is recorded, every refusal is a Conflict, and the books balance."""

from __future__ import annotations

import threading

import pytest
from resources_helpers import WANZHOU, actor
from sqlalchemy import func, select

from yingji.db import session_factory
from yingji.errors import Conflict
from yingji.resources import registry, stock
from yingji.resources.models import StockBatch

WORKERS = 6
TRIES = 8
EACH = 7.0
STOCK = 100.0


@pytest.fixture
def stocked(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks under parallel writers are PostgreSQL's; SQLite serialises them")
    with session_factory(engine)() as s:
        city = actor(s, "cq_operator")
        registry.create_material(
            s, city, {"code": "TENT", "name": "帐篷", "unit": "顶", "category": "shelter"}
        )
        lon, lat = WANZHOU
        store = registry.create_warehouse(
            s, city, {"code": "W1", "name": "库", "level": 3, "lon": lon, "lat": lat}
        )
        stock.receive(s, city, store.id, "TENT", 60, batch="a")
        stock.receive(s, city, store.id, "TENT", 40, batch="b")
        s.commit()
        return store.id


def test_parallel_allocations_never_overdraw(engine, stocked):
    taken: list[float] = []
    refused: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(WORKERS)

    def work() -> None:
        start.wait()
        for _ in range(TRIES):
            with session_factory(engine)() as s:
                try:
                    got = stock.allocate(s, actor(s, "cq_operator"), stocked, "TENT", EACH)
                    s.commit()
                except Conflict as exc:
                    s.rollback()
                    with lock:
                        refused.append(exc.message)
                    continue
                with lock:
                    taken.append(sum(t.quantity for t in got))

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    with session_factory(engine)() as s:
        left = s.scalar(select(func.sum(StockBatch.quantity)))
        lowest = s.scalar(select(func.min(StockBatch.quantity)))
    assert len(taken) + len(refused) == WORKERS * TRIES
    assert len(taken) == int(STOCK // EACH)  # 14 of 48 requests can be met
    assert sum(taken) + left == pytest.approx(STOCK)
    assert lowest >= 0
