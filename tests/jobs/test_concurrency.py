"""Several workers against one database never take the same row. On PostgreSQL a claim
skips rows another worker holds locked instead of waiting for them or taking them too."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, func, insert, select, text

from yingji.db import session_factory
from yingji.jobs import run_due
from yingji.jobs.models import Timer
from yingji.jobs.runner import claim
from yingji.notices.models import Notice

T0 = dt.datetime(2030, 3, 1, 1, 0, tzinfo=dt.UTC)


def _only_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        reason = "row locks with SKIP LOCKED are PostgreSQL's; SQLite serialises writers"
        print(f"\nSKIP {engine.dialect.name}: {reason}")
        pytest.skip(reason)


def _many(engine: Engine, n: int, kind: str = "test.note") -> list[int]:
    rows = [
        {
            "kind": kind,
            "due_at": T0 - dt.timedelta(seconds=i),
            "subject_kind": "test",
            "subject_id": i,
            "payload": {"region_id": 1},
            "key": f"many:{kind}:{i}",
            "state": "pending",
            "attempts": 0,
            "created_at": T0,
        }
        for i in range(n)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Timer), rows)
        return list(
            conn.execute(select(Timer.id).where(Timer.key.startswith(f"many:{kind}:"))).scalars()
        )


def test_claim_skips_rows_locked_by_another_worker(db: Engine) -> None:
    _only_postgresql(db)
    ids = sorted(_many(db, 10))
    held = ids[:4]
    with db.connect() as other:  # another worker mid-claim, holding four rows
        other.execute(select(Timer.id).where(Timer.id.in_(held)).with_for_update()).all()
        with session_factory(db)() as s:
            s.execute(text("SET LOCAL lock_timeout = '5s'"))  # a wait would fail, not hang
            got = claim(s, "second", T0, 100)
            s.commit()
        other.rollback()
    assert got == ids[4:]


def test_concurrent_workers_take_disjoint_rows(db: Engine) -> None:
    """On both backends: PostgreSQL by row locks, SQLite by its single writer."""
    ids = _many(db, 300)
    workers = 6
    start = threading.Barrier(workers)
    taken: list[list[int]] = [[] for _ in range(workers)]

    def work(n: int) -> None:
        factory = session_factory(db)
        start.wait()
        while True:
            with factory() as s:
                got = claim(s, f"w{n}", T0, 7)
                s.commit()
            if not got:
                return
            taken[n].extend(got)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [i for part in taken for i in part]
    assert sorted(claimed) == sorted(ids)  # every row once: none twice, none missed
    assert sum(1 for part in taken if part) > 1  # the work really was shared


def test_concurrent_run_due_delivers_each_notice_once(db: Engine) -> None:
    _many(db, 120)
    workers = 4
    start = threading.Barrier(workers)
    totals: list[dict[str, int]] = []
    lock = threading.Lock()

    def work() -> None:
        start.wait()
        while True:
            counts = run_due(db, now=T0, limit=5)
            with lock:
                totals.append(counts)
            if counts["claimed"] == 0:
                return

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(c["done"] for c in totals) == 120
    with session_factory(db)() as s:
        assert s.scalar(select(func.count()).where(Notice.key.startswith("many:"))) == 120
        states = dict(
            s.execute(
                select(Timer.state, func.count())
                .where(Timer.key.startswith("many:"))
                .group_by(Timer.state)
            ).all()
        )
    assert states == {"done": 120}
