"""Travel times against hand-computed answers (resources.travel / resources.network)."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from yingji.errors import ValidationFailed
from yingji.resources import travel
from yingji.resources.travel import RoadNetwork, straight_minutes, synthetic_city

R = 6371.0088  # km, the mean Earth radius the module uses
INF = np.inf

# The tiny network. Nodes (lon, lat) are 4-6 km apart so that snapping is unambiguous; edge
# lengths are given, not derived from the coordinates.
#   A=0 (116.00, 40.00)  B=1 (116.05, 40.00)  C=2 (116.05, 40.05)  D=3 (116.00, 40.03)
#   E=4 (116.10, 40.08)  F=5 (116.20, 40.20)  G=6 (116.21, 40.20)
# Edges (minutes = km / speed × 60):
#   A-B  4 km @ 60 = 4 min          A-B again 4 km @ 20 = 12 min (parallel, slower: ignored)
#   B-C  3 km @ 30 = 6 min          A-D  2 km @ 40 = 3 min
#   D-C  6 km @ 60 = 6 min          C-E  5 km @ 50 = 6 min
#   B->D 0.5 km @ 60 = 0.5 min, ONE-WAY        F-G 1 km @ 60 = 1 min (separate component)
NODES = np.array(
    [
        [116.00, 40.00],
        [116.05, 40.00],
        [116.05, 40.05],
        [116.00, 40.03],
        [116.10, 40.08],
        [116.20, 40.20],
        [116.21, 40.20],
    ]
)
A, B, C, D, E, F, G = NODES
EDGES = [  # from, to, length_m, speed_kmh, oneway
    (0, 1, 4000, 60, False),
    (0, 1, 4000, 20, False),
    (1, 2, 3000, 30, False),
    (0, 3, 2000, 40, False),
    (3, 2, 6000, 60, False),
    (2, 4, 5000, 50, False),
    (1, 3, 500, 60, True),
    (5, 6, 1000, 60, False),
]


@pytest.fixture(scope="module")
def tiny() -> RoadNetwork:
    f, t, length, speed, oneway = zip(*EDGES, strict=True)
    return RoadNetwork(NODES[:, 0], NODES[:, 1], f, t, length, speed, oneway)


def test_tiny_network_shortest_times(tiny: RoadNetwork) -> None:
    got = tiny.minutes(np.array([A, D, B]), np.array([A, B, C, D, E, F]))
    expected = [
        # A->B 4 (direct; via D impossible: B->D is one-way). A->C min(4+6, 3+6) = 9 via D.
        # A->D 3. A->E 9+6 = 15. F is in another component.
        [0, 4, 9, 3, 15, INF],
        # D->A 3. D->B: the one-way B->D cannot be used backwards, so D->A->B = 3+4 = 7.
        # D->C 6. D->E 6+6 = 12.
        [3, 7, 6, 0, 12, INF],
        # B->A min(4, B->D->A = 0.5+3) = 3.5. B->C min(6, 0.5+6) = 6. B->D 0.5. B->E 12.
        [3.5, 0, 6, 0.5, 12, INF],
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert got.dtype == np.float32


def test_limit_respected(tiny: RoadNetwork) -> None:
    got = tiny.minutes(np.array([A, D]), np.array([A, B, C, D, E]), limit_minutes=7)
    # Entries over 7 minutes become inf; exactly 7 (D->B) stays.
    np.testing.assert_allclose(got, [[0, 4, INF, 3, INF], [3, 7, 6, 0, INF]], rtol=1e-6)


def test_nearest_and_reverse_queries(tiny: RoadNetwork) -> None:
    near, source = tiny.nearest_minutes(
        np.array([A, D]), np.array([A, B, C, D, E, F]), return_source=True
    )
    # Column minima of the first two rows of the matrix above; -1 where no source reaches.
    np.testing.assert_allclose(near, [0, 4, 6, 0, 12, INF], rtol=1e-6)
    assert source.tolist() == [0, 0, 1, 1, 1, -1]
    # All to E: A 15, B 12 (B->C->E), D 12, F unreachable.
    np.testing.assert_allclose(
        tiny.minutes_to(E, np.array([A, B, D, F])), [15, 12, 12, INF], rtol=1e-6
    )
    assert np.isinf(tiny.nearest_minutes(np.array([A]), np.array([E]), limit_minutes=14)[0])


def test_snapping_adds_access_time(tiny: RoadNetwork) -> None:
    # 0.009° due north of A: R × 0.009 × π/180 = 1.000765 km, walked at 20 km/h = 3.0023 min.
    p = A + np.array([0.0, 0.009])
    ids, km = tiny.nearest_nodes(np.array([p]))
    assert ids.tolist() == [0]
    assert km[0] == pytest.approx(R * math.radians(0.009), rel=1e-9)
    access = 1.000765 / 20 * 60
    got = tiny.minutes(np.array([p]), np.array([B, p]))
    # to B: access + A->B 4 min; to itself: in and out over the same stretch.
    np.testing.assert_allclose(got, [[access + 4, 2 * access]], rtol=1e-5)
    capped = RoadNetwork(NODES[:, 0], NODES[:, 1], [0], [1], [4000], [60], max_snap_km=0.5)
    assert np.isinf(capped.minutes(np.array([p]), np.array([B]))[0, 0])


def test_straight_line_against_hand_haversine() -> None:
    # (116, 40) -> (117, 40): d = 2R·asin(cos 40° · sin 0.5°) = 85.18 km.
    d = 2 * R * math.asin(math.cos(math.radians(40)) * math.sin(math.radians(0.5)))
    assert d == pytest.approx(85.18, abs=0.01)
    src, dst = np.array([[116.0, 40.0]]), np.array([[117.0, 40.0], [116.0, 40.0]])
    road = straight_minutes(src, dst, "road", "plain")  # 60 km/h, detour 1.3
    np.testing.assert_allclose(road[0], [d * 1.3 / 60 * 60, 0], rtol=1e-5)
    air = straight_minutes(src, dst, "air")  # 200 km/h, detour 1.0, 15 min launch
    np.testing.assert_allclose(air[0], [15 + d / 200 * 60, 15], rtol=1e-5)
    # One degree of meridian is R·π/180 = 111.195 km; on foot 5 km/h, detour 1.3: 1734.6 min.
    foot = straight_minutes(np.array([[0.0, 0.0]]), np.array([[0.0, 1.0]]), "foot", "plain")
    assert foot[0, 0] == pytest.approx(111.195 * 1.3 / 5 * 60, rel=1e-4)
    limited = straight_minutes(src, dst, "road", "plain", limit_minutes=60)
    assert np.isinf(limited[0, 0]) and limited[0, 1] == 0


def test_straight_line_blocks_and_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    src = np.column_stack([rng.uniform(100, 110, 7), rng.uniform(20, 35, 7)])
    dst = np.column_stack([rng.uniform(100, 110, 5), rng.uniform(20, 35, 5)])
    whole = straight_minutes(src, dst, "foot", "hills")
    monkeypatch.setattr(travel, "_CHUNK_CELLS", 10)  # two rows per block
    np.testing.assert_array_equal(straight_minutes(src, dst, "foot", "hills"), whole)
    with pytest.raises(ValidationFailed) as exc:
        straight_minutes(src, dst, "boat")
    assert exc.value.details[0]["field"] == "mode"
    with pytest.raises(ValidationFailed) as exc:
        straight_minutes(src, dst, "road", "desert")
    assert exc.value.details[0]["field"] == "terrain"
    with pytest.raises(ValidationFailed) as exc:
        straight_minutes(np.array([[200.0, 0.0]]), dst, "road")
    assert exc.value.details[0] == {
        "row": 0,
        "field": "src_lonlat",
        "reason": "lon/lat out of range",
    }


def test_travel_minutes_picks_network(tiny: RoadNetwork) -> None:
    by_road = travel.travel_minutes(np.array([A]), np.array([C]), "road", network=tiny)
    assert by_road[0, 0] == pytest.approx(9)
    by_air = travel.travel_minutes(np.array([A]), np.array([C]), "air", network=tiny)
    np.testing.assert_array_equal(by_air, straight_minutes(np.array([A]), np.array([C]), "air"))
    assert set(travel.defaults()) == {(m, t) for m in travel.MODES for t in travel.TERRAINS}


def test_bad_network_arrays() -> None:
    with pytest.raises(ValidationFailed) as exc:
        RoadNetwork([0, 1], [0, 0], [0], [5], [100], [0])
    fields = {(d["field"], d.get("row")) for d in exc.value.details}
    assert fields == {("edge_to", 0), ("speed_kmh", 0)}
    with pytest.raises(ValidationFailed) as exc:
        RoadNetwork([0, 1], [0, 0], [0, 1], [1, 0], [100], 30)
    assert exc.value.details == [{"field": "length_m", "reason": "expected 2 values"}]
    with pytest.raises(ValidationFailed):
        RoadNetwork([0, 1], [0, 0], [1], [1], [100], 30)  # only a self-loop


def test_empty_point_sets(tiny: RoadNetwork) -> None:
    assert tiny.minutes(np.zeros((0, 2)), np.array([A, B])).shape == (0, 2)
    assert tiny.minutes([], np.array([A])).shape == (0, 1)
    assert np.isinf(tiny.nearest_minutes([], np.array([A, B]))).all()
    assert straight_minutes(np.array([A]), [], "foot").shape == (1, 0)


# ---- GeoJSON ------------------------------------------------------------------------------


def line(coords, **props) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def test_geojson_import() -> None:
    k = R * math.pi / 180 * 0.01  # 0.01° along the equator or a meridian = 1.111949 km
    p0, m, p1, p2, q, s = [0, 0], [0.01, 0], [0.02, 0], [0.02, 0.01], [0.03, 0], [0.02, -0.01]
    layer = {
        "type": "FeatureCollection",
        "features": [
            # p0 -> m -> p1: m is used once, so it folds into one 2k edge at 40 km/h.
            line([p0, m, p1], highway="primary"),
            # p1 -> p2 one-way along the drawing, 支路 20 km/h.
            line([p1, p2], **{"class": "支路", "oneway": "yes"}),
            # p2 -> q drawn backwards with oneway -1: travel q -> p2 only, own speed 60 km/h.
            {
                "type": "Feature",
                "properties": {"speed_kmh": 60, "oneway": -1},
                "geometry": {"type": "MultiLineString", "coordinates": [[p2, q]]},
            },
            # s -> p1 -> q: p1 is shared, so this line splits into s-p1 and p1-q.
            line([s, p1, q], highway="secondary"),
        ],
    }
    net = RoadNetwork.from_geojson(layer)
    assert (net.n_nodes, net.n_edges) == (5, 5)
    pts = np.array([p0, p1, p2, q, s])
    got = net.minutes(pts[:1], pts)
    # p0->p1 = 2k @ 40; p1->p2 = k @ 20 (one-way); p1->q = k @ 30 (secondary). The detour
    # p1->q->p2 is k/30 + √2·k/60 ≈ 0.057k h, longer than the direct k/20 = 0.05k h.
    hour = 60.0
    expected = [0, 2 * k / 40 * hour, (2 * k / 40 + k / 20) * hour, (2 * k / 40 + k / 30) * hour]
    np.testing.assert_allclose(got[0, :4], expected, rtol=1e-6)
    # From p2 nothing leads out: p1->p2 and q->p2 are both one-way into it.
    assert np.isinf(net.minutes(pts[2:3], pts[[0, 1, 3, 4]])).all()
    # Custom speeds override the class table.
    faster = RoadNetwork.from_geojson(layer, speeds={"primary": 80})
    assert faster.minutes(pts[:1], pts[1:2])[0, 0] == pytest.approx(2 * k / 80 * hour, rel=1e-6)


def test_geojson_bad_features_named() -> None:
    ok = [[0, 0], [0.01, 0]]
    layer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"highway": "primary"},
                "geometry": {"type": "Point", "coordinates": [0, 0]},
            },
            line(ok, highway="nope"),
            line(ok),
            line(ok, highway="primary", speed_kmh="fast"),
            line(ok, highway="primary", oneway="maybe"),
            line([[0, 0]], highway="primary"),
            line([[0, 0], [0, 95]], highway="primary"),
            line(ok, highway="primary"),
        ],
    }
    with pytest.raises(ValidationFailed) as exc:
        RoadNetwork.from_geojson(layer)
    assert exc.value.code == "validation_failed"
    assert [(d["row"], d["field"]) for d in exc.value.details] == [
        (0, "geometry.type"),
        (1, "properties.highway"),
        (2, "properties.highway"),
        (3, "properties.speed_kmh"),
        (4, "properties.oneway"),
        (5, "geometry.coordinates"),
        (6, "geometry.coordinates"),
    ]
    assert "'nope'" in exc.value.details[1]["reason"]
    with pytest.raises(ValidationFailed):
        RoadNetwork.from_geojson({"type": "FeatureCollection", "features": []})
    with pytest.raises(ValidationFailed):
        RoadNetwork.from_geojson({"type": "Feature"})


# ---- OpenStreetMap ------------------------------------------------------------------------

OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="0" lon="0"/>
  <node id="2" lat="0" lon="0.01"/>
  <node id="3" lat="0" lon="0.02"/>
  <node id="4" lat="0.01" lon="0.02"/>
  <node id="5" lat="0.01" lon="0"/>
  <node id="6" lat="0.01" lon="0.03"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="12"><nd ref="4"/><nd ref="5"/><tag k="highway" v="footway"/></way>
  <way id="13"><nd ref="4"/><nd ref="6"/><nd ref="99"/>
    <tag k="highway" v="secondary"/><tag k="maxspeed" v="20"/></way>
  <way id="14"><nd ref="1"/><nd ref="5"/><tag k="building" v="yes"/></way>
</osm>
"""


