"""The dashboard page renders figures, the trend chart, tables and the download link."""

from __future__ import annotations

import re
from typing import Any

from yingji.stats import charts

from .conftest import FIRST, LAST

WINDOW = {"first": FIRST.isoformat(), "last": LAST.isoformat()}


def test_dashboard_page(pages: Any, hazards: dict[int, int]) -> None:
    client = pages("wz_operator")
    reply = client.get("/dashboard", params={**WINDOW, "quarter": "2026Q4"})
    assert reply.status_code == 200, reply.text
    html = reply.text
    assert 'data-testid="nav-dashboard"' in html
    found = re.search(
        r'data-testid="kpi-found"><span class="label">[^<]+</span><strong>(\d+)', html
    )
    assert found and found.group(1) == "5"
    assert 'data-testid="trend-chart"' in html
    assert "中和街道" in html and "万州区（本级）" in html
    assert "万州区应急管理局" in html and "煤炭开采和洗选业" in html
    assert "2026Q4 区划排名" in html
    link = re.search(r'href="(/api/v1/stats/hazards\.xlsx\?[^"]+)"', html)
    assert link
    xlsx = client.get(link.group(1).replace("&amp;", "&"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_dashboard_page_problems(pages: Any, hazards: dict[int, int]) -> None:
    client = pages("twp_operator")
    reply = client.get("/dashboard", params={"under": "500103"})
    assert reply.status_code == 200 and 'data-testid="stats-error"' in reply.text
    reply = client.get("/dashboard", params={"first": "2026-13-01"})
    assert 'data-testid="stats-error"' in reply.text
    reply = client.get("/dashboard", params={"quarter": "Q9"})
    assert 'data-testid="stats-error"' in reply.text
    assert pages("ent_user").get("/dashboard").status_code == 403


def test_chart_text_is_ascii() -> None:
    """Chart labels are digits only, so no font can turn them into missing-glyph boxes;
    the Chinese series names go into tooltips (``<title>``) and the HTML legend."""
    months = [{"month": f"2026-{m:02d}", "found": m * 3, "rectified": m} for m in range(1, 13)]
    svg = charts.trend_svg(months, {"found": "排查", "rectified": "销号"})
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert texts and all(t.isascii() for t in texts)
    assert "26-12" in texts and texts[:5] == ["0", "10", "20", "30", "40"]
    assert svg.count("<rect") == 24 and "<title>2026-12 排查 36</title>" in svg
    assert [charts.nice_max(v) for v in (0, 3, 36, 1000, 1001)] == [4, 4, 40, 1000, 2000]
