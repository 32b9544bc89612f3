"""Polling a CAP ATOM feed: new warnings stored once, bad entries reported, not fatal."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cap_samples import RAINSTORM
from sqlalchemy import Engine, func, select

from yingji.db import session_factory
from yingji.warnings.models import EarlyWarning, WarningStatus
from yingji.warnings.polling import cap_links, poll

CANCEL = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>CQ-MET-20260712-1200-RS-CANCEL</identifier>
  <sender>cqmet@cma.gov.cn</sender>
  <sent>2026-07-12T12:00:00+08:00</sent>
  <status>Actual</status>
  <msgType>Cancel</msgType>
  <scope>Public</scope>
  <references>cqmet@cma.gov.cn,CQ-MET-20260712-0601-RS-ORANGE,2026-07-12T06:00:00+08:00</references>
</alert>
"""


def _atom(*paths: str) -> str:
    entries = "".join(
        f"<entry><id>{p}</id><title>t</title><updated>2026-07-12T06:00:00Z</updated>"
        f'<link rel="alternate" type="application/cap+xml" href="{p}"/></entry>'
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>urn:test</id><title>feed</title><updated>2026-07-12T06:00:00Z</updated>{entries}</feed>"
    )


class Site:
    """A loopback web server answering from ``self.pages`` (path → body)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                data = (body or "missing").encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.server.shutdown()
    s.server.server_close()


def _count(engine: Engine) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(EarlyWarning)) or 0


def test_feed_links_from_atom_and_rss() -> None:
    assert cap_links(_atom("/a.xml", "b.xml").encode(), "http://x/feeds/") == [
        "http://x/a.xml",
        "http://x/feeds/b.xml",
    ]
    rss = b"<rss version='2.0'><channel><item><link>http://y/c.xml</link></item></channel></rss>"
    assert cap_links(rss, "http://x/") == ["http://y/c.xml"]


def test_poll_stores_each_warning_once_and_applies_cancel(engine: Engine, site: Site) -> None:
    site.pages = {"/feed": _atom("/rs.xml", "/missing.xml"), "/rs.xml": RAINSTORM}
    first = poll(engine, site.url + "/feed")
    assert len(first.stored) == 1 and first.known == 0
    assert len(first.errors) == 1 and "missing.xml" in first.errors[0]
    again = poll(engine, site.url + "/feed")
    assert again.stored == [] and again.known == 1
    assert _count(engine) == 1

    site.pages["/feed"] = _atom("/rs.xml", "/cancel.xml")
    site.pages["/cancel.xml"] = CANCEL
    poll(engine, site.url + "/feed")
    with session_factory(engine)() as s:
        assert s.scalar(select(EarlyWarning.status)) == WarningStatus.cancelled
    assert poll(engine, site.url + "/feed").known == 2


def test_hostile_feed_is_refused_not_expanded(engine: Engine, site: Site) -> None:
    site.pages = {"/feed": '<?xml version="1.0"?><!DOCTYPE f [<!ENTITY x "boom">]><feed>&x;</feed>'}
    result = poll(engine, site.url + "/feed")
    assert result.stored == [] and result.errors and "DTD" in result.errors[0]


def test_cli_poll_reports_counts(cli, site: Site) -> None:
    site.pages = {"/feed": _atom("/rs.xml"), "/rs.xml": RAINSTORM}
    out = cli("warnings", "poll", site.url + "/feed")
    assert out.exit_code == 0, out.output
    assert "stored 1" in out.output
