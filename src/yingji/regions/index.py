"""Point-in-region and area-overlap queries over region polygons, computed in Python.

The answer comes from the stored WKB through GEOS, so SQLite and PostgreSQL give identical
results and no spatial extension is needed.

*Which regions* — the index for level L is the cut of the region tree at L: every region
whose parent is shallower than L (or that has no parent) and that is either at level ≥ L or
has no children with geometry. That is the level-L regions, plus shallower regions with
nothing below them (东莞 has no counties, so at county level a point in 东莞 resolves to
东莞 itself), plus deeper regions hanging directly under a shallower parent (济源 and
Chongqing's districts sit under their province, so at prefecture level they answer for
themselves). Where the tree is a partition this cut is too.

*Ties* — a point on a shared border, or in an overlap of two polygons, resolves to the
smallest region id among the polygons that contain or touch it ("intersects" semantics).

*Speed* — small batches go straight to an STRtree (bounding boxes) plus a prepared
point-in-polygon test. Large batches (≥ ``GRID_MIN_POINTS``) first build, once per index,
a run-length encoded lon/lat grid (:class:`CellGrid`): cells that no boundary crosses map
straight to their region with two ``numpy`` look-ups; only points in boundary cells take
the STRtree path. Results are identical either way.

*Caching* — built indexes are kept per (database URL, level) and reused while the region
table's version token ``(count(*), max(updated_at), max(id))`` is unchanged. Every write
through this package (ORM or Core) bumps ``updated_at`` or the count, so a stale index is
never used; the token query is one aggregate over the region table. A write that bypasses
``updated_at`` (raw SQL) needs :func:`clear_cache`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from yingji.errors import ValidationFailed
from yingji.regions import geo
from yingji.regions.models import Region

GRID_MIN_POINTS = 20_000
"""Below this many points the STRtree alone is faster than building the grid."""
DEFAULT_CELL_DEG = 0.01
BITMAP_MAX_CELLS = 80_000_000
_BORDER = -2
_NONE = -1
_BIG = np.iinfo(np.int64).max


@dataclass
class CellGrid:
    """Run-length encoded lon/lat grid over a set of polygons.

    Each run of cells in a grid row holds one value: a polygon index (the whole run lies
    inside that polygon, no boundary crosses it), ``-1`` (outside every polygon) or ``-2``
    (a boundary may cross these cells: ask the exact test). A cell is marked "boundary" if
    any boundary segment's bounding box, widened by a hair, touches it; boundaries are
    first split into pieces shorter than half a cell, so every cell a boundary passes
    through is marked.
    """

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    starts: np.ndarray
    values: np.ndarray

    @classmethod
    def build(cls, geoms: np.ndarray, tree: shapely.STRtree, cell: float) -> CellGrid:
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        x0, y0 = x0 - cell, y0 - cell
        nx = int(np.ceil((x1 - x0) / cell)) + 2
        ny = int(np.ceil((y1 - y0) / cell)) + 2
        border = _boundary_cells(geoms, x0, y0, cell, nx, ny)

        # Interior runs: the gaps between consecutive boundary cells of one row. Nothing
        # crosses a gap, so one point decides it. Cells before the first or after the last
        # boundary cell of a row are outside everything.
        cur, nxt = border[:-1], border[1:]
        gap = (nxt - cur > 1) & (nxt // nx == cur // nx)
        gap_start = cur[gap] + 1
        px = x0 + (gap_start % nx + 0.5) * cell
        py = y0 + (gap_start // nx + 0.5) * cell
        owner = _exact(geoms, tree, px, py)

        starts = np.concatenate([border, gap_start, border + 1])
        values = np.concatenate([np.full(len(border), _BORDER), owner, np.full(len(border), _NONE)])
        rank = np.concatenate(
            [np.zeros(len(border)), np.ones(len(gap_start)), np.full(len(border), 2)]
        )
        order = np.lexsort((rank, starts))
        starts, values = starts[order], values[order]
        first = np.ones(len(starts), bool)
        first[1:] = starts[1:] != starts[:-1]
        starts, values = starts[first], values[first]
        change = np.ones(len(starts), bool)
        change[1:] = values[1:] != values[:-1]
        starts = np.concatenate([[0], starts[change]]).astype(np.int64)
        values = np.concatenate([[_NONE], values[change]]).astype(np.int64)
        return cls(x0, y0, cell, nx, ny, starts, values)

    def lookup(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Polygon index, ``-1`` for outside, ``-2`` for "near a boundary, test exactly"."""
        with np.errstate(invalid="ignore"):
            fi = np.floor((lons - self.x0) / self.cell)
            fj = np.floor((lats - self.y0) / self.cell)
        inside = (fi >= 0) & (fi < self.nx) & (fj >= 0) & (fj < self.ny)  # False for NaN
        keys = np.where(inside, fj, 0).astype(np.int64) * self.nx + np.where(inside, fi, 0).astype(
            np.int64
        )
        values = self.values[np.searchsorted(self.starts, keys, side="right") - 1]
        return np.where(inside, values, _NONE)

    @property
    def nbytes(self) -> int:
        return int(self.starts.nbytes + self.values.nbytes)


