"""Incident command at city scale: quick-report totals and conflicts, the duty desk and a
response level with a long flow.

Builds a fresh SQLite database with the ``small`` 重庆 demo (38 counties, ~930 villages,
~1,860 grids), then bulk-loads ``QUICK_REPORTS`` (default 10,000) quick reports on one
incident, spread over every village and grid, about four per place (a fifth of
them still unverified, so superseded, pending and conflicting figures all occur), and opens
``INCIDENTS`` (default 300) incidents through the service. Times: the city's totals without
double counting, one county's, the conflict list, the duty desk board (every open incident's
reporting deadlines), and declaring a level that turns a 60-step flow into tasks.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select

import yingji.models
from yingji import migrate
from yingji.auth.models import User
from yingji.auth.service import actor_for
from yingji.db import make_engine, session_factory, utcnow
from yingji.demo.generate import load_demo
from yingji.errors import ValidationFailed
from yingji.incidents import duty_desk, flows, quick, service
from yingji.incidents.quick_models import QuickReport
from yingji.regions.models import Region

QUICK_REPORTS = int(os.environ.get("QUICK_REPORTS", "10000"))
INCIDENTS = int(os.environ.get("INCIDENTS", "300"))
STEPS = 60
REPEAT = 3


def _best(fn: Any) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(REPEAT):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return round(min(times), 3), out


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        started = time.perf_counter()
        with session_factory(engine).begin() as session:
            load_demo(session, scale="small")
        demo_s = time.perf_counter() - started
        with session_factory(engine)() as session:
            city = actor_for(
                session, session.scalar(select(User).where(User.username == "cq_operator"))
            )
            flood = session.scalar(
                select(yingji.models.Incident).where(yingji.models.Incident.type_code == "flood")
            )
            places = session.execute(
                select(Region.id, Region.path).where(
                    Region.level.in_([5, 6]), Region.path.startswith("/500000/")
                )
            ).all()
            rng = np.random.default_rng(7)
            pick = rng.integers(0, len(places), QUICK_REPORTS)
            now = utcnow()
            minutes = rng.integers(0, 24 * 60, QUICK_REPORTS)
            verified = rng.random(QUICK_REPORTS) > 0.2
            rows = [
                {
                    "incident_id": flood.id,
                    "region_id": places[p].id,
                    "region_path": places[p].path,
                    "at": now - dt.timedelta(minutes=int(m)),
                    "reporter": "grid_user",
                    "dead": int(rng.integers(0, 2)),
                    "injured": int(rng.integers(0, 5)),
                    "affected": int(rng.integers(0, 300)),
                    "evacuated": int(rng.integers(0, 80)),
                    "status": "verified" if v else "submitted",
                    "verified_by": "twp_operator" if v else None,
                }
                for p, m, v in zip(pick, minutes, verified, strict=True)
            ]
            started = time.perf_counter()
            session.execute(insert(QuickReport), rows)
            session.commit()
            load_s = time.perf_counter() - started
            county = session.scalar(select(Region.path).where(Region.code == "500101"))

            city_s, totals = _best(lambda: quick.totals(session, city, incident_id=flood.id))
            county_s, _ = _best(
                lambda: quick.totals(session, city, incident_id=flood.id, region_path=county)
            )
            conflicts_s, found = _best(
                lambda: quick.conflicts(session, city, incident_id=flood.id, open_only=True)
            )

            lons = rng.uniform(107.5, 109.5, INCIDENTS)
            lats = rng.uniform(29.5, 31.0, INCIDENTS)
            started = time.perf_counter()
            opened = 0
            for i, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
                try:
                    with session.begin_nested():
                        service.create(
                            session, city,
                            {"title": f"基准事件 {i}", "type_code": "fire", "lon": float(lon),
                             "lat": float(lat), "dead": int(i % 4)},
                        )  # fmt: skip
                    opened += 1
                except ValidationFailed:  # a point outside 重庆 (the box is wider): skipped
                    pass
            session.commit()
            intake_ms = (time.perf_counter() - started) / max(opened, 1) * 1000
            board_s, board = _best(lambda: duty_desk.board(session, city))

            steps = [
                {"min_level": 1 + i % 4, "role": "admin", "minutes": 30 + i, "action": f"步骤 {i}"}
                for i in range(STEPS)
            ]
            flows.create(session, city, {"code": "BENCH", "name": "基准流程", "steps": steps})
            target = board.incidents[0]["incident"].id
            started = time.perf_counter()
            done = service.declare_level(session, city, target, 1)
            declare_s = time.perf_counter() - started
            session.rollback()
    return {
        "demo_small_load_s": round(demo_s, 1),
        "quick_reports": QUICK_REPORTS,
        "quick_bulk_load_s": round(load_s, 2),
        "places_reported": int(totals["verified_places"]),
        "city_totals_s": city_s,
        "county_totals_s": county_s,
        "open_conflicts": len(found),
        "conflicts_s": conflicts_s,
        "incidents_opened": opened,
        "intake_ms_each": round(intake_ms, 1),
        "desk_open_incidents": len(board.incidents),
        "desk_board_s": board_s,
        "level_tasks_created": len(done["tasks"]["created"]),
        "declare_level_s": round(declare_s, 3),
    }
