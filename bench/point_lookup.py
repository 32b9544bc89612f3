"""Point-in-region look-ups: 1M random points to counties (China) and townships (重庆).

Builds a fresh SQLite database in a temporary folder (migrations, ``load_china``, and
synthetic townships: each 重庆 county cut into ~20 Voronoi cells), then times index builds
and look-ups, with the grid pre-pass and with the STRtree alone. Both paths must agree.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import select

from yingji import migrate
from yingji.auth.scope import system_actor
from yingji.db import make_engine, session_factory
from yingji.regions import geo, index, service
from yingji.regions.china import load_china
from yingji.regions.models import Region

POINTS = 1_000_000
CHINA_BBOX = (73.5, 18.1, 135.1, 53.6)
CELLS_PER_COUNTY = 20


def _townships(session: Any, rng: np.random.Generator) -> list[dict[str, Any]]:
    """~20 Voronoi cells per 重庆 county, clipped to it, coded county + 3 digits."""
    rows = session.execute(
        select(Region.code, Region.geometry).where(Region.code.like("50%"), Region.level == 3)
    ).all()
    out = []
    for code, blob in rows:
        county = geo.from_wkb(bytes(blob))
        x0, y0, x1, y1 = county.bounds
        xs = rng.uniform(x0, x1, CELLS_PER_COUNTY * 20)
        ys = rng.uniform(y0, y1, CELLS_PER_COUNTY * 20)
        keep = shapely.contains_xy(county, xs, ys)
        seeds = shapely.multipoints(np.column_stack([xs[keep], ys[keep]])[:CELLS_PER_COUNTY])
        cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=county))
        cells = shapely.intersection(cells, county)
        n = 0
        for cell in cells:
            cell = geo.polygonal(shapely.make_valid(cell))
            parts = [p for p in shapely.get_parts(cell) if p.geom_type in geo.POLYGONAL]
            if not parts:
                continue
            n += 1
            out.append(
                {
                    "code": f"{code}{n:03d}",
                    "name": f"{code}第{n}镇",
                    "level": 4,
                    "parent_code": code,
                    "geometry": shapely.union_all(parts),
                }
            )
    return out


def _throughput(ix: index.RegionIndex, lons: np.ndarray, lats: np.ndarray, grid: bool) -> tuple:
    started = time.perf_counter()
    found = ix.locate(lons, lats, use_grid=grid)
    seconds = time.perf_counter() - started
    return found, seconds


def _measure(ix: index.RegionIndex, lons: np.ndarray, lats: np.ndarray, tag: str) -> dict:
    started = time.perf_counter()
    ix.accelerate()
    grid_s = time.perf_counter() - started
    with_grid, grid_lookup_s = _throughput(ix, lons, lats, True)
    tree_only, tree_s = _throughput(ix, lons, lats, False)
    return {
        f"{tag}_grid_build_s": round(grid_s, 2),
        f"{tag}_grid_kib": ix.grid.nbytes // 1024 if ix.grid else 0,
        f"{tag}_points_per_s": round(len(lons) / grid_lookup_s),
        f"{tag}_points_per_s_strtree_only": round(len(lons) / tree_s),
        f"{tag}_hit_share": round(float((with_grid >= 0).mean()), 3),
        f"{tag}_mismatches": int((with_grid != tree_only).sum()),
    }


def run() -> dict:
    rng = np.random.default_rng(20201101)
    figures: dict[str, Any] = {"points": POINTS}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        with session_factory(engine).begin() as session:
            started = time.perf_counter()
            figures["regions_loaded"] = load_china(session)
            figures["load_china_s"] = round(time.perf_counter() - started, 2)
        with session_factory(engine).begin() as session:
            rows = _townships(session, rng)
            started = time.perf_counter()
            service.upsert_regions(session, system_actor(), rows, source="bench")
            figures["townships"] = len(rows)
            figures["township_upsert_s"] = round(time.perf_counter() - started, 2)

        index.clear_cache()
        with session_factory(engine)() as session:
            started = time.perf_counter()
            counties = index.get_index(session, 3)
            figures["county_index_regions"] = len(counties)
            figures["county_index_build_s"] = round(time.perf_counter() - started, 3)
            x0, y0, x1, y1 = CHINA_BBOX
            lons, lats = rng.uniform(x0, x1, POINTS), rng.uniform(y0, y1, POINTS)
            figures |= _measure(counties, lons, lats, "county")

            started = time.perf_counter()
            townships = index.get_index(session, 4)
            figures["township_index_regions"] = len(townships)
            figures["township_index_build_s"] = round(time.perf_counter() - started, 3)
            cq = geo.from_wkb(
                session.scalar(select(Region.geometry).where(Region.code == "500000"))
            )
            x0, y0, x1, y1 = cq.bounds
            lons, lats = rng.uniform(x0, x1, POINTS), rng.uniform(y0, y1, POINTS)
            figures |= _measure(townships, lons, lats, "township")
        engine.dispose()
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False))
