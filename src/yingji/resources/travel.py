"""Travel time (行程时间) for rescue forces: road, air and on foot.

Two ways to get minutes from stations to places:

* ``straight_minutes``: great-circle km × detour ÷ speed × 60 (+ a fixed launch time for
  aircraft), with speeds and detour factors per mode and terrain from
  ``data/travel_defaults.csv`` (sources in ``data/README.md``). Used for air and foot, and for
  road wherever no road network has been imported.
* ``RoadNetwork`` (``network.py``): shortest paths over an imported road layer (GeoJSON or
  OpenStreetMap ``.osm``/``.pbf``) with speeds by road class; ``travel_minutes`` picks it for
  road when one is given.

Engine choice, measured on ``network.synthetic_city`` (50,176 nodes, 181,496 arcs), 1,000
stations × 100,000 demand points, on 2 shared cores with other jobs running (load ~1.7-3.9):

* scipy ``csgraph.dijkstra`` (chosen): the whole matrix in 6.8-7.9 s with a 30-minute limit
  and 10.4-12.5 s without (one Dijkstra per station, 64 at a time, then ``np.take`` of the demand
  points' nodes: ``dist[:, ids]`` alone had cost 3 s more). Nearest station for all 100,000
  points in 0.1-0.2 s (one multi-source search), all stations to one incident in 0.02 s.
* pandana 0.8 (installs from a wheel, keeps numpy 2.4, but pulls in pandas, tables, blosc2
  and scikit-learn): contraction hierarchy built in 6.7 s, then no many-to-many query. Its
  pairwise ``shortest_path_lengths`` costs 11.6 µs a pair (1e8 pairs ≈ 1,160 s), and its
  one-to-many ``nodes_in_range`` 27 s with 30 minutes, 53 s without.
* igraph ``distances`` (32 s) and networkit ``SPSP`` (30-40 s), measured on an earlier
  prototype grid of the same size, were slower than scipy there (12 s).

scipy is maintained, already installed (spopt needs it) and gives exact answers, so it is the
engine. Without a limit the matrix misses the 10 s target on this shared machine; the limit
(30 minutes, the longest road response promise in the issue) is what meets it. OSM ``.pbf``
is read with pyosmium (``osmium`` 4.3 installs from a wheel); ``.osm`` XML needs only lxml.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from yingji.errors import invalid
from yingji.resources.network import (
    ACCESS_KMH,
    CLASS_SPEEDS,
    EARTH_RADIUS_KM,
    RoadNetwork,
    as_lonlat,
    synthetic_city,
)

__all__ = [
    "ACCESS_KMH",
    "CLASS_SPEEDS",
    "MODES",
    "TERRAINS",
    "RoadNetwork",
    "TravelDefault",
    "defaults",
    "haversine_km",
    "straight_minutes",
    "synthetic_city",
    "travel_minutes",
]

MODES = ("road", "air", "foot")
TERRAINS = ("default", "plain", "hills", "mountains", "urban")
DATA = Path(__file__).parent / "data" / "travel_defaults.csv"
_CHUNK_CELLS = 4_000_000  # doubles per temporary block in straight_minutes (~32 MB)


@dataclass(frozen=True)
class TravelDefault:
    """One row of ``travel_defaults.csv``."""

    mode: str
    terrain: str
    speed_kmh: float
    detour: float
    fixed_min: float
    source: str


@cache
def defaults() -> dict[tuple[str, str], TravelDefault]:
    """Speeds and detour factors per (mode, terrain); every mode has every terrain."""
    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    table = {
        (r["mode"], r["terrain"]): TravelDefault(
            r["mode"],
            r["terrain"],
            float(r["speed_kmh"]),
            float(r["detour"]),
            float(r["fixed_min"]),
            r["source"],
        )
        for r in rows
    }
    missing = [(m, t) for m in MODES for t in TERRAINS if (m, t) not in table]
    if missing:
        raise RuntimeError(f"travel_defaults.csv lacks {missing}")
    return table


def lookup(mode: str, terrain: str = "default") -> TravelDefault:
    """The defaults for a mode and terrain, or a ValidationFailed naming the bad field."""
    if mode not in MODES:
        raise invalid("mode", f"未知出行方式 / unknown mode {mode!r}; one of {', '.join(MODES)}")
    if terrain not in TERRAINS:
        raise invalid(
            "terrain", f"未知地形 / unknown terrain {terrain!r}; one of {', '.join(TERRAINS)}"
        )
    return defaults()[(mode, terrain)]


def _halves(lonlat: np.ndarray) -> tuple[np.ndarray, ...]:
    half = np.radians(lonlat) / 2.0
    s, c = np.sin(half), np.cos(half)
    return s[:, 0], c[:, 0], s[:, 1], c[:, 1], np.cos(2.0 * half[:, 1])


def haversine_km(src_lonlat: Any, dst_lonlat: Any) -> np.ndarray:
    """Great-circle km between every source and every destination, (n, m) float64.

    The haversine formula with sin((b-a)/2) expanded as sin(b/2)cos(a/2) - cos(b/2)sin(a/2),
    so no sine is taken per pair and equal points give exactly 0 (the unit-vector dot product
    is faster to write but loses ~0.1 m to rounding near zero).
    """
    src = _halves(as_lonlat(src_lonlat, "src_lonlat"))
    return _haversine(src, _halves(as_lonlat(dst_lonlat, "dst_lonlat")))


def _haversine(src: tuple[np.ndarray, ...], dst: tuple[np.ndarray, ...]) -> np.ndarray:
    slo1, clo1, sla1, cla1, cos1 = (v[:, None] for v in src)
    slo2, clo2, sla2, cla2, cos2 = (v[None, :] for v in dst)
    dlat = sla2 * cla1
    dlat -= cla2 * sla1
    dlon = slo2 * clo1
    dlon -= clo2 * slo1
    dlat *= dlat
    dlon *= dlon
    dlon *= cos1 * cos2
    dlat += dlon  # sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)
    np.sqrt(dlat, out=dlat)
    np.minimum(dlat, 1.0, out=dlat)
    np.arcsin(dlat, out=dlat)
    dlat *= 2.0 * EARTH_RADIUS_KM
    return dlat


def straight_minutes(
    src_lonlat: Any,
    dst_lonlat: Any,
    mode: str,
    terrain: str = "default",
    *,
    limit_minutes: float | None = None,
) -> np.ndarray:
    """Straight-line travel minutes, (n, m) float32: fixed + km × detour ÷ speed × 60.

    Blocks of source rows keep the float64 temporaries near 32 MB whatever n × m is; entries
    over ``limit_minutes`` are ``inf``.
    """
    d = lookup(mode, terrain)
    src = as_lonlat(src_lonlat, "src_lonlat")
    dst = as_lonlat(dst_lonlat, "dst_lonlat")
    out = np.empty((len(src), len(dst)), dtype=np.float32)
    per_km = d.detour / d.speed_kmh * 60.0
    step = max(1, _CHUNK_CELLS // max(1, len(dst)))
    src_h, dst_h = _halves(src), _halves(dst)
    for start in range(0, len(src), step):
        block = _haversine(tuple(v[start : start + step] for v in src_h), dst_h)
        block *= per_km
        block += d.fixed_min
        out[start : start + step] = block
    if limit_minutes is not None:
        out[out > float(limit_minutes)] = np.inf
    return out


def travel_minutes(
    src_lonlat: Any,
    dst_lonlat: Any,
    mode: str = "road",
    terrain: str = "default",
    *,
    network: RoadNetwork | None = None,
    limit_minutes: float | None = None,
) -> np.ndarray:
    """Minutes (n, m): over ``network`` for road when one is given, else straight-line."""
    if mode == "road" and network is not None:
        return network.minutes(src_lonlat, dst_lonlat, limit_minutes)
    return straight_minutes(src_lonlat, dst_lonlat, mode, terrain, limit_minutes=limit_minutes)
