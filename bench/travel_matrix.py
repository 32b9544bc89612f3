"""Travel-time matrix: 1,000 stations × 100,000 demand points on a synthetic 50k-node city.

The city is ``resources.network.synthetic_city`` (a jittered grid 40 km × 40 km centred on
重庆, 快速路/主干路/次干路/支路 speeds, some one-way streets; SYNTHETIC, since no map can
be downloaded here). Stations and demand points are uniform over the city (seeded). Timed:
building the network, snapping every point, the matrix with the 30-minute limit (entries
beyond it are inf; the issue's target is under 10 s) and without a limit, the nearest-station
search for coverage, all stations to one incident, and the straight-line fallback matrix.
Sizes can be changed with TRAVEL_NODES, TRAVEL_STATIONS, TRAVEL_DEMAND, TRAVEL_LIMIT.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

_CLASS = {60.0: "快速路", 40.0: "主干路", 30.0: "次干路", 20.0: "支路"}


def _as_geojson(net) -> dict:
    """The synthetic city as a road layer (one LineString per edge), to time the importer."""
    features = []
    for a, b, speed, oneway in zip(
        net.edge_from.tolist(),
        net.edge_to.tolist(),
        net.speed_kmh.tolist(),
        net.oneway.tolist(),
        strict=True,
    ):
        coords = [[net.lon[a], net.lat[a]], [net.lon[b], net.lat[b]]]
        props = {"class": _CLASS[speed], "oneway": "yes" if oneway else "no"}
        geometry = {"type": "LineString", "coordinates": coords}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _write_osm(net, path: Path) -> None:
    """The synthetic city as OSM XML (one way per edge, OSM class names)."""
    osm_class = {60.0: "trunk", 40.0: "primary", 30.0: "secondary", 20.0: "residential"}
    with path.open("w", encoding="utf-8") as fh:
        fh.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n")
        for i, (lon, lat) in enumerate(zip(net.lon.tolist(), net.lat.tolist(), strict=True)):
            fh.write(f"<node id='{i + 1}' lon='{lon:.7f}' lat='{lat:.7f}'/>\n")
        edges = zip(
            net.edge_from.tolist(),
            net.edge_to.tolist(),
            net.speed_kmh.tolist(),
            net.oneway.tolist(),
            strict=True,
        )
        for j, (a, b, speed, oneway) in enumerate(edges):
            one = "<tag k='oneway' v='yes'/>" if oneway else ""
            fh.write(
                f"<way id='{j + 1}'><nd ref='{a + 1}'/><nd ref='{b + 1}'/>"
                f"<tag k='highway' v='{osm_class[speed]}'/>{one}</way>\n"
            )
        fh.write("</osm>\n")


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, round(time.perf_counter() - started, 2)


def _write_osm(net, path: Path) -> None:
    """The synthetic city as OSM XML (one way per edge, OSM class names)."""
    osm_class = {60.0: "trunk", 40.0: "primary", 30.0: "secondary", 20.0: "residential"}
    with path.open("w", encoding="utf-8") as fh:
        fh.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n")
        for i, (lon, lat) in enumerate(zip(net.lon.tolist(), net.lat.tolist(), strict=True)):
            fh.write(f"<node id='{i + 1}' lon='{lon:.7f}' lat='{lat:.7f}'/>\n")
        edges = zip(
            net.edge_from.tolist(),
            net.edge_to.tolist(),
            net.speed_kmh.tolist(),
            net.oneway.tolist(),
            strict=True,
        )
        for j, (a, b, speed, oneway) in enumerate(edges):
            one = "<tag k='oneway' v='yes'/>" if oneway else ""
            fh.write(
                f"<way id='{j + 1}'><nd ref='{a + 1}'/><nd ref='{b + 1}'/>"
                f"<tag k='highway' v='{osm_class[speed]}'/>{one}</way>\n"
            )
        fh.write("</osm>\n")


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, round(time.perf_counter() - started, 2)


def run() -> dict:
    from yingji.resources.travel import RoadNetwork, straight_minutes, synthetic_city

    n_nodes = int(os.environ.get("TRAVEL_NODES", 50_000))
    n_src = int(os.environ.get("TRAVEL_STATIONS", 1_000))
    n_dst = int(os.environ.get("TRAVEL_DEMAND", 100_000))
    limit = float(os.environ.get("TRAVEL_LIMIT", 30))
    load = round(os.getloadavg()[0], 2)

    net, build_s = _timed(synthetic_city, n_nodes, 0)
    rng = np.random.default_rng(42)

    def uniform(n: int) -> np.ndarray:
        return np.column_stack(
            [
                rng.uniform(net.lon.min(), net.lon.max(), n),
                rng.uniform(net.lat.min(), net.lat.max(), n),
            ]
        )

    stations, demand = uniform(n_src), uniform(n_dst)
    (_ids, snap_km), snap_s = _timed(net.nearest_nodes, np.vstack([stations, demand]))

    limited, matrix_s = _timed(net.minutes, stations, demand, limit)
    finite_limited = float(np.isfinite(limited).mean())
    matrix_mb = round(limited.nbytes / 2**20)
    del limited
    full, matrix_unlimited_s = _timed(net.minutes, stations, demand)
    finite_full = float(np.isfinite(full).mean())
    column_min = full.min(axis=0)
    median_full = float(np.median(full[:, :: max(1, n_dst // 1000)]))
    del full
    nearest, nearest_s = _timed(net.nearest_minutes, stations, demand)
    to_one, minutes_to_s = _timed(net.minutes_to, demand[0], stations)
    straight, straight_s = _timed(straight_minutes, stations, demand, "road", "urban")
    del straight

    layer = _as_geojson(net)
    imported, geojson_s = _timed(RoadNetwork.from_geojson, layer)
    del layer
    with tempfile.TemporaryDirectory() as tmp:
        osm_path = Path(tmp) / "city.osm"
        _write_osm(net, osm_path)
        osm_mb = round(osm_path.stat().st_size / 2**20, 1)
        from_osm, osm_s = _timed(RoadNetwork.from_osm, osm_path)
    # the importers measure straight segments while the city bends its edges by 0-10 %, so
    # compare the graphs, not the minutes
    same = imported.n_arcs == from_osm.n_arcs == net.n_arcs

    return {
        "network": "synthetic_city (SYNTHETIC grid, 40 km × 40 km)",
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "arcs": net.n_arcs,
        "stations": n_src,
        "demand_points": n_dst,
        "limit_minutes": limit,
        "load_avg_1m_at_start": load,
        "build_s": build_s,
        "snap_s": snap_s,
        "snap_km_median": round(float(np.median(snap_km)), 3),
        "matrix_s": matrix_s,
        "matrix_finite_share": round(finite_limited, 3),
        "matrix_unlimited_s": matrix_unlimited_s,
        "matrix_unlimited_finite_share": round(finite_full, 4),
        "median_minutes_unlimited": round(median_full, 1),
        "matrix_mb": matrix_mb,
        "nearest_s": nearest_s,
        "nearest_matches_matrix": bool(np.allclose(nearest, column_min, rtol=1e-5)),
        "minutes_to_s": minutes_to_s,
        "minutes_to_finite": int(np.isfinite(to_one).sum()),
        "straight_s": straight_s,
        "geojson_import_s": geojson_s,
        "osm_xml_mb": osm_mb,
        "osm_import_s": osm_s,
        "imports_match_network": same,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "under_10s": matrix_s < 10,
    }
