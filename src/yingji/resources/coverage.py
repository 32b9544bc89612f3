"""Response circles: who is reached within each promised time, as numbers and as a map layer.

Everything here consumes travel times already computed (minutes, ``np.inf`` = unreachable; the
travel engine is ``resources.travel``) and is pure numpy, so a city's 100,000 demand points are
summarised in milliseconds. A threshold is inclusive: a point reached in exactly 10 minutes is
inside the 10-minute circle. Station siting (MCLP / LSCP over candidate sites) lives in
``resources.siting`` and is re-exported here (imported lazily: spopt takes seconds to load).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from yingji.errors import invalid

UNREACHABLE = "unreachable"
# Covered bands run dark green → yellow; beyond the last threshold is red and unreachable is
# dark purple, so the uncovered areas stand out on the map.
COVERED_COLOURS = ("#1a9850", "#66bd63", "#a6d96a", "#d9ef8b", "#fee08b", "#fdae61")
BEYOND_COLOUR = "#d73027"
UNREACHABLE_COLOUR = "#67001f"
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320


# ---------------------------------------------------------------- validation (shared with siting)
def as_vector(value: Any, field: str, length: int | None = None) -> np.ndarray:
    """A 1-D float array of non-negative numbers (``inf`` allowed, NaN not)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 1:
        raise invalid(field, f"{field}: 应为一维数组 / must be 1-D, got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise invalid(
            field, f"{field}: 长度应为 {length} / length must be {length}, got {arr.shape[0]}"
        )
    _check_values(arr, field)
    return arr


def as_matrix(value: Any, field: str) -> np.ndarray:
    """A 2-D array of non-negative minutes (``inf`` allowed, NaN not), kept in its dtype."""
    arr = np.asarray(value)
    if arr.ndim != 2 or arr.dtype.kind not in "fiu":
        raise invalid(field, f"{field}: 应为二维数值矩阵 / must be a 2-D numeric matrix")
    _check_values(arr, field)
    return arr


def _check_values(arr: np.ndarray, field: str) -> None:
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise invalid(field, f"{field}: 含 NaN / contains NaN")
    if arr.size and arr.min() < 0:
        raise invalid(field, f"{field}: 不能为负 / must not be negative")


def as_weights(value: Any, field: str, length: int) -> np.ndarray:
    """Population or risk-point counts: finite, non-negative, one per demand point."""
    arr = as_vector(value, field, length)
    if not np.isfinite(arr).all():
        raise invalid(field, f"{field}: 必须是有限数 / must be finite")
    return arr


def as_thresholds(value: Any, field: str = "thresholds") -> list[float]:
    """Minute thresholds, sorted and de-duplicated; each finite and positive."""
    values = [value] if np.ndim(value) == 0 else list(np.ravel(value))
    try:
        minutes = sorted({float(v) for v in values})
    except (TypeError, ValueError):
        raise invalid(field, f"{field}: 应为分钟数 / must be numbers of minutes") from None
    if not minutes:
        raise invalid(field, f"{field}: 至少一个阈值 / at least one threshold")
    if not all(math.isfinite(t) and t > 0 for t in minutes):
        raise invalid(field, f"{field}: 阈值须为正的有限数 / thresholds must be positive, finite")
    return minutes


# ---------------------------------------------------------------- numbers
def covered(minutes_to_nearest: Any, thresholds: Sequence[float]) -> dict[float, np.ndarray]:
    """Per threshold, the mask of demand points reached within it (inclusive)."""
    minutes = as_vector(minutes_to_nearest, "minutes")
    return {t: minutes <= t for t in as_thresholds(thresholds)}


