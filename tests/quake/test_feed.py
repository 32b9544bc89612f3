"""Catalogue feeds: each format read from realistic fixtures, bad records reported rather than
fatal, hostile XML refused, and fetching from disk and over HTTP."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from yingji.errors import ValidationFailed, YingjiError
from yingji.quake import feed, feed_fetch
from yingji.quake.feed import FeedEvent, ParseResult
from yingji.quake.feed_fetch import FeedUnavailable

DATA = Path(__file__).parent / "data"


def _load(name: str) -> ParseResult:
    return feed.parse((DATA / name).read_bytes(), name)


# --- QuakeML -------------------------------------------------------------------------------


def test_quakeml_reads_preferred_origin_and_magnitude() -> None:
    result = _load("quakeml_sample.xml")
    assert result.problems == []
    jishishan, luding = result.events
    assert jishishan == FeedEvent(
        id="smi:yingji.test/event/20231218155930",
        origin_time=datetime(2023, 12, 18, 15, 59, 30, tzinfo=UTC),
        lat=35.70,
        lon=102.79,
        depth_km=10.0,  # 10000 m in the file
        magnitude=6.2,
        magnitude_type="M",  # Ms
        place="甘肃临夏州积石山县",  # the "region name" description, not the first one
        source="quakeml_sample.xml",
    )
    assert luding.magnitude == 6.6
    assert luding.magnitude_type == "Mw"  # Mww
    assert luding.depth_km == 12.0
    assert luding.origin_time == datetime(2022, 9, 5, 4, 52, 19, 123000, tzinfo=UTC)
    assert luding.origin_time.utcoffset().total_seconds() == 0


QUAKEML_HEAD = (
    '<q:quakeml xmlns="http://quakeml.org/xmlns/bed/1.2" '
    'xmlns:q="http://quakeml.org/xmlns/quakeml/1.2"><eventParameters publicID="smi:x/p">'
)
QUAKEML_TAIL = "</eventParameters></q:quakeml>"


def _quakeml(*events: str) -> bytes:
    return (QUAKEML_HEAD + "".join(events) + QUAKEML_TAIL).encode()


def _qml_event(ident: str, *, depth: str | None = "8000", mag: str | None = "5.1") -> str:
    depth_el = f"<depth><value>{depth}</value></depth>" if depth is not None else ""
    mag_el = (
        f"<magnitude publicID='smi:x/m/{ident}'><mag><value>{mag}</value></mag><type>mb</type>"
        "</magnitude>"
        if mag is not None
        else ""
    )
    return (
        f"<event publicID='smi:x/{ident}'><origin publicID='smi:x/o/{ident}'>"
        "<time><value>2024-01-23T02:09:09</value></time>"
        "<latitude><value>41.26</value></latitude><longitude><value>78.63</value></longitude>"
        f"{depth_el}</origin>{mag_el}</event>"
    )


def test_quakeml_bad_event_is_skipped_and_reported() -> None:
    content = _quakeml(
        _qml_event("good"),
        _qml_event("nomag", mag=None),
        _qml_event("nodepth", depth=None),
        _qml_event("nothing", depth=None, mag=None),  # rejected, so no depth note either
    )
    result = feed.parse(content, "inline")
    assert [e.id for e in result.events] == ["smi:x/good", "smi:x/nodepth"]
    good, nodepth = result.events
    # Without preferred IDs the first origin/magnitude is used; mb is treated as M.
    assert (good.depth_km, good.magnitude, good.magnitude_type) == (8.0, 5.1, "M")
    assert good.origin_time == datetime(2024, 1, 23, 2, 9, 9, tzinfo=UTC)  # naive QuakeML = UTC
    assert nodepth.depth_km == feed.DEFAULT_DEPTH_KM
    assert len(result.problems) == 3
    missing_mag, assumed_depth, rejected = result.problems
    assert "[1]" in missing_mag and "smi:x/nomag" in missing_mag and "magnitude" in missing_mag
    assert "[2]" in assumed_depth and "depth" in assumed_depth and "assumed" in assumed_depth
    assert "[3]" in rejected and "magnitude" in rejected


def test_quakeml_without_events_is_an_empty_feed() -> None:
    assert feed.parse(_quakeml(), "quiet") == ParseResult([], [])


def test_xml_with_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-leak")
    xxe = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE q [<!ENTITY leak SYSTEM "file://{secret}">]>\n'
        + QUAKEML_HEAD
        + "<event publicID='smi:x/e'><description><text>&leak;</text></description></event>"
        + QUAKEML_TAIL
    ).encode()
    with pytest.raises(ValidationFailed) as caught:
        feed.parse(xxe, "hostile")
    assert "DTD" in caught.value.message
    assert "do-not-leak" not in str(caught.value.as_dict())


def test_entity_expansion_bomb_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><q>&b;</q>'
    )
    with pytest.raises(ValidationFailed):
        feed.parse(bomb, "hostile")


def test_xml_that_is_not_quakeml_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="QuakeML"):
        feed.parse(b"<rss><channel><title>news</title></channel></rss>", "rss")


# --- GeoJSON -------------------------------------------------------------------------------


def test_usgs_geojson_reads_all_features() -> None:
    result = _load("usgs_sample.geojson")
    assert result.problems == []
    assert [e.id for e in result.events] == ["us7000test1", "us7000test2", "us7000test3"]
    jishishan = result.events[0]
    assert jishishan.origin_time == datetime(2023, 12, 18, 15, 59, 30, tzinfo=UTC)
    assert (jishishan.lat, jishishan.lon, jishishan.depth_km) == (35.743, 102.826, 10.0)
    assert (jishishan.magnitude, jishishan.magnitude_type) == (5.9, "Mw")
    assert jishishan.place == "37 km WNW of Linxia Chengguanzhen, China"
    assert jishishan.source == "usgs_sample.geojson"


def test_in_china_and_above_filter_the_usgs_feed() -> None:
    events = _load("usgs_sample.geojson").events
    chinese = [e for e in events if feed.in_china(e)]
    assert [e.id for e in chinese] == ["us7000test1", "us7000test2"]  # not Noto, Japan
    assert [e.id for e in feed.above(chinese, 7.0)] == ["us7000test2"]
    assert [e.id for e in feed.above(events, 7.1)] == ["us7000test2", "us7000test3"]  # inclusive
    assert feed.above(events, 8.0) == []


def test_geojson_bad_features_are_reported() -> None:
    content = (
        b'{"type": "FeatureCollection", "features": ['
        b'{"type": "Feature", "id": "a", "properties": {"mag": null, "time": 1704093009000},'
        b' "geometry": {"type": "Point", "coordinates": [100.0, 30.0, 5]}},'
        b'{"type": "Feature", "id": "b", "properties": {"mag": 4.5, "time": 1704093009000,'
        b' "magType": "ml"}, "geometry": {"type": "Point", "coordinates": [100.0, 30.0, 5]}},'
        b'"not a feature"]}'
    )
    result = feed.parse(content, "inline")
    assert [(e.id, e.magnitude_type) for e in result.events] == [("b", "M")]
    assert len(result.problems) == 2
    assert "[0]" in result.problems[0] and "id=a" in result.problems[0]
    assert "magnitude" in result.problems[0]
    assert "[2]" in result.problems[1]


def test_single_geojson_feature_is_read() -> None:
    content = (
        b'{"type": "Feature", "id": "one", "properties": {"mag": 6.0, "magType": "mwr",'
        b' "time": 1704093009000}, "geometry": {"type": "Point", "coordinates": [100, 30, 8]}}'
    )
    (event,) = feed.parse(content, "detail").events
    assert (event.id, event.magnitude_type, event.depth_km) == ("one", "Mw", 8.0)


# --- simple JSON ---------------------------------------------------------------------------


def test_simple_json_reads_beijing_times_and_aliases() -> None:
    result = _load("simple_sample.json")
    assert [e.id for e in result.events] == [
        "CC20231218235930",
        "CC20220905125218",
        "CC20210522020411",
    ]
    jishishan, luding, maduo = result.events
    # Naive times are Beijing time: 23:59:30 (UTC+8) is 15:59:30 UTC.
    assert jishishan.origin_time == datetime(2023, 12, 18, 15, 59, 30, tzinfo=UTC)
    assert (jishishan.lat, jishishan.lon, jishishan.depth_km) == (35.70, 102.79, 10.0)
    assert (jishishan.magnitude, jishishan.magnitude_type) == (6.2, "M")
    assert jishishan.place == "甘肃临夏州积石山县"
    assert luding.origin_time == datetime(2022, 9, 5, 4, 52, 18, tzinfo=UTC)
    assert (luding.lat, luding.lon, luding.depth_km, luding.magnitude) == (29.59, 102.08, 16, 6.8)
    assert maduo.origin_time == datetime(2021, 5, 21, 18, 4, 11, tzinfo=UTC)  # explicit +08:00
    assert maduo.magnitude_type == "Mw"


def test_simple_json_record_without_lat_is_reported_with_its_index() -> None:
    result = _load("simple_sample.json")
    (problem,) = result.problems
    assert "[1]" in problem
    assert "CC20240123020909" in problem
    assert "field lat" in problem and "missing" in problem
    assert "字段 lat" in problem  # Chinese first


def test_simple_json_plain_list_and_synthesised_id() -> None:
    content = (
        b'[{"time": "2024-01-23T02:09:09", "latitude": 41.26, "longitude": 78.63,'
        b' "depth_km": 22, "magnitude": "7.1"},'
        b' {"id": "x", "time": 1706000000, "lat": 30, "lon": 100, "mag": 5},'
        b' {"id": "y", "time": "2024-01-01T00:00:00", "lat": 95, "lon": 100, "mag": 5},'
        b' {"id": "z", "time": "2024-01-01T00:00:00", "lat": 30, "lon": 100, "mag": true},'
        b' {"id": "w", "time": "2024-01-01T00:00:00", "lat": 30, "lon": 100, "mag": 5,'
        b'  "depth": "deep"}]'
    )
    result = feed.parse(content, "list")
    (event,) = result.events
    assert event.id == "20240122T180909Z_41.26_78.63"  # stable across polls
    assert event.magnitude == 7.1
    assert len(result.problems) == 4  # no "depth assumed" notes for rejected records
    assert "id=x" in result.problems[0] and "time" in result.problems[0]
    assert "id=y" in result.problems[1] and "lat" in result.problems[1]
    assert "id=z" in result.problems[2] and "magnitude" in result.problems[2]
    assert "id=w" in result.problems[3] and "depth" in result.problems[3]


# --- magnitude types, unparseable content, conversion ---------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mww", "Mw"),
        ("mwc", "Mw"),
        ("Mwr", "Mw"),
        ("Mwb", "Mw"),
        ("Mw", "Mw"),
        ("Ms", "M"),
        ("Ms_BB", "M"),
        ("M", "M"),
        ("mb", "M"),
        ("ML", "M"),
        ("md", "M"),
        (None, "M"),
        ("", "M"),
    ],
)
def test_magnitude_type_mapping(raw: str | None, expected: str) -> None:
    assert feed.magnitude_type(raw) == expected


@pytest.mark.parametrize(
    "content",
    [
        b"garbage \x00\xff not a feed",
        b"",
        b"{not json",
        b'{"type": "Topology"}',
        b'"just a string"',
        b"<quakeml><unclosed>",
    ],
)
def test_unparseable_content_raises_validation_failed(content: bytes) -> None:
    with pytest.raises(ValidationFailed) as caught:
        feed.parse(content, "junk")
    assert caught.value.details and caught.value.details[0]["field"] == "document"


def test_feed_event_converts_to_assessment_event() -> None:
    jishishan = _load("simple_sample.json").events[0]
    event = jishishan.to_event()
    assert (event.lat, event.lon, event.magnitude, event.magnitude_type) == (35.7, 102.79, 6.2, "M")
    assert event.depth_km == 10.0
    assert event.name == "甘肃临夏州积石山县"
    assert event.origin_time == "2023-12-18T15:59:30+00:00"
    noto = _load("usgs_sample.geojson").events[2]
    with pytest.raises(ValidationFailed):
        noto.to_event()  # outside China: the model cannot assess it


# --- fetching ------------------------------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture(scope="module")
def data_server() -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(DATA))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_fetch_local_path_and_file_url() -> None:
    path = DATA / "simple_sample.json"
    expected = path.read_bytes()
    assert feed_fetch.fetch(str(path)) == expected
    assert feed_fetch.fetch(path.as_uri()) == expected


def test_fetch_missing_file_is_feed_unavailable(tmp_path: Path) -> None:
    with pytest.raises(FeedUnavailable, match="not found"):
        feed_fetch.fetch(str(tmp_path / "absent.json"))


def test_fetch_over_http_and_parse(data_server: str) -> None:
    content = feed_fetch.fetch(f"{data_server}/usgs_sample.geojson")
    assert content == (DATA / "usgs_sample.geojson").read_bytes()
    result = feed.parse(content, f"{data_server}/usgs_sample.geojson")
    assert len(result.events) == 3
    assert result.events[0].source.endswith("/usgs_sample.geojson")


def test_fetch_404_is_a_clear_error(data_server: str) -> None:
    with pytest.raises(FeedUnavailable) as caught:
        feed_fetch.fetch(f"{data_server}/no-such-feed.xml")
    error = caught.value
    assert isinstance(error, YingjiError)
    assert "HTTP 404" in error.message
    assert error.details["status"] == 404
    assert error.as_dict()["code"] == "feed_unavailable"


def test_fetch_timeout_is_a_clear_error() -> None:
    release = threading.Event()

    class Stalls(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            release.wait(30)  # hold the reply until the client has given up

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Stalls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(FeedUnavailable, match="timed out"):
            feed_fetch.fetch(f"http://127.0.0.1:{server.server_address[1]}/slow", timeout=0.2)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def test_fetch_unreachable_host_is_feed_unavailable() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    port = server.server_address[1]
    server.server_close()  # nothing listens on this port any more
    with pytest.raises(FeedUnavailable, match="cannot reach"):
        feed_fetch.fetch(f"http://127.0.0.1:{port}/feed.json", timeout=2.0)


def test_fetch_refuses_other_schemes() -> None:
    with pytest.raises(ValidationFailed):
        feed_fetch.fetch("ftp://example.org/feed.xml")