def _boundary_cells(
    geoms: np.ndarray, x0: float, y0: float, cell: float, nx: int, ny: int
) -> np.ndarray:
    """Sorted keys (``row * nx + col``) of every cell a polygon boundary may touch."""
    lines = shapely.get_parts(shapely.segmentize(shapely.boundary(geoms), cell / 2))
    xy = shapely.get_coordinates(lines)
    ends = np.cumsum(shapely.get_num_coordinates(lines))
    fx = (xy[:, 0] - x0) / cell  # coordinates in cell units
    fy = (xy[:, 1] - y0) / cell
    eps = 1e-6  # of a cell: widen each piece's box so cells it merely grazes count too
    ilo = np.floor(np.minimum(fx[:-1], fx[1:]) - eps).astype(np.int64)
    ihi = np.floor(np.maximum(fx[:-1], fx[1:]) + eps).astype(np.int64)
    jlo = np.floor(np.minimum(fy[:-1], fy[1:]) - eps).astype(np.int64)
    jhi = np.floor(np.maximum(fy[:-1], fy[1:]) + eps).astype(np.int64)
    piece = np.ones(len(ilo), bool)
    piece[ends[:-1] - 1] = False  # last point of one line to first of the next: no piece
    span_i, span_j = ihi - ilo, jhi - jlo
    if len(ilo) and max(int(span_i[piece].max()), int(span_j[piece].max())) > 2:
        raise AssertionError("boundary pieces longer than expected")
    base = jlo * nx + ilo
    wide = np.flatnonzero(piece & ((span_i > 0) | (span_j > 0)))
    extra = [base[piece]]
    for di in range(3):
        for dj in range(3):
            if di or dj:
                m = (span_i[wide] >= di) & (span_j[wide] >= dj)
                extra.append(base[wide][m] + (dj * nx + di))
    keys = np.concatenate(extra)
    if nx * ny <= BITMAP_MAX_CELLS:  # a bitmap is much faster than sorting millions of keys
        mark = np.zeros(nx * ny, dtype=bool)
        mark[keys] = True
        return np.flatnonzero(mark).astype(np.int64)
    return np.unique(keys)


def _exact(geoms: np.ndarray, tree: shapely.STRtree, lons: np.ndarray, lats: np.ndarray) -> Any:
    """Smallest polygon index whose polygon intersects each point, ``-1`` if none: bounding
    boxes from the tree, then a prepared point-in-polygon test per candidate."""
    out = np.full(len(lons), _BIG, dtype=np.int64)
    ok = np.flatnonzero(np.isfinite(lons) & np.isfinite(lats))
    if len(ok) and len(geoms):
        pt, poly = tree.query(shapely.points(lons[ok], lats[ok]))
        hit = shapely.intersects_xy(geoms[poly], lons[ok][pt], lats[ok][pt])
        np.minimum.at(out, ok[pt[hit]], poly[hit])
    out[out == _BIG] = _NONE
    return out


