"""Demo places below the real counties: townships, villages and grids, column-wise.

Each level is one :class:`Level` of parallel arrays; children point at their parent by index,
so codes and population flow down without per-row queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.scope import system_actor
from yingji.demo.catalogue import street_share
from yingji.demo.geography import split_total, subdivide
from yingji.demo.names import TOWNSHIP_STEMS, distinct_picks, village_pool
from yingji.regions import geo
from yingji.regions.models import Region, RegionLevel
from yingji.regions.paths import under
from yingji.regions.service import upsert_regions

SOURCE = "demo"
FALLBACK_DENSITY = 390.0
"""People per km² (Chongqing, 2020 census / area) for a county loaded without population."""


@dataclass
class Level:
    """One level of places; ``parent`` indexes the level above, ``rank`` counts siblings."""

    ids: np.ndarray
    codes: list[str]
    names: list[str]
    parent: np.ndarray
    rank: np.ndarray
    geoms: np.ndarray
    population: np.ndarray
    urban: np.ndarray

    def __len__(self) -> int:
        return len(self.parent)

    def first_child(self, n_parents: int) -> np.ndarray:
        """Index of each parent's first child (children are grouped by parent)."""
        return np.searchsorted(self.parent, np.arange(n_parents))


@dataclass(frozen=True)
class City:
    id: int
    code: str
    name: str
    path: str


def read_counties(
    session: Session, city_code: str, only: Sequence[str] | None
) -> tuple[City, Level]:
    """The city and its counties (ordered by code) as loaded from the boundary data."""
    city_row = session.execute(
        select(Region.id, Region.code, Region.name, Region.path).where(Region.code == city_code)
    ).one()
    city = City(*city_row)
    stmt = (
        select(Region.id, Region.code, Region.name, Region.path, Region.geometry, Region.population)
        .where(
            Region.level == RegionLevel.county,
            under(Region.path, city.path),
        )
        .order_by(Region.code)
    )
    if only:
        stmt = stmt.where(Region.code.in_(list(only)))
    rows = session.execute(stmt).all()
    if not rows or any(r.geometry is None for r in rows):
        raise ValueError(f"counties of {city_code} are missing or have no boundary")
    geoms = geo.many_from_wkb([bytes(r.geometry) for r in rows])
    area = geo.area_km2(geoms)
    pop = np.array(
        [r.population or round(a * FALLBACK_DENSITY) for r, a in zip(rows, area, strict=True)],
        dtype=np.int64,
    )
    n = len(rows)
    level = Level(
        ids=np.array([r.id for r in rows], dtype=np.int64),
        codes=[r.code for r in rows],
        names=[r.name for r in rows],
        parent=np.zeros(n, dtype=np.int64),
        rank=np.arange(n),
        geoms=geoms,
        population=pop,
        urban=np.array([r.name.endswith("区") for r in rows]),
    )
    return city, level


def _child_level(
    rng: np.random.Generator,
    upper: Level,
    counts: np.ndarray,
) -> tuple[Level, np.ndarray]:
    """Cells and ranks of the children of every place in ``upper``; codes, names and
    population are filled by the caller, ids when written. Returns the level and areas."""
    cells, index = subdivide(upper.geoms, counts, rng)
    first = np.searchsorted(index, np.arange(len(upper)))
    rank = np.arange(index.size) - first[index]
    area = geo.area_km2(cells)
    n = index.size
    level = Level(
        ids=np.zeros(n, dtype=np.int64),
        codes=[],
        names=[],
        parent=index,
        rank=rank,
        geoms=cells,
        population=np.zeros(n, dtype=np.int64),
        urban=np.zeros(n, dtype=bool),
    )
    return level, area


def _populate(rng: np.random.Generator, level: Level, upper: Level, area: np.ndarray) -> None:
    """Spread the parents' people over children by area with noise, denser where urban."""
    weights = area * rng.lognormal(0.0, 0.5, len(level)) * np.where(level.urban, 3.0, 1.0)
    level.population = split_total(upper.population, weights, level.parent, len(upper))


def townships(rng: np.random.Generator, counties: Level, counts: np.ndarray) -> Level:
    """街道 near each county's centre, 镇 (and some 乡) further out; codes county + 001..."""
    level, area = _child_level(rng, counties, counts)
    share = np.array(
        [street_share(c, n) for c, n in zip(counties.codes, counties.names, strict=True)]
    )
    streets = np.ceil(counts * share).astype(np.int64)
    level.urban = level.rank < streets[level.parent]
    xiang = ~level.urban & (rng.random(len(level)) < 0.15)
    stems = distinct_picks(rng, counts, len(TOWNSHIP_STEMS))
    parent, rank = level.parent.tolist(), level.rank.tolist()
    level.codes = [f"{counties.codes[p]}{r + 1:03d}" for p, r in zip(parent, rank, strict=True)]
    level.names = [
        TOWNSHIP_STEMS[s] + ("街道" if u else "乡" if x else "镇")
        for s, u, x in zip(stems.tolist(), level.urban.tolist(), xiang.tolist(), strict=True)
    ]
    _populate(rng, level, counties, area)
    return level


def villages(rng: np.random.Generator, towns: Level, counts: np.ndarray) -> Level:
    """社区 under 街道 and at each township's seat, 村 elsewhere; codes township + 001..."""
    level, area = _child_level(rng, towns, counts)
    level.urban = towns.urban[level.parent] | (level.rank == 0)
    pool = village_pool()
    stems = distinct_picks(rng, counts, len(pool))
    parent, rank = level.parent.tolist(), level.rank.tolist()
    level.codes = [f"{towns.codes[p]}{r + 1:03d}" for p, r in zip(parent, rank, strict=True)]
    level.names = [
        pool[s] + ("社区" if u else "村")
        for s, u in zip(stems.tolist(), level.urban.tolist(), strict=True)
    ]
    _populate(rng, level, towns, area)
    return level


def grids(rng: np.random.Generator, vills: Level, counts: np.ndarray) -> Level:
    """第N网格 of each village; codes village code + "-" + 01..."""
    level, area = _child_level(rng, vills, counts)
    level.urban = vills.urban[level.parent]
    parent, rank = level.parent.tolist(), level.rank.tolist()
    level.codes = [f"{vills.codes[p]}-{r + 1:02d}" for p, r in zip(parent, rank, strict=True)]
    level.names = [f"第{r + 1}网格" for r in rank]
    _populate(rng, level, vills, area)
    return level


def write_regions(session: Session, level: Level, upper: Level, depth: int) -> int:
    """Write ``level`` (children of ``upper``) through the regions service and set its ids.

    The service validates codes and nesting, measures area and centroid on the equal-area
    projection, builds paths and audits each region, so demo places obey the same rules as
    imported ones. It costs about a third of the large demo's load time; a plain Core
    insert would be faster, but would duplicate those rules here.
    """
    rows = [
        {
            "code": level.codes[i],
            "name": level.names[i],
            "level": depth,
            "parent_code": upper.codes[p],
            "geometry": level.geoms[i],
            "population": int(level.population[i]),
        }
        for i, p in enumerate(level.parent.tolist())
    ]
    result = upsert_regions(session, system_actor("demo"), rows, source=SOURCE)
    level.ids = np.array([result.ids[c] for c in level.codes], dtype=np.int64)
    return len(rows)
