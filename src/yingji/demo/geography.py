"""Fictitious sub-county geography: Voronoi cells of random seeds, clipped to their parent.

Pure, vectorised functions over shapely geometry arrays (no database), so a million-person
demo subdivides 38 counties into ~190,000 grids in seconds. Coordinates are WGS 84 lon/lat.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import Geometry

_POLYGONAL = (3, 6)  # shapely type ids: Polygon, MultiPolygon


def sample_points(
    parents: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``counts[i]`` uniform random points inside ``parents[i]``: (x, y, owner), owner-sorted.

    Rejection sampling in each bounding box, all parents at once; each round draws enough
    for the parent's fill ratio so one or two rounds usually suffice.
    """
    shapely.prepare(parents)
    xmin, ymin, xmax, ymax = shapely.bounds(parents).T
    fill = np.clip(
        shapely.area(parents) / np.maximum((xmax - xmin) * (ymax - ymin), 1e-18), 0.02, 1
    )
    need = counts.astype(np.int64).copy()
    xs, ys, owners = [], [], []
    while need.sum() > 0:
        active = np.flatnonzero(need)
        draw = np.ceil(need[active] / fill[active] * 1.3).astype(np.int64) + 4
        owner = np.repeat(active, draw)
        x = rng.uniform(xmin[owner], xmax[owner])
        y = rng.uniform(ymin[owner], ymax[owner])
        inside = shapely.contains_xy(parents[owner], x, y)
        owner, x, y = owner[inside], x[inside], y[inside]
        # keep at most need[i] points per parent: rank of each point within its owner
        first = np.searchsorted(owner, owner, side="left")
        keep = (np.arange(owner.size) - first) < need[owner]
        xs.append(x[keep])
        ys.append(y[keep])
        owners.append(owner[keep])
        need -= np.bincount(owner[keep], minlength=need.size)
    x, y, owner = np.concatenate(xs), np.concatenate(ys), np.concatenate(owners)
    order = np.argsort(owner, kind="stable")
    return x[order], y[order], owner[order]


def _polygonal(geom: Geometry) -> Geometry:
    """Only the polygon parts of a clipped cell (clipping can leave stray lines or points)."""
    if shapely.get_type_id(geom) in _POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in _POLYGONAL]
    return shapely.union_all(parts) if parts else geom


def subdivide(
    parents: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Split each parent into ``counts[i]`` cells covering it: (cells, parent index).

    Cells of one parent come out ordered from its centre outward, so child 001 is the central
    (urban) one, the way a county seat's 街道 get the first township codes.
    """
    counts = np.asarray(counts, dtype=np.int64)
    x, y, owner = sample_points(parents, counts, rng)
    seeds = shapely.multipoints(np.column_stack([x, y]), indices=owner)
    diagrams = shapely.voronoi_polygons(seeds, extend_to=parents)
    cells, index = shapely.get_parts(diagrams, return_index=True)
    got = np.bincount(index, minlength=parents.size)
    whole = np.flatnonzero(got != counts)  # single seeds (and any degenerate diagram)
    if whole.size:
        keep = ~np.isin(index, whole)
        cells, index = cells[keep], index[keep]
        if np.any(counts[whole] != 1):
            raise ValueError("Voronoi diagram lost cells for a parent with several seeds")
        cells = np.concatenate([cells, parents[whole]])
        index = np.concatenate([index, whole])
    cells = shapely.intersection(cells, parents[index])
    odd = np.flatnonzero(~np.isin(shapely.get_type_id(cells), _POLYGONAL))
    for i in odd:
        cells[i] = _polygonal(cells[i])
    centre = shapely.point_on_surface(parents)
    dist = shapely.distance(shapely.centroid(cells), centre[index])
    order = np.lexsort((dist, index))
    return cells[order], index[order]


def split_total(
    totals: np.ndarray, weights: np.ndarray, index: np.ndarray, n_parents: int
) -> np.ndarray:
    """Integers per child summing exactly to its parent's total, proportional to ``weights``.

    Shares are floored and the remainder goes to each parent's first child, so sums survive
    rounding without a per-parent loop.
    """
    wsum = np.bincount(index, weights=weights, minlength=n_parents)
    share = np.floor(totals[index] * weights / np.where(wsum[index] > 0, wsum[index], 1))
    share = share.astype(np.int64)
    rest = totals.astype(np.int64) - np.bincount(index, weights=share, minlength=n_parents).astype(
        np.int64
    )
    first = np.searchsorted(index, np.arange(n_parents))
    has = first < index.size
    share[first[has]] += rest[has]
    return share


def vary(rng: np.random.Generator, mean: int, spread: float, n: int, low: int = 1) -> np.ndarray:
    """``n`` counts around ``mean`` (uniform within +-spread), never below ``low``."""
    if spread <= 0:
        return np.full(n, max(mean, low), dtype=np.int64)
    raw = mean * rng.uniform(1 - spread, 1 + spread, n)
    return np.maximum(np.rint(raw).astype(np.int64), low)