def osm_expectations(net: RoadNetwork) -> None:
    # Kept: way 10 (primary 40 km/h; node 2 folds in), 11 (residential 20, one-way 3->4),
    # 13 (secondary 30 lowered to maxspeed 20; missing node 99 dropped). Footway and building
    # ignored, so node 5 is not in the graph. Nodes: 1, 3, 4, 6.
    assert (net.n_nodes, net.n_edges) == (4, 3)
    k = R * math.pi / 180 * 0.01  # 1.111949 km; 4->6 at lat 0.01° is k·cos(0.01°) ≈ k
    n1, n3, n4, n6 = [0, 0], [0.02, 0], [0.02, 0.01], [0.03, 0.01]
    got = net.minutes(np.array([n1, n6]), np.array([n1, n3, n4, n6]))
    # 1->3: 2k @ 40 = 3.3358 min; 3->4: k @ 20 = 3.3358; 4->6: k @ 20 = 3.3358 (total 10.0077).
    leg = k / 20 * 60
    np.testing.assert_allclose(got[0], [0, leg, 2 * leg, 3 * leg], rtol=1e-6)
    assert got[0, 3] == pytest.approx(10.0077, abs=1e-3)
    # 6->4 is fine (two-way) but 4->3 is against the one-way: node 1 and 3 are unreachable.
    np.testing.assert_allclose(got[1], [INF, INF, leg, 0], rtol=1e-6)


