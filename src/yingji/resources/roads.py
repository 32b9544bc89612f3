"""The road network in use: imported once from a GeoJSON road layer or an OSM extract, kept
as arrays under the storage root, and read by dispatch and coverage (travel times then
follow the roads instead of straight lines). Workers on other machines read the same file
when the storage root is shared; a new import replaces the file atomically and every
process reloads it when its modification time changes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from yingji.auth.scope import Actor
from yingji.config import get_settings
from yingji.errors import PermissionDenied, ValidationFailed
from yingji.resources import travel
from yingji.resources.network import RoadNetwork

ARRAYS = ("lon", "lat", "edge_from", "edge_to", "length_m", "speed_kmh", "oneway")
OSM_SUFFIXES = (".osm", ".pbf", ".gz", ".bz2")
_loaded: dict[str, tuple[int, RoadNetwork]] = {}


def path() -> Path:
    return get_settings().storage_root / "roads" / "network.npz"


def save(network: RoadNetwork) -> Path:
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".npz")
    os.close(fd)
    np.savez(tmp, **{name: getattr(network, name) for name in ARRAYS})
    Path(tmp).replace(target)
    return target


def current() -> RoadNetwork | None:
    """The imported network, or None when there is none (straight-line travel then)."""
    target = path()
    try:
        stamp = target.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    key = str(target)
    if key not in _loaded or _loaded[key][0] != stamp:
        with np.load(target, allow_pickle=False) as data:
            _loaded[key] = (stamp, RoadNetwork(*(data[name] for name in ARRAYS)))
    return _loaded[key][1]


def minutes(src_lonlat: Any, dst_lonlat: Any, mode: str = "road") -> np.ndarray:
    """Travel minutes (n, m): by road over the imported network when there is one, else
    straight line × detour ÷ the mode's speed."""
    network = current() if mode == "road" else None
    return travel.travel_minutes(src_lonlat, dst_lonlat, mode, network=network)


def may_import(actor: Actor) -> bool:
    """One network serves the installation, so a city-level (or higher) writer keeps it."""
    return actor.can_write and actor.region_path.count("/") <= 3


def _require_city(actor: Actor) -> None:
    actor.require_write()
    if not may_import(actor):
        raise PermissionDenied("道路网由市级以上导入 / the road network is imported at city level")


def import_file(actor: Actor, source: Path) -> RoadNetwork:
    """Read ``source`` (GeoJSON, or OSM .osm/.osm.gz/.osm.bz2/.pbf), keep it, return it."""
    _require_city(actor)
    name = source.name.lower()
    if name.endswith((".geojson", ".json")):
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValidationFailed(
                f"无法读取 GeoJSON / cannot read GeoJSON: {exc}",
                [{"row": None, "field": "file", "reason": str(exc)}],
            ) from exc
        network = RoadNetwork.from_geojson(data)
    elif name.endswith(OSM_SUFFIXES):
        network = RoadNetwork.from_osm(source)
    else:
        raise ValidationFailed(
            "道路网文件应为 .geojson 或 OSM (.osm/.pbf) / use GeoJSON or OSM",
            [{"row": None, "field": "file", "reason": "unknown file type"}],
        )
    save(network)
    return network


def import_upload(actor: Actor, filename: str, data: bytes) -> RoadNetwork:
    """An uploaded road file: kept under its own name's suffix (which says its format) in a
    scratch folder while it is read, then gone."""
    _require_city(actor)
    if not data:
        raise ValidationFailed(
            "文件为空 / the file is empty", [{"row": None, "field": "file", "reason": "empty"}]
        )
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / (Path(filename or "roads").name or "roads")
        source.write_bytes(data)
        return import_file(actor, source)


def summary() -> dict[str, Any] | None:
    """What the imported network holds (None when travel uses straight lines)."""
    network = current()
    if network is None:
        return None
    stamp = dt.datetime.fromtimestamp(path().stat().st_mtime, dt.UTC)
    return {
        "nodes": int(network.lon.size),
        "edges": int(network.edge_from.size),
        "km": round(float(network.length_m.sum()) / 1000.0, 1),
        "bbox": [
            round(float(network.lon.min()), 5),
            round(float(network.lat.min()), 5),
            round(float(network.lon.max()), 5),
            round(float(network.lat.max()), 5),
        ],
        "imported_at": stamp.isoformat(timespec="seconds"),
    }


def clear(actor: Actor) -> bool:
    """Forget the imported network (travel falls back to straight lines)."""
    _require_city(actor)
    try:
        path().unlink()
    except FileNotFoundError:
        return False
    return True
