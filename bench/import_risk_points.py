"""Import 1,000,000 risk points from CSV on SQLite: validate, apply, re-import unchanged.

A temporary database gets China's regions and the small 重庆 demo (townships to derive
each point's region from). Points are drawn uniformly inside 重庆's counties (vectorised
rejection sampling), spread over ten categories and the four levels, and imported through
the same code path as an upload (``yingji.io.service.import_file``): every row checked,
then one transaction. Peak resident memory is reported before the import, after it and
after the re-import. ``RISK_POINTS`` in the environment scales the run down.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import select

import yingji.models  # noqa: F401  (all tables and the audit hook)
from yingji import migrate
from yingji.auth.scope import system_actor
from yingji.db import make_engine, session_factory
from yingji.demo.generate import load_demo
from yingji.io import service, tabular
from yingji.io.kinds import KINDS
from yingji.regions import geo
from yingji.regions.models import Region

CATEGORIES = (
    "landslide",
    "collapse",
    "debris_flow",
    "reservoir",
    "dike",
    "tailings_pond",
    "hazardous_chemical_plant",
    "crowded_place",
    "high_rise",
    "school",
)
LEVELS = ("major", "large", "general", "low")


def _points(session: Any, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points inside 重庆's counties, in proportion to county area."""
    rows = session.execute(
        select(Region.geometry, Region.area_km2).where(
            Region.path.startswith("/500000/"), Region.level == 3
        )
    ).all()
    polys = [geo.from_wkb(bytes(g)) for g, _ in rows]
    share = np.array([a for _, a in rows]) / sum(a for _, a in rows)
    per = rng.multinomial(n, share)
    lons, lats = [], []
    for poly, want in zip(polys, per, strict=True):
        x0, y0, x1, y1 = poly.bounds
        got_x, got_y, have = [], [], 0
        while have < want:
            xs = rng.uniform(x0, x1, want * 2)
            ys = rng.uniform(y0, y1, want * 2)
            inside = shapely.contains_xy(poly, xs, ys)
            got_x.append(xs[inside])
            got_y.append(ys[inside])
            have += int(inside.sum())
        lons.append(np.concatenate(got_x)[:want])
        lats.append(np.concatenate(got_y)[:want])
    return np.concatenate(lons), np.concatenate(lats)


def _csv(lons: np.ndarray, lats: np.ndarray, rng: np.random.Generator) -> bytes:
    n = len(lons)
    cats = rng.integers(0, len(CATEGORIES), n)
    levels = rng.choice(len(LEVELS), n, p=(0.02, 0.08, 0.4, 0.5))
    people = rng.integers(0, 2000, n)
    rows = [
        (f"RP{i:07d}", f"风险点{i}", CATEGORIES[c], LEVELS[lv], round(x, 6), round(y, 6), "", p)
        for i, (c, lv, x, y, p) in enumerate(
            zip(
                cats.tolist(),
                levels.tolist(),
                lons.tolist(),
                lats.tolist(),
                people.tolist(),
                strict=True,
            )
        )
    ]
    header = ["code", "name", "category", "level", "lon", "lat", "geometry", "threatened_people"]
    return tabular.write_csv(header, rows)


def _peak_rss_mb() -> int:
    """The process's peak resident set so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run() -> dict[str, Any]:
    n = int(os.environ.get("RISK_POINTS", "1000000"))
    figures: dict[str, Any] = {"risk_points": n}
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        actor = system_actor("bench")
        with session_factory(engine).begin() as session:
            load_demo(session, "small")
            started = time.perf_counter()
            data = _csv(*_points(session, n, rng), rng)
            figures["generate_s"] = round(time.perf_counter() - started, 2)
            figures["csv_mb"] = round(len(data) / 1e6, 1)
        figures["rss_before_import_mb"] = _peak_rss_mb()
        assert "risk_points" in KINDS
        with session_factory(engine).begin() as session:
            session.info["actor"] = actor
            started = time.perf_counter()
            report = service.import_file(session, actor, "risk_points", data, "rp.csv")
            figures["import_s"] = round(time.perf_counter() - started, 2)
            figures["created"] = report.created
        figures["peak_rss_import_mb"] = _peak_rss_mb()
        with session_factory(engine).begin() as session:
            started = time.perf_counter()
            report = service.import_file(session, actor, "risk_points", data, "rp.csv")
            figures["reimport_s"] = round(time.perf_counter() - started, 2)
            figures["reimport_changed"] = report.created + report.updated
        figures["peak_rss_mb"] = _peak_rss_mb()
        figures["points_per_s"] = round(n / figures["import_s"])
    return figures