def summary(
    minutes: Any,
    population: Any,
    thresholds: Sequence[float],
    risk: Any = None,
) -> list[dict[str, Any]]:
    """Population (and risk points, when given) covered and not covered per threshold.

    ``risk`` is one count per demand point (a boolean "is a risk point" or the number of risk
    points a demand cell holds).
    """
    m = as_vector(minutes, "minutes")
    pop = as_weights(population, "population", m.shape[0])
    risks = None if risk is None else as_weights(risk, "risk", m.shape[0])
    total = float(pop.sum())
    rows = []
    for t, mask in covered(m, thresholds).items():
        inside = float(pop[mask].sum())
        row: dict[str, Any] = {
            "minutes": t,
            "population_covered": inside,
            "population_uncovered": total - inside,
            "share": inside / total if total > 0 else 0.0,
            "points_covered": int(mask.sum()),
            "points_total": int(m.shape[0]),
        }
        if risks is not None:
            risk_in = float(risks[mask].sum())
            row["risk_covered"] = risk_in
            row["risk_uncovered"] = float(risks.sum()) - risk_in
        rows.append(row)
    return rows


def response_circles(
    minutes_by_mode: Mapping[str, Any],
    thresholds_by_mode: Mapping[str, Sequence[float]],
    population: Any,
    risk: Any = None,
) -> dict[str, list[dict[str, Any]]]:
    """Each mode's promise checked at its own thresholds (e.g. road 30, air 60, foot 10)."""
    missing = sorted(set(thresholds_by_mode) - set(minutes_by_mode))
    if missing:
        raise invalid(
            "thresholds_by_mode",
            f"thresholds_by_mode: 缺少该方式的时间 / no minutes for mode(s) {', '.join(missing)}",
        )
    return {
        mode: summary(minutes_by_mode[mode], population, thresholds, risk)
        for mode, thresholds in thresholds_by_mode.items()
    }


# ---------------------------------------------------------------- map layer
def bands(thresholds: Sequence[float]) -> list[dict[str, str]]:
    """The legend: one band per interval up to each threshold, then beyond, then unreachable."""
    ts = as_thresholds(thresholds)
    out = []
    for i, t in enumerate(ts):
        key = f"≤{t:g}" if i == 0 else f"{ts[i - 1]:g}–{t:g}"
        colour = COVERED_COLOURS[min(i, len(COVERED_COLOURS) - 1)]
        out.append({"band": key, "label": f"{key} 分钟 / min", "color": colour})
    beyond = f">{ts[-1]:g}"
    out.append({"band": beyond, "label": f"{beyond} 分钟 / min", "color": BEYOND_COLOUR})
    out.append({"band": UNREACHABLE, "label": "不可达 / unreachable", "color": UNREACHABLE_COLOUR})
    return out