@dataclass
class RegionIndex:
    """Polygons of one level's cut, ordered by region id (so smallest index = smallest id)."""

    level: int
    ids: np.ndarray
    codes: list[str]
    names: list[str]
    paths: list[str]
    geoms: np.ndarray
    tree: shapely.STRtree
    cell: float = DEFAULT_CELL_DEG
    grid: CellGrid | None = None
    _projected: np.ndarray | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def build(cls, session: Session, level: int, cell: float = DEFAULT_CELL_DEG) -> RegionIndex:
        """Load the cut at ``level`` (see the module docstring) and build the STRtree."""
        parent = aliased(Region)
        child = aliased(Region)
        has_child = exists().where(child.parent_id == Region.id, child.geometry.is_not(None))
        rows = session.execute(
            select(Region.id, Region.code, Region.name, Region.path, Region.geometry)
            .outerjoin(parent, Region.parent_id == parent.id)
            .where(
                Region.geometry.is_not(None),
                or_(parent.id.is_(None), parent.level < level),
                or_(Region.level >= level, ~has_child),
            )
            .order_by(Region.id)
        ).all()
        geoms = geo.many_from_wkb([bytes(r.geometry) for r in rows])
        shapely.prepare(geoms)
        return cls(
            level=level,
            ids=np.array([r.id for r in rows], dtype=np.int64),
            codes=[r.code for r in rows],
            names=[r.name for r in rows],
            paths=[r.path for r in rows],
            geoms=geoms,
            tree=shapely.STRtree(geoms),
            cell=cell,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def accelerate(self) -> CellGrid:
        """Build the grid pre-pass now (it is otherwise built by the first large batch)."""
        with self._lock:
            if self.grid is None:
                self.grid = CellGrid.build(self.geoms, self.tree, self.cell)
            return self.grid

    def positions(self, lons: Any, lats: Any, *, use_grid: bool | None = None) -> np.ndarray:
        """Index into this index's arrays for each point (``-1`` if none)."""
        lons = np.asarray(lons, dtype=np.float64).ravel()
        lats = np.asarray(lats, dtype=np.float64).ravel()
        if lons.shape != lats.shape:
            raise ValidationFailed(
                "经度与纬度数量不一致 / lons and lats differ in length",
                [{"row": None, "field": "points", "reason": "length mismatch"}],
            )
        if use_grid is None:
            use_grid = len(lons) >= GRID_MIN_POINTS
        if not len(self.ids):
            return np.full(len(lons), _NONE, dtype=np.int64)
        with self._lock:  # GEOS prepared geometries build lazy state; keep queries serial
            if not use_grid:
                return _exact(self.geoms, self.tree, lons, lats)
            out = self.accelerate().lookup(lons, lats)
            near = np.flatnonzero(out == _BORDER)
            if len(near):
                out[near] = _exact(self.geoms, self.tree, lons[near], lats[near])
            return out

    def locate(self, lons: Any, lats: Any, *, use_grid: bool | None = None) -> np.ndarray:
        """Region id containing each point (``-1`` if none), vectorised."""
        pos = self.positions(lons, lats, use_grid=use_grid)
        if not len(self.ids):
            return pos
        return np.where(pos >= 0, self.ids[np.maximum(pos, 0)], _NONE)

    def locate_one(self, lon: float, lat: float) -> int | None:
        found = int(self.locate([lon], [lat])[0])
        return None if found < 0 else found

    def position_of(self, region_id: int) -> int | None:
        i = int(np.searchsorted(self.ids, region_id))
        return i if i < len(self.ids) and self.ids[i] == region_id else None

    def covering(self, geom: BaseGeometry) -> list[tuple[int, float]]:
        """(region id, share of the region's area inside ``geom``) for every region ``geom``
        overlaps, by region id; areas on the equal-area projection."""
        if geom.geom_type not in geo.POLYGONAL:
            raise ValidationFailed(
                "覆盖范围必须是面 / covering geometry must be a Polygon or MultiPolygon",
                [{"row": None, "field": "geometry", "reason": f"got {geom.geom_type}"}],
            )
        geom = geo.polygonal(geom)
        with self._lock:
            cand = np.sort(self.tree.query(geom, predicate="intersects"))
            if not len(cand):
                return []
            regions = self._projected_at(cand)
        inside = shapely.area(shapely.intersection(regions, geo.to_equal_area(geom)))
        share = np.clip(inside / shapely.area(regions), 0.0, 1.0)
        return [(int(self.ids[i]), float(s)) for i, s in zip(cand, share, strict=True) if s > 0]

    def _projected_at(self, positions: np.ndarray) -> np.ndarray:
        """Equal-area versions of the polygons at ``positions``, projected once and kept."""
        if self._projected is None:
            self._projected = np.full(len(self.geoms), None, dtype=object)
        missing = positions[shapely.is_missing(self._projected[positions])]
        if len(missing):
            self._projected[missing] = geo.to_equal_area(self.geoms[missing])
        return self._projected[positions]


# --- process-level cache -------------------------------------------------------------

_cache: dict[tuple[str, int], tuple[tuple[Any, ...], RegionIndex]] = {}
_cache_lock = threading.Lock()
_build_locks: dict[tuple[str, int], threading.Lock] = {}


def version_token(session: Session) -> tuple[Any, ...]:
    """Changes whenever a region row is added, removed or updated (see module docstring)."""
    row = session.execute(
        select(func.count(), func.max(Region.updated_at), func.max(Region.id))
    ).one()
    return tuple(row)


def _cache_key(session: Session, level: int) -> tuple[str, int]:
    engine = session.get_bind().engine
    url = engine.url.render_as_string(hide_password=True)
    if engine.url.database in (None, "", ":memory:"):
        url += f"#{id(engine)}"  # each in-memory engine is its own database
    return url, level


def get_index(session: Session, level: int) -> RegionIndex:
    """The index for ``level`` on this session's database, rebuilt only when regions changed."""
    key = _cache_key(session, level)
    token = version_token(session)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == token:
            return hit[1]
        build_lock = _build_locks.setdefault(key, threading.Lock())
    with build_lock:  # one build per key at a time; others wait and reuse it
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] == token:
                return hit[1]
        index = RegionIndex.build(session, level)
        with _cache_lock:
            _cache[key] = (token, index)
        return index


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
