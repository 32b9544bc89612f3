"""Road networks for travel times: a directed graph of minutes, shortest paths by Dijkstra.

``RoadNetwork`` holds nodes (lon, lat) and edges (from, to, length, speed, one-way) and answers
the three questions the resources module asks: a stations × demand matrix (``minutes``), all
stations to one incident (``minutes_to``) and the nearest station for every demand point
(``nearest_minutes``). Points off the network walk to their nearest node at ``access_kmh``.
The engine choice (scipy's Dijkstra, not pandana's contraction hierarchies) is explained in
``travel``'s docstring with the measurements behind it.

Road layers come from GeoJSON (``from_geojson``) or OpenStreetMap (``from_osm``: ``.osm`` XML
parsed with lxml, ``.pbf`` read with pyosmium). Both keep only intersections and line ends as
nodes; the vertices in between add to the edge's length, which keeps the graph small.
"""

from __future__ import annotations

import bz2
import gzip
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from yingji.errors import ValidationFailed, invalid

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), used for every great-circle distance in this package."""

ACCESS_KMH = 20.0
"""Speed for the stretch between a point and its nearest network node (yards, lanes and
driveways missing from the layer): the lower end of a local street's design speed."""

CLASS_SPEEDS: dict[str, float] = {
    # Urban road classes of GB/T 51328-2018 (城市综合交通体系规划标准) §12.2; design speeds there
    # are 快速路 60-100, 主干路 40-60, 次干路 30-50, 支路 20-30 km/h. Emergency vehicles are
    # assumed to run at the lower end (mixed traffic, junctions).
    "快速路": 60.0,
    "主干路": 40.0,
    "次干路": 30.0,
    "支路": 20.0,
    # Highway grades of JTG B01-2014 (公路工程技术标准); design speeds 高速 80-120, 一级 60-100,
    # 二级 40-80, 三级 30-40, 四级 20-30 km/h; heavy rescue vehicles are limited to about 80.
    "高速公路": 80.0,
    "一级公路": 60.0,
    "二级公路": 50.0,
    "三级公路": 30.0,
    "四级公路": 20.0,
    # Administrative road classes, mapped to their usual grade.
    "国道": 60.0,
    "省道": 50.0,
    "县道": 30.0,
    "乡道": 20.0,
    "村道": 15.0,
    # OpenStreetMap highway=* values (China tagging: motorway = 高速/快速路, trunk = 国道/快速路,
    # primary = 主干路/省道, secondary = 次干路/县道, tertiary and below = 支路/乡村道路).
    "motorway": 80.0,
    "trunk": 60.0,
    "primary": 40.0,
    "secondary": 30.0,
    "tertiary": 30.0,
    "unclassified": 20.0,
    "residential": 20.0,
    "road": 20.0,
    "motorway_link": 40.0,
    "trunk_link": 30.0,
    "primary_link": 30.0,
    "secondary_link": 25.0,
    "tertiary_link": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "track": 10.0,
}
"""Default speed (km/h) by road class; a feature's own speed or ``maxspeed`` can override."""

_EPS_MIN = 1e-9  # scipy's sparse graphs drop zero weights: a zero-length edge gets this instead