def test_osm_xml_import(tmp_path: Path) -> None:
    path = tmp_path / "tiny.osm"
    path.write_text(OSM, encoding="utf-8")
    osm_expectations(RoadNetwork.from_osm(path))
    packed = tmp_path / "tiny.osm.gz"
    packed.write_bytes(gzip.compress(OSM.encode()))
    osm_expectations(RoadNetwork.from_osm(packed))


def test_osm_pbf_import_matches_xml(tmp_path: Path) -> None:
    osmium = pytest.importorskip("osmium")
    xml, pbf = tmp_path / "tiny.osm", tmp_path / "tiny.osm.pbf"
    xml.write_text(OSM, encoding="utf-8")
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    osm_expectations(RoadNetwork.from_osm(pbf))


def test_osm_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        RoadNetwork.from_osm(tmp_path / "missing.osm")
    assert exc.value.details[0]["field"] == "path"
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><way id='1'><nd ref='1'/></osm>", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="malformed"):
        RoadNetwork.from_osm(broken)
    empty = tmp_path / "empty.osm"
    empty.write_text("<osm><node id='1' lat='0' lon='0'/></osm>", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="no usable"):
        RoadNetwork.from_osm(empty)


# ---- synthetic city -----------------------------------------------------------------------


def test_synthetic_city_deterministic() -> None:
    a, b, c = (
        synthetic_city(2_500, seed=7),
        synthetic_city(2_500, seed=7),
        synthetic_city(2_500, seed=8),
    )
    for name in ("lon", "lat", "edge_from", "edge_to", "length_m", "speed_kmh", "oneway"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.length_m, c.length_m)
    assert a.n_nodes == 2_500
    assert set(np.unique(a.speed_kmh)) == {20.0, 30.0, 40.0, 60.0}
    assert a.oneway.any()
    # 40 km across: the west-east extent is 40 km give or take the jitter.
    width = (a.lon.max() - a.lon.min()) * math.cos(math.radians(29.56)) * R * math.pi / 180
    assert 39 < width < 41.5
    pts = np.column_stack([a.lon[:50], a.lat[:50]])
    m = a.minutes(pts[:5], pts)
    np.testing.assert_allclose(a.nearest_minutes(pts[:5], pts), m.min(axis=0), rtol=1e-5)
