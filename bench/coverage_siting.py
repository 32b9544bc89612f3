"""Station siting (MCLP, LSCP with spopt + CBC) on 200 candidates × 20,000 demand points, and
response-circle numbers and map layer over 100,000 demand points (synthetic city).

The city is synthetic (no map download is possible here): a 60 × 60 km square around
central Chongqing, people in 15 towns of different sizes plus a rural fifth, 20 existing
stations in the larger towns, 200 candidate sites (half near people, half anywhere). Minutes
are straight-line km × a detour factor drawn per pair (1.2–1.8) ÷ 30 km/h, with 3 % of pairs
unreachable (a river without a bridge, a closed pass), standing in for the road engine.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from yingji.resources.coverage import coverage_geojson, summary
from yingji.resources.siting import lscp, mclp

CENTRE = (106.55, 29.56)
SIDE_KM = 60.0
SPEED_KMH = 30.0


def _people(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand points (km), their population, and the town centres."""
    towns = rng.uniform(5, SIDE_KM - 5, (15, 2))
    size = rng.pareto(1.2, 15) + 1
    town = rng.choice(15, n, p=size / size.sum())
    spread = 1.0 + 2.0 * np.sqrt(size / size.max())
    xy = towns[town] + rng.normal(0, 1, (n, 2)) * spread[town, None]
    rural = rng.random(n) < 0.2
    xy[rural] = rng.uniform(0, SIDE_KM, (int(rural.sum()), 2))
    xy = np.clip(xy, 0, SIDE_KM)
    people = np.where(rural, rng.lognormal(3.0, 0.8, n), rng.lognormal(5.5, 0.9, n))
    return xy, people, towns[np.argsort(-size)]


def _minutes(rng: np.random.Generator, sites: np.ndarray, points: np.ndarray) -> np.ndarray:
    out = np.empty((sites.shape[0], points.shape[0]), dtype=np.float32)
    for i, s in enumerate(sites):
        km = np.hypot(points[:, 0] - s[0], points[:, 1] - s[1])
        detour = rng.uniform(1.2, 1.8, points.shape[0])
        out[i] = km * detour / SPEED_KMH * 60
        out[i, rng.random(points.shape[0]) < 0.03] = np.inf
    return out


def _lonlat(xy: np.ndarray) -> np.ndarray:
    lat = CENTRE[1] + (xy[:, 1] - SIDE_KM / 2) / 110.574
    lon = CENTRE[0] + (xy[:, 0] - SIDE_KM / 2) / (111.320 * np.cos(np.radians(CENTRE[1])))
    return np.column_stack([lon, lat])


def _timed(fn, *args, **kwargs) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, round(time.perf_counter() - started, 3)


def _siting(rng: np.random.Generator) -> dict[str, Any]:
    points, people, towns = _people(rng, 20_000)
    existing_xy = towns[:10].repeat(2, axis=0) + rng.normal(0, 1.5, (20, 2))
    near = points[rng.choice(points.shape[0], 100, replace=False)] + rng.normal(0, 1, (100, 2))
    anywhere = rng.uniform(0, SIDE_KM, (100, 2))
    sites = np.vstack([existing_xy, near, anywhere])
    cost = _minutes(rng, sites, points)
    existing = np.arange(20)
    mclp(cost[:5, :50], people[:50], 10, 1)  # load spopt and CBC once, outside the timings
    out: dict[str, Any] = {"siting_demand": points.shape[0], "siting_candidates": 200}
    for p in (5, 20):
        result, wall = _timed(mclp, cost, people, 10, p, existing=existing)
        out[f"mclp10_p{p}_s"] = wall
        out[f"mclp10_p{p}_model"] = f"{result.model_rows}×{result.model_candidates}"
        out[f"mclp10_p{p}_share"] = [
            round(result.covered_before / result.total, 3),
            round(result.covered_after / result.total, 3),
        ]
        out[f"mclp10_p{p}_first_gains"] = [round(g) for g in result.gains[:5]]
        out[f"mclp10_p{p}_status"] = result.status
    for minutes in (10, 15):
        result, wall = _timed(lscp, cost, minutes, existing=existing, weights=people)
        out[f"lscp{minutes}_s"] = wall
        out[f"lscp{minutes}_model"] = f"{result.model_rows}×{result.model_candidates}"
        out[f"lscp{minutes}_sites"] = len(result.chosen)
        out[f"lscp{minutes}_uncoverable_share"] = round(result.uncoverable / result.total, 3)
        out[f"lscp{minutes}_status"] = result.status
    return out


def _circles(rng: np.random.Generator) -> dict[str, Any]:
    points, people, towns = _people(rng, 100_000)
    stations = towns[:10].repeat(3, axis=0) + rng.normal(0, 2, (30, 2))
    # Minutes to the nearest station, straight-line with one detour factor, some unreachable.
    km = np.min(np.hypot(*(stations[:, None] - points[None]).transpose(2, 0, 1)), axis=0)
    minutes = km * rng.uniform(1.2, 1.8, km.shape[0]) / SPEED_KMH * 60
    minutes[rng.random(km.shape[0]) < 0.02] = np.inf
    risk = rng.random(km.shape[0]) < 0.01
    thresholds = [5, 10, 15, 30, 60]
    rows, summary_s = _timed(summary, minutes, people, thresholds, risk=risk)
    lonlat = _lonlat(points)
    cells, cells_s = _timed(coverage_geojson, lonlat, minutes, thresholds, 1.0, people)
    pts, points_s = _timed(coverage_geojson, lonlat, minutes, thresholds, None, people)
    return {
        "circles_demand": points.shape[0],
        "summary_s": summary_s,
        "summary_share": {f"≤{r['minutes']:g}": round(r["share"], 3) for r in rows},
        "geojson_cells_1km_s": cells_s,
        "geojson_cells": len(cells["features"]),
        "geojson_points_s": points_s,
        "geojson_points": len(pts["features"]),
    }


def run() -> dict[str, Any]:
    rng = np.random.default_rng(20261129)
    return {**_siting(rng), **_circles(rng)}


if __name__ == "__main__":
    print(run())
