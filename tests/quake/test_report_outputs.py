"""The commander's outputs of an assessment: the intensity map (PNG), the rapid report as
PDF and as self-contained HTML, and the label helpers the two documents share."""

from __future__ import annotations

import base64
import copy
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from PIL import Image

from yingji.fonts import missing_glyphs
from yingji.quake import assess, isoseismals, labels, mapping, report, report_pdf, units
from yingji.quake.source import Event


@pytest.fixture(scope="session")
def result(pool: units.Units) -> dict[str, Any]:
    """The 2023 Jishishan M6.2 event, assessed."""
    event = Event(lat=35.70, lon=102.79, magnitude=6.2, name="积石山")
    return assess.assess(event, pool).as_dict(geojson=True)


@pytest.fixture(scope="session")
def png(result: dict[str, Any], pool: units.Units) -> bytes:
    return mapping.render_png(result, pool)


@pytest.fixture(scope="session")
def html(result: dict[str, Any], png: bytes) -> str:
    return report.render_html(result, png)


class _Text(HTMLParser):
    """The text a reader sees (and the alt texts), without tags, styles or the image data."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


# ---------------------------------------------------------------- helpers


def test_roman_numerals_cover_the_intensity_scale():
    assert isoseismals.roman(6) == "Ⅵ"
    assert isoseismals.roman(12) == "Ⅻ"
    assert [isoseismals.roman(i) for i in range(1, 13)] == list("ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ")
    assert isoseismals.roman(13) == "13"
    assert labels.degree(8) == "Ⅷ度"


def test_yuan_are_written_as_yi_yuan_with_sensible_precision():
    assert labels.yi(114_947_349_026) == "1,149 亿元"
    assert labels.yi(28_502_992_739) == "285 亿元"
    assert labels.yi(520_000_000) == "5.2 亿元"
    assert labels.yi(3_000_000) == "0.03 亿元"
    assert labels.yi(100_000) == "<0.01 亿元"
    assert labels.yi(0) == "0 亿元"
    assert labels.yi(None) == "—"


def test_response_and_alert_labels():
    assert labels.response_text(None) == "未达到国家响应启动条件"
    assert labels.response_text(2, "重大") == "Ⅱ级响应（重大地震灾害）"
    assert labels.response_text(4) == "Ⅳ级响应（一般地震灾害）"
    assert labels.alert_text("orange") == "橙色（orange）"
    assert labels.alert_text("green") == "绿色（green）"


def test_origin_time_is_shown_in_beijing_time():
    assert labels.origin_time_text("2023-12-18T15:59:30+00:00") == (
        "2023-12-18 23:59:30（北京时间）"
    )
    assert labels.origin_time_text("2023-12-18 23:59:30") == "2023-12-18 23:59:30"
    assert labels.origin_time_text(None) is None


def test_no_response_level_reads_as_the_plan_says(result, png):
    quiet = copy.deepcopy(result)
    quiet.update(response_level=None, response_grade=None, response_reason="低于一般地震灾害")
    assert report.build(quiet).response == "未达到国家响应启动条件"
    assert "未达到国家响应启动条件" in report.render_html(quiet, png)


def test_intensity_rows_count_people_at_each_degree_and_in_total(result):
    data = report.build(result)
    levels = [z["intensity"] for z in result["isoseismals"]]
    assert data.intensity_levels[: len(levels)] == levels
    first = data.intensity_rows[0]
    assert first[0] == "Ⅵ度"
    assert first[1] == f"{result['isoseismals'][0]['area_km2']:,.0f}"
    assert first[4] == f"{result['exposure']['6']:,}"
    total = sum(v for k, v in result["exposure"].items() if int(k) >= 6)
    assert data.intensity_rows[-1][-1] == f"{total:,}"
    assert data.intensity_levels[-1] is None


# ---------------------------------------------------------------- the map


def test_map_is_a_png_with_the_zone_colours(result, png):
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width >= 1200 and image.height >= 900
    pixels = image.convert("RGB")
    colours = pixels.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50
    seen = {c for _, c in colours}
    for zone in result["isoseismals"]:
        expected = report_pdf.hex_rgb(labels.ZONE_COLOURS[zone["intensity"]])
        near = [
            n for n, c in colours if max(abs(a - b) for a, b in zip(c, expected, strict=True)) <= 3
        ]
        assert sum(near) > 200, f"zone {zone['intensity']} not painted"
    assert any(c[0] > 230 and c[1] < 40 and c[2] < 40 for c in seen)  # the red epicentre


def test_map_text_has_no_missing_glyphs_and_names_the_worst_hit_counties(result, pool):
    texts = mapping.label_texts(result, pool)
    assert not missing_glyphs("".join(texts))
    assert labels.map_title(result) in texts
    worst = result["counties"][0]["name"]
    assert worst in texts
    assert any("Ⅵ度" in t and "km²" in t for t in texts)


def test_map_extent_holds_the_vi_zone_with_a_margin(result):
    x0, y0, x1, y1 = mapping.extent(result)
    vi = mapping.zones_of(result)[0][1]
    bx0, by0, bx1, by1 = vi.bounds
    assert x0 < bx0 and y0 < by0 and x1 > bx1 and y1 > by1
    assert (x1 - x0) < 2 * (bx1 - bx0)


def test_epicentre_place_is_the_county_holding_it(result, pool):
    place = mapping.epicentre_place(result, pool)
    assert place is not None and place.startswith("甘肃省") and "积石山" in place


def test_a_small_event_without_a_vi_zone_still_maps(pool):
    small = assess.assess(Event(lat=35.70, lon=102.79, magnitude=4.0), pool)
    data = small.as_dict(geojson=True)
    assert not data["isoseismals"]
    x0, y0, x1, y1 = mapping.extent(data)
    assert x0 < 102.79 < x1 and y0 < 35.70 < y1
    image = Image.open(io.BytesIO(mapping.render_png(data, pool, dpi=60)))
    assert image.format == "PNG"
    page = report.render_html(data, b"")
    assert "未达到国家响应启动条件" in page


# ---------------------------------------------------------------- the documents


def test_pdf_is_a_document_with_the_font_and_the_map(result, png):
    pdf = report_pdf.render_pdf(result, png)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/FontFile" in pdf  # the CJK font is embedded (subset), not referenced
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansCJKSC", pdf)
    assert b"/Subtype /Image" in pdf
    assert len(pdf) > len(png) // 2
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    assert pages >= 2  # map and tables on the first, counties and notes after


def test_html_carries_every_section_and_the_key_facts(result, html):
    for heading in report.SECTIONS.values():
        assert heading in html
    for zone in result["isoseismals"]:
        assert labels.degree(zone["intensity"]) in html
    for county in result["counties"][:3]:
        assert county["name"] in html
    level = result["response_level"]
    assert level is not None
    assert f"{isoseismals.roman(level)}级响应" in html
    assert labels.alert_text(result["alert_level"]) in html
    assert labels.yi(result["economic_loss_yuan"]["median"]) in html


def test_html_is_self_contained_with_the_map_inline(png, html):
    found = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert found is not None
    assert base64.b64decode(found.group(1)) == png
    assert "<link" not in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_report_text_has_no_missing_glyphs(result, html):
    assert not missing_glyphs(_text(html))
    assert not missing_glyphs("".join(report.build(result).strings()))


def test_table_rows_follow_the_result(result):
    data = report.build(result)
    assert len(data.county_rows) == len(result["counties"])
    assert len(data.priority_rows) == len(result["priorities"])
    assert all(row[3].endswith("度") for row in data.county_rows)
    assert all(int(c["max_intensity"]) >= 7 for c in result["priorities"])