def band_index(minutes: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Index into ``bands(thresholds)`` for each value (inclusive upper bounds)."""
    ts = np.asarray(as_thresholds(thresholds))
    idx = np.searchsorted(ts, minutes, side="left")
    return np.where(np.isinf(minutes), len(ts) + 1, idx)


def coverage_geojson(
    lonlat: Any,
    minutes: Any,
    thresholds: Sequence[float],
    cell_km: float | None = None,
    population: Any = None,
    stat: str = "max",
) -> dict[str, Any]:
    """A FeatureCollection (WGS84) for Leaflet: demand points, or square cells of ``cell_km``.

    Each feature carries ``band`` (legend key), ``color``, ``minutes`` (null when unreachable)
    and ``uncovered`` (beyond the largest threshold). A cell takes the ``stat`` of its points'
    minutes: ``"max"`` (default, a cell is inside a circle only if all its points are, so
    uncovered pockets are never hidden) or ``"min"``. Cells are laid on an equirectangular grid
    scaled at the points' mean latitude, accurate to well under 1 % across a city or a county.
    """
    xy = np.asarray(lonlat, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise invalid("lonlat", f"lonlat: 形状应为 (m, 2) / shape must be (m, 2), got {xy.shape}")
    if not np.isfinite(xy).all() or (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
        raise invalid("lonlat", "lonlat: 经纬度越界 / longitude or latitude out of range")
    m = as_vector(minutes, "minutes", xy.shape[0])
    pop = None if population is None else as_weights(population, "population", xy.shape[0])
    legend = bands(thresholds)
    limit = as_thresholds(thresholds)[-1]
    if stat not in ("max", "min"):
        raise invalid("stat", "stat: 应为 max 或 min / must be 'max' or 'min'")
    if cell_km is not None and not (math.isfinite(cell_km) and cell_km > 0):
        raise invalid("cell_km", "cell_km: 须为正数 / must be positive")
    count = np.ones(xy.shape[0], dtype=np.int64)
    if cell_km is None:
        value, people, uncovered_pts = m, pop, (m > limit).astype(np.int64)
        shapes = [
            {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]} for x, y in xy.tolist()
        ]
    else:
        value, people, count, uncovered_pts, shapes = _cells(xy, m, pop, limit, cell_km, stat)
    idx = band_index(value, thresholds)
    features = []
    for i, shape in enumerate(shapes):
        band = legend[idx[i]]
        props: dict[str, Any] = {
            "band": band["band"],
            "color": band["color"],
            "minutes": round(float(value[i]), 1) if math.isfinite(value[i]) else None,
            "uncovered": bool(value[i] > limit),
            "points": int(count[i]),
            "uncovered_points": int(uncovered_pts[i]),
        }
        if people is not None:
            props["population"] = round(float(people[i]), 1)
        features.append({"type": "Feature", "geometry": shape, "properties": props})
    return {
        "type": "FeatureCollection",
        "features": features,
        "legend": legend,
        "thresholds": as_thresholds(thresholds),
        "cell_km": cell_km,
        "stat": stat if cell_km is not None else None,
    }


def _cells(
    xy: np.ndarray,
    minutes: np.ndarray,
    population: np.ndarray | None,
    limit: float,
    cell_km: float,
    stat: str,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Aggregate points to square cells (sorted by cell key, reduced with ``reduceat``)."""
    if xy.shape[0] == 0:
        empty = np.zeros(0)
        return empty, None if population is None else empty, empty.astype(int), empty, []
    lat0 = float(np.radians(xy[:, 1].mean()))
    dlat = cell_km / KM_PER_DEG_LAT
    dlon = cell_km / (KM_PER_DEG_LON_EQUATOR * max(math.cos(lat0), 1e-6))
    lon0, lat_min = xy[:, 0].min(), xy[:, 1].min()
    col = np.floor((xy[:, 0] - lon0) / dlon).astype(np.int64)
    row = np.floor((xy[:, 1] - lat_min) / dlat).astype(np.int64)
    key = col * (int(row.max()) + 1) + row
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    starts = np.flatnonzero(np.r_[True, key_sorted[1:] != key_sorted[:-1]])
    reduce = np.maximum if stat == "max" else np.minimum
    value = reduce.reduceat(minutes[order], starts)
    count = np.diff(np.r_[starts, key_sorted.shape[0]])
    uncovered_pts = np.add.reduceat((minutes[order] > limit).astype(np.int64), starts)
    people = None if population is None else np.add.reduceat(population[order], starts)
    first = order[starts]
    shapes = []
    for c, r in zip(col[first].tolist(), row[first].tolist(), strict=True):
        x0, y0 = float(lon0) + c * dlon, float(lat_min) + r * dlat
        x1, y1 = x0 + dlon, y0 + dlat
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        coords = [[round(x, 6), round(y, 6)] for x, y in ring]
        shapes.append({"type": "Polygon", "coordinates": [coords]})
    return value, people, count, uncovered_pts, shapes


def __getattr__(name: str) -> Any:
    """``coverage.mclp`` / ``coverage.lscp`` / ``coverage.SitingResult`` from ``siting``."""
    if name in ("mclp", "lscp", "SitingResult"):
        from yingji.resources import siting

        return getattr(siting, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
