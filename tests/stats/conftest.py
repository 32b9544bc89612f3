"""A small hand-built hazard set with known dates and states, inserted directly, so every
dashboard figure can be checked against numbers worked out by hand.

Today is 2026-11-29; the window is 2026-10-01..2026-11-29 (60 days). Local time is
Asia/Shanghai (UTC+8). Townships: A = 500101001 and B = 500101002 (county 500101),
C = 500103001 (county 500103); department 10/13 are 万州区 departments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select, update

from yingji.db import session_factory, utcnow
from yingji.hazards.models import Hazard
from yingji.regions.models import Region

TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 29)
FIRST, LAST = dt.date(2026, 10, 1), dt.date(2026, 11, 29)
A, B, C, WZ = "500101001", "500101002", "500103001", "500101"


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(dt.UTC)


# (n, region, found, state, grade, closed, deadline, industry, department)
HAZARDS: list[tuple[Any, ...]] = [
    (1, A, "2026-10-05 10:00", "closed", "general", "2026-10-20 09:00", None, "0610", 10),
    (2, A, "2026-10-10 10:00", "rectifying", "general", None, "2026-11-01", "0610", 10),
    (3, A, "2026-11-02 10:00", "assigned", "major", None, "2026-12-31", "2611", 13),
    (4, B, "2026-09-30 23:30", "closed", "general", "2026-10-03 10:00", None, None, None),
    (5, B, "2026-10-01 00:30", "reported", None, None, None, None, None),
    (6, C, "2026-10-15 10:00", "dismissed", None, None, None, "0610", 19),
    (7, C, "2025-10-15 10:00", "closed", "general", "2025-11-01 10:00", None, "0610", 19),
    (8, C, "2026-08-15 10:00", "closed", "major", "2026-09-01 10:00", None, "0610", 19),
    (9, WZ, "2026-10-20 10:00", "submitted", "general", None, "2026-11-20", None, None),
]


def insert_hazards(session: Any, rows: list[tuple[Any, ...]]) -> dict[int, int]:
    """Insert the rows; returns {n: hazard id}."""
    codes = {r[1] for r in rows}
    regions = {
        code: (rid, path)
        for code, rid, path in session.execute(
            select(Region.code, Region.id, Region.path).where(Region.code.in_(codes))
        )
    }
    ids = {}
    for n, code, found, state, grade, closed, deadline, industry, department in rows:
        rid, path = regions[code]
        ids[n] = session.execute(
            insert(Hazard)
            .values(
                title=f"测试隐患 {n}",
                state=state,
                grade=grade,
                source="manual",
                region_id=rid,
                region_path=path,
                found_at=local(found),
                closed_at=local(closed) if closed else None,
                deadline=dt.date.fromisoformat(deadline) if deadline else None,
                industry_code=industry,
                department_id=department,
            )
            .returning(Hazard.id)
        ).scalar_one()
    return ids


@pytest.fixture
def hazards(engine: Engine) -> dict[int, int]:
    """The hand-built set. Hazards the demo loaded are marked dismissed first: dismissed
    hazards count nowhere, so the figures are exactly those worked out by hand."""
    with session_factory(engine).begin() as session:
        session.execute(update(Hazard).values(state="dismissed", updated_at=utcnow()))
        return insert_hazards(session, HAZARDS)