def unit_xyz(lonlat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, so that Euclidean (chord) distances order like great circles."""
    lon = np.radians(lonlat[:, 0])
    lat = np.radians(lonlat[:, 1])
    coslat = np.cos(lat)
    return np.column_stack([coslat * np.cos(lon), coslat * np.sin(lon), np.sin(lat)])


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))


def segment_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance (km) between paired points."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def as_lonlat(points: Any, field: str = "lonlat") -> np.ndarray:
    """An (n, 2) float array of finite lon/lat, or a ValidationFailed naming the field."""
    arr = np.asarray(points, dtype=float)
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim == 1 and arr.size == 2:
        arr = arr.reshape(1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise invalid(
            field, f"坐标应为 (n, 2) 经纬度数组 / expected an (n, 2) lon/lat array, got {arr.shape}"
        )
    bad = ~np.isfinite(arr).all(axis=1) | (np.abs(arr[:, 0]) > 180) | (np.abs(arr[:, 1]) > 90)
    if bad.any():
        rows = np.flatnonzero(bad)[:20].tolist()
        raise ValidationFailed(
            "经纬度无效 / invalid lon/lat",
            [{"row": int(i), "field": field, "reason": "lon/lat out of range"} for i in rows],
        )
    return arr


class RoadNetwork:
    """A directed road graph weighted by minutes; see the module docstring."""

    def __init__(
        self,
        lon: Any,
        lat: Any,
        edge_from: Any,
        edge_to: Any,
        length_m: Any,
        speed_kmh: Any,
        oneway: Any = None,
        *,
        access_kmh: float = ACCESS_KMH,
        max_snap_km: float | None = None,
    ) -> None:
        self.lon = np.asarray(lon, dtype=float)
        self.lat = np.asarray(lat, dtype=float)
        self.edge_from = np.asarray(edge_from, dtype=np.int64)
        self.edge_to = np.asarray(edge_to, dtype=np.int64)
        self.length_m = np.asarray(length_m, dtype=float)
        m = self.edge_from.size
        speed = np.asarray(speed_kmh, dtype=float)
        self.speed_kmh = np.full(m, float(speed)) if speed.ndim == 0 else speed
        ow = np.asarray(False if oneway is None else oneway, dtype=bool)
        self.oneway = np.full(m, bool(ow)) if ow.ndim == 0 else ow
        self.access_kmh = float(access_kmh)
        self.max_snap_km = max_snap_km
        self._check()
        n = self.lon.size
        fwd_min = self.length_m / 1000.0 / self.speed_kmh * 60.0
        two = ~self.oneway
        u = np.concatenate([self.edge_from, self.edge_to[two]])
        v = np.concatenate([self.edge_to, self.edge_from[two]])
        w = np.maximum(np.concatenate([fwd_min, fwd_min[two]]), _EPS_MIN)
        keep = u != v
        u, v, w = u[keep], v[keep], w[keep]
        # parallel edges: keep the fastest (a sparse matrix would add them up)
        order = np.lexsort((w, v, u))
        u, v, w = u[order], v[order], w[order]
        first = np.ones(u.size, dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        self._u, self._v, self._w = u[first], v[first], w[first]
        if not self._u.size:
            raise invalid("edges", "道路网没有可通行的边 / the road network has no usable edge")
        self.graph = csr_matrix((self._w, (self._u, self._v)), shape=(n, n))
        self._reverse: csr_matrix | None = None
        connected = np.zeros(n, dtype=bool)
        connected[self._u] = True
        connected[self._v] = True
        self._snap_ids = np.flatnonzero(connected)
        self._tree = cKDTree(unit_xyz(np.column_stack([self.lon, self.lat])[self._snap_ids]))

    def _check(self) -> None:
        n, m = self.lon.size, self.edge_from.size
        problems: list[dict[str, Any]] = []
        if self.lat.shape != self.lon.shape:
            problems.append({"field": "lat", "reason": "lon and lat differ in length"})
        for name in ("edge_from", "edge_to", "length_m", "speed_kmh", "oneway"):
            if getattr(self, name).shape != (m,):
                problems.append({"field": name, "reason": f"expected {m} values"})
        if problems:
            raise ValidationFailed(
                "道路网数组长度不一致 / road network arrays differ in length", problems
            )
        checks = [
            ("lon", ~np.isfinite(self.lon) | (np.abs(self.lon) > 180), "lon out of range"),
            ("lat", ~np.isfinite(self.lat) | (np.abs(self.lat) > 90), "lat out of range"),
            ("edge_from", (self.edge_from < 0) | (self.edge_from >= n), "node index out of range"),
            ("edge_to", (self.edge_to < 0) | (self.edge_to >= n), "node index out of range"),
            ("length_m", ~np.isfinite(self.length_m) | (self.length_m < 0), "length must be >= 0"),
            (
                "speed_kmh",
                ~np.isfinite(self.speed_kmh) | (self.speed_kmh <= 0),
                "speed must be > 0",
            ),
        ]
        for field, bad, reason in checks:
            problems += [
                {"row": int(i), "field": field, "reason": reason} for i in np.flatnonzero(bad)[:20]
            ]
        if m == 0:
            problems.append({"field": "edges", "reason": "a road network needs at least one edge"})
        if problems:
            raise ValidationFailed("道路网数据无效 / invalid road network", problems)

    @property
    def n_nodes(self) -> int:
        return int(self.lon.size)

    @property
    def n_edges(self) -> int:
        return int(self.edge_from.size)

    @property
    def n_arcs(self) -> int:
        """Directed arcs after two-way edges are doubled and parallel ones merged."""
        return int(self._u.size)

    # ---- snapping ---------------------------------------------------------------------------

    def nearest_nodes(self, lonlat: Any) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node with at least one edge for each point, and the great-circle km to it."""
        pts = as_lonlat(lonlat)
        if not len(pts):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        chord, idx = self._tree.query(unit_xyz(pts))
        return self._snap_ids[idx].astype(np.int64), chord_to_km(chord)

    def _access(self, lonlat: Any) -> tuple[np.ndarray, np.ndarray]:
        """Snapped node ids and access minutes (inf beyond ``max_snap_km``)."""
        ids, km = self.nearest_nodes(lonlat)
        minutes = km / self.access_kmh * 60.0
        if self.max_snap_km is not None:
            minutes[km > self.max_snap_km] = np.inf
        return ids, minutes

    # ---- queries ----------------------------------------------------------------------------

    def minutes(
        self,
        src_lonlat: Any,
        dst_lonlat: Any,
        limit_minutes: float | None = None,
        *,
        chunk: int = 64,
    ) -> np.ndarray:
        """Travel minutes from every source to every destination, (n, m) float32.

        One Dijkstra per source, bounded by ``limit_minutes`` (entries over the limit, or
        unreachable, are ``inf``), ``chunk`` sources at a time, which bounds the memory besides
        the result to ``chunk`` × nodes doubles.
        """
        src_ids, src_acc = self._access(src_lonlat)
        dst_ids, dst_acc = self._access(dst_lonlat)
        limit = np.inf if limit_minutes is None else float(limit_minutes)
        out = np.empty((src_ids.size, dst_ids.size), dtype=np.float32)
        if not out.size:
            return out
        dst_acc32 = dst_acc.astype(np.float32)
        for start in range(0, src_ids.size, chunk):
            stop = min(start + chunk, src_ids.size)
            dist = dijkstra(self.graph, indices=src_ids[start:stop], limit=limit)
            block = out[start:stop]
            # np.take from float32 into the result rows is ~5x faster than dist[:, dst_ids]
            np.take(dist.astype(np.float32), dst_ids, axis=1, out=block)
            block += dst_acc32
            block += src_acc[start:stop, None].astype(np.float32)
            if limit_minutes is not None:
                block[block > limit] = np.inf
        return out

    def minutes_to(
        self, dst_lonlat: Any, src_lonlat: Any, limit_minutes: float | None = None
    ) -> np.ndarray:
        """Minutes from every source to one destination (an incident), (n,): one search over
        the reversed graph instead of one per source."""
        dst_ids, dst_acc = self._access(dst_lonlat)
        if dst_ids.size != 1:
            raise invalid(
                "dst_lonlat", f"需要一个目的地 / expected one destination, got {dst_ids.size}"
            )
        src_ids, src_acc = self._access(src_lonlat)
        if self._reverse is None:
            self._reverse = self.graph.transpose().tocsr()
        limit = np.inf if limit_minutes is None else float(limit_minutes)
        dist = dijkstra(self._reverse, indices=int(dst_ids[0]), limit=limit)
        out = (dist[src_ids] + src_acc + dst_acc[0]).astype(np.float32)
        if limit_minutes is not None:
            out[out > limit] = np.inf
        return out

    def nearest_minutes(
        self,
        src_lonlat: Any,
        dst_lonlat: Any,
        limit_minutes: float | None = None,
        *,
        return_source: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Minutes from the nearest source to every destination, (m,), by one multi-source
        search; with ``return_source`` also that source's index (-1 where none reaches).

        Each source gets a virtual node linked to its snapped node by its access time, so
        sources sharing a node, or far from the road, compete fairly.
        """
        src_ids, src_acc = self._access(src_lonlat)
        dst_ids, dst_acc = self._access(dst_lonlat)
        m = dst_ids.size
        if src_ids.size == 0 or m == 0:
            empty = np.full(m, np.inf, dtype=np.float32)
            return (empty, np.full(m, -1, dtype=np.int64)) if return_source else empty
        n, k = self.n_nodes, src_ids.size
        ok = np.isfinite(src_acc)
        virt = n + np.arange(k)
        graph = csr_matrix(
            (
                np.concatenate([self._w, src_acc[ok] + _EPS_MIN]),
                (np.concatenate([self._u, virt[ok]]), np.concatenate([self._v, src_ids[ok]])),
            ),
            shape=(n + k, n + k),
        )
        limit = np.inf if limit_minutes is None else float(limit_minutes)
        dist, _pred, origin = dijkstra(
            graph, indices=virt, limit=limit, min_only=True, return_predecessors=True
        )
        # every path starts on exactly one virtual arc: take its epsilon back off
        out = (np.maximum(dist[dst_ids] - _EPS_MIN, 0.0) + dst_acc).astype(np.float32)
        if limit_minutes is not None:
            out[out > limit] = np.inf
        if not return_source:
            return out
        source = np.where(np.isfinite(out), origin[dst_ids] - n, -1).astype(np.int64)
        return out, source

    # ---- importers --------------------------------------------------------------------------

    @classmethod
    def from_geojson(
        cls,
        data: dict[str, Any],
        speeds: dict[str, float] | None = None,
        *,
        decimals: int = 6,
        access_kmh: float = ACCESS_KMH,
    ) -> RoadNetwork:
        """A road layer: a FeatureCollection of LineString/MultiLineString features.

        Properties: ``highway`` or ``class`` (road class, looked up in ``speeds`` then
        ``CLASS_SPEEDS``), optional ``speed_kmh`` (overrides the class), optional ``oneway``
        (yes/true/1, -1 for against the drawing direction). Line ends and vertices shared by
        two lines (coordinates rounded to ``decimals``) become nodes. Every bad feature is
        reported at once: ``{"row": feature index, "field", "reason"}``.
        """
        table = {**CLASS_SPEEDS, **(speeds or {})}
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise invalid(
                "type", "需要 GeoJSON FeatureCollection / expected a GeoJSON FeatureCollection"
            )
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise invalid("features", "道路图层为空 / the road layer has no features")
        problems: list[dict[str, Any]] = []
        lines: list[tuple[list[tuple[float, float]], float, int]] = []
        for i, feature in enumerate(features):
            found = _geojson_feature(i, feature, table, decimals)
            if isinstance(found, dict):
                problems.append(found)
            else:
                lines.extend(found)
        if problems:
            raise ValidationFailed(
                f"道路图层有 {len(problems)} 处错误 / road layer: {len(problems)} problem(s)",
                problems[:200],
            )
        return _from_lines(lines, access_kmh=access_kmh)

    @classmethod
    def from_osm(
        cls,
        path: str | Path,
        speeds: dict[str, float] | None = None,
        *,
        access_kmh: float = ACCESS_KMH,
    ) -> RoadNetwork:
        """OpenStreetMap roads: ``.osm`` (or ``.osm.gz``/``.bz2``) by lxml, ``.pbf`` by pyosmium.

        Keeps ways whose ``highway`` value has a speed (``speeds`` over ``CLASS_SPEEDS``); speed
        is the class speed, lowered to ``maxspeed`` when that is smaller; ``oneway=yes|1|true|-1``,
        and motorways and roundabouts are one-way unless tagged ``oneway=no``.
        """
        path = Path(path)
        if not path.is_file():
            raise invalid("path", f"找不到文件 / no such file: {path}")
        table = {**CLASS_SPEEDS, **(speeds or {})}
        name = path.name.lower()
        if name.endswith(".pbf"):
            ways, coords = _read_pbf(path, table)
        elif name.endswith((".osm", ".osm.gz", ".osm.bz2", ".xml")):
            ways, coords = _read_osm_xml(path, table)
        else:
            raise invalid("path", "需要 .osm 或 .pbf 文件 / expected an .osm or .pbf file")
        lines = []
        for refs, tags in ways:
            speed = _osm_speed(tags, table)
            direction = _osm_oneway(tags)
            for piece in _split_missing(refs, coords):
                pts = [coords[r] for r in piece]
                lines.append((pts[::-1] if direction < 0 else pts, speed, abs(direction)))
        if not lines:
            raise invalid("path", "文件中没有可用道路 / no usable highway=* ways in the file")
        return _from_lines(lines, access_kmh=access_kmh)


# ---- GeoJSON ------------------------------------------------------------------------------

_TRUE = {"yes", "true", "1", True}
_FALSE = {"no", "false", "0", False, None, ""}


def _oneway_value(value: Any) -> int | None:
    """1 = one-way along the line, -1 = against it, 0 = two-way, None = not understood."""
    if isinstance(value, (list, dict)):
        return None
    key = value.strip().lower() if isinstance(value, str) else value
    if key in _TRUE:
        return 1
    if key in ("-1", -1, "reverse"):
        return -1
    if key in _FALSE:
        return 0
    return None


def _geojson_feature(
    i: int, feature: Any, table: dict[str, float], decimals: int
) -> dict[str, Any] | list[tuple[list[tuple[float, float]], float, int]]:
    """A feature's lines with (points, speed, oneway), or the first problem found in it."""

    def bad(field: str, reason: str) -> dict[str, Any]:
        return {"row": i, "field": field, "reason": reason}

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return bad("type", "不是 GeoJSON Feature / not a GeoJSON Feature")
    geom = feature.get("geometry") or {}
    props = feature.get("properties") or {}
    gtype = geom.get("type") if isinstance(geom, dict) else None
    if gtype not in ("LineString", "MultiLineString"):
        return bad(
            "geometry.type", f"需要 LineString/MultiLineString / expected a line, got {gtype!r}"
        )
    parts = geom.get("coordinates")
    parts = [parts] if gtype == "LineString" else parts
    if not isinstance(parts, list) or not parts:
        return bad("geometry.coordinates", "坐标为空 / no coordinates")
    cls = props.get("highway", props.get("class"))
    speed: Any = props.get("speed_kmh")
    if speed is not None:
        try:
            speed = float(speed)
        except (TypeError, ValueError):
            return bad("properties.speed_kmh", f"车速不是数字 / speed is not a number: {speed!r}")
        if not math.isfinite(speed) or speed <= 0:
            return bad("properties.speed_kmh", f"车速须大于 0 / speed must be > 0: {speed}")
    elif cls is None or cls == "":
        return bad("properties.highway", "缺少道路等级 / missing road class (highway or class)")
    elif str(cls) not in table:
        return bad(
            "properties.highway",
            f"未知道路等级 / unknown road class {cls!r}: add it to speeds or give speed_kmh",
        )
    else:
        speed = table[str(cls)]
    direction = _oneway_value(props.get("oneway"))
    if direction is None:
        return bad(
            "properties.oneway", f"无法识别的单行标记 / unrecognised oneway {props.get('oneway')!r}"
        )
    out = []
    for part in parts:
        try:
            pts = [(round(float(p[0]), decimals), round(float(p[1]), decimals)) for p in part]
        except (TypeError, ValueError, IndexError):
            return bad(
                "geometry.coordinates", "坐标应为 [经度, 纬度] / positions must be [lon, lat]"
            )
        if len(pts) < 2:
            return bad(
                "geometry.coordinates", "线至少需要两个点 / a line needs at least two points"
            )
        if any(not (abs(x) <= 180 and abs(y) <= 90) for x, y in pts):
            return bad("geometry.coordinates", "经纬度超出范围 / lon/lat out of range")
        out.append((pts[::-1] if direction < 0 else pts, speed, abs(direction)))
    return out


def _from_lines(
    lines: list[tuple[list[tuple[float, float]], float, int]], *, access_kmh: float
) -> RoadNetwork:
    """Nodes at line ends and shared vertices; each piece between nodes becomes one edge."""
    uses: dict[tuple[float, float], int] = {}
    for pts, _speed, _oneway in lines:
        for p in pts:
            uses[p] = uses.get(p, 0) + 1
        for p in (pts[0], pts[-1]):
            uses[p] += 1  # an end always counts as a node
    node_of: dict[tuple[float, float], int] = {}
    frm, to, length, speed, oneway = [], [], [], [], []
    for pts, spd, ow in lines:
        arr = np.asarray(pts)
        seg = segment_km(arr[:-1, 0], arr[:-1, 1], arr[1:, 0], arr[1:, 1]) * 1000.0
        start, acc = 0, 0.0
        for j in range(1, len(pts)):
            acc += float(seg[j - 1])
            if uses[pts[j]] > 1 or j == len(pts) - 1:
                a = node_of.setdefault(pts[start], len(node_of))
                b = node_of.setdefault(pts[j], len(node_of))
                frm.append(a)
                to.append(b)
                length.append(acc)
                speed.append(spd)
                oneway.append(bool(ow))
                start, acc = j, 0.0
    coords = np.array(list(node_of), dtype=float).reshape(-1, 2)
    return RoadNetwork(
        coords[:, 0], coords[:, 1], frm, to, length, speed, oneway, access_kmh=access_kmh
    )


# ---- OpenStreetMap ------------------------------------------------------------------------

_IMPLIED_ONEWAY = {"motorway"}


def _osm_oneway(tags: dict[str, str]) -> int:
    value = tags.get("oneway")
    if value is None:
        implied = tags.get("highway") in _IMPLIED_ONEWAY or tags.get("junction") == "roundabout"
        return 1 if implied else 0
    return _oneway_value(value) or 0


def _osm_speed(tags: dict[str, str], table: dict[str, float]) -> float:
    speed = table[tags["highway"]]
    m = re.match(r"\s*(\d+(?:\.\d+)?)\s*(mph)?", tags.get("maxspeed", ""))
    if m:
        limit = float(m.group(1)) * (1.609344 if m.group(2) else 1.0)
        if limit > 0:
            speed = min(speed, limit)
    return speed


def _split_missing(refs: list[int], coords: dict[int, tuple[float, float]]) -> Iterator[list[int]]:
    """Runs of a way's nodes present in the file (extracts clip ways at their border)."""
    run: list[int] = []
    for r in refs:
        if r in coords:
            run.append(r)
            continue
        if len(run) >= 2:
            yield run
        run = []
    if len(run) >= 2:
        yield run


def _open_xml(path: Path):
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    return path.open("rb")


def _iter_xml(path: Path, tag: str) -> Iterable[Any]:
    """The file's ``tag`` elements, freeing every top-level element once read."""
    from lxml import etree

    with _open_xml(path) as fh:
        try:
            for _event, el in etree.iterparse(
                fh,
                events=("end",),
                tag=("node", "way", "relation"),
                resolve_entities=False,
                no_network=True,
            ):
                if el.tag == tag:
                    yield el
                el.clear(keep_tail=False)
                while el.getprevious() is not None:
                    del el.getparent()[0]
        except etree.XMLSyntaxError as exc:
            raise invalid("path", f"OSM XML 格式错误 / malformed OSM XML: {exc}") from exc


def _read_osm_xml(
    path: Path, table: dict[str, float]
) -> tuple[list[tuple[list[int], dict[str, str]]], dict[int, tuple[float, float]]]:
    """Two passes: highway ways first, then only the nodes they use."""
    ways = []
    for el in _iter_xml(path, "way"):
        tags = {t.get("k"): t.get("v") for t in el.iterfind("tag")}
        if tags.get("highway") in table and tags.get("area") != "yes":
            refs = [int(nd.get("ref")) for nd in el.iterfind("nd")]
            if len(refs) >= 2:
                ways.append((refs, tags))
    wanted = {r for refs, _ in ways for r in refs}
    coords = {}
    for el in _iter_xml(path, "node"):
        nid = int(el.get("id"))
        if nid in wanted:
            coords[nid] = (float(el.get("lon")), float(el.get("lat")))
    return ways, coords


def _read_pbf(
    path: Path, table: dict[str, float]
) -> tuple[list[tuple[list[int], dict[str, str]]], dict[int, tuple[float, float]]]:
    try:
        import osmium
    except ImportError as exc:  # pragma: no cover - osmium is a project dependency
        raise invalid(
            "path", "读取 .pbf 需要 osmium / reading .pbf needs the osmium package"
        ) from exc
    ways = []
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        tags = dict(way.tags)
        if tags.get("highway") in table and tags.get("area") != "yes" and len(way.nodes) >= 2:
            ways.append(([n.ref for n in way.nodes], tags))
    wanted = {r for refs, _ in ways for r in refs}
    coords = {}
    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        if node.id in wanted and node.location.valid():
            coords[node.id] = (node.location.lon, node.location.lat)
    return ways, coords


# ---- synthetic city -----------------------------------------------------------------------


def synthetic_city(
    n_nodes: int = 50_000,
    seed: int = 0,
    *,
    extent_km: float = 40.0,
    center: tuple[float, float] = (106.55, 29.56),
) -> RoadNetwork:
    """A SYNTHETIC city for tests and benchmarks (no map can be downloaded here).

    A jittered square grid of about ``n_nodes`` junctions over ``extent_km`` × ``extent_km``
    (default centred on 重庆's 渝中区): every 40th line a 快速路, every 8th a 主干路, every 4th
    a 次干路, the rest 支路. A tenth of the 支路 blocks are removed and a twentieth of those
    left are one-way; edges bend by 0-10 %. Same ``seed``, same city.
    """
    rng = np.random.default_rng(seed)
    side = max(2, round(math.sqrt(n_nodes)))
    step = extent_km / (side - 1)
    idx = np.arange(side * side).reshape(side, side)
    col, row = np.meshgrid(np.arange(side), np.arange(side))
    x = (col.ravel() + rng.uniform(-0.2, 0.2, side * side)) * step - extent_km / 2
    y = (row.ravel() + rng.uniform(-0.2, 0.2, side * side)) * step - extent_km / 2
    lat0 = math.radians(center[1])
    km_per_deg = math.pi * EARTH_RADIUS_KM / 180.0
    lon = center[0] + x / (km_per_deg * math.cos(lat0))
    lat = center[1] + y / km_per_deg
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    horizontal = np.arange(a.size) < side * (side - 1)
    line = np.where(horizontal, a // side, a % side)
    speed = np.select(
        [line % 40 == 0, line % 8 == 0, line % 4 == 0],
        [CLASS_SPEEDS["快速路"], CLASS_SPEEDS["主干路"], CLASS_SPEEDS["次干路"]],
        CLASS_SPEEDS["支路"],
    )
    local = speed == CLASS_SPEEDS["支路"]
    keep = ~local | (rng.random(a.size) >= 0.1)
    a, b, speed, local = a[keep], b[keep], speed[keep], local[keep]
    oneway = local & (rng.random(a.size) < 0.05)
    flip = oneway & (rng.random(a.size) < 0.5)
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    length = segment_km(lon[a], lat[a], lon[b], lat[b]) * 1000.0 * rng.uniform(1.0, 1.1, a.size)
    return RoadNetwork(lon, lat, a, b, length, speed, oneway)
