"""The printable one-page flow chart: every step in the HTML under its level's column, a
one-page A4 landscape PDF whose text the shipped font can draw, wrapping, time limits."""

from __future__ import annotations

import io
import re

from flow_helpers import actor, flow, org_id, standard_steps, step
from markupsafe import escape
from PIL import Image

from yingji.incidents import flow_chart


def test_html_has_every_step_in_its_level_column(session) -> None:
    f = flow(
        session,
        actor(session, "wz_operator"),
        [*standard_steps(session), step(4, "发布<预警>&提示", 5, role="grid_member")],
        name="万州区防汛一页纸流程",
        type_codes=["flood"],
    )
    chart = flow_chart.build(session, f)
    page = flow_chart.html_document(chart)
    assert page.startswith("<!doctype html>") and "size:A4 landscape" in page
    assert not re.search(r'(src|href)="', page)  # self-contained: nothing to load
    assert "万州区防汛一页纸流程" in page and "洪涝灾害" in page
    columns = re.findall(r'<div class="ffc-col"[^>]*data-level="(\d)"', page)
    assert columns == ["4", "3", "2", "1"]
    for s in f.steps:
        at = page.index(f'data-level="{s.min_level}"><h2')
        end = page.find('<div class="ffc-col"', at + 1)
        column = page[at : end if end > 0 else len(page)]
        assert str(escape(s.action)) in column, s.action
    assert "<预警>" not in page  # user text is escaped
    assert (
        "万州区应急管理局" in page and "行政责任人（事发地）" in page and "网格员（事发地）" in page
    )
    assert "时限：15分钟内" in page and "时限：2小时内" in page and "仅限洪涝灾害" in page


def test_english_labels(session) -> None:
    f = flow(session, actor(session, "wz_operator"), standard_steps(session))
    page = flow_chart.html_document(flow_chart.build(session, f, "en"))
    assert "Level IV response" in page and "within 15 min" in page and "within 2 h" in page
    assert "Administrative lead (incident area)" in page


def test_pdf_is_one_page_and_every_glyph_is_in_the_font(session) -> None:
    yjj = org_id(session, "ORG-500101-YJJ")
    steps = [
        step(
            4 - i % 4,
            f"第{i + 1}项：组织抢险救援、人员搜救和群众转移安置（Ⅰ–Ⅳ级）",
            10 + i,
            organisation_id=yjj,
        )
        for i in range(36)
    ]
    f = flow(session, actor(session, "wz_operator"), steps, name="长流程（36 步）")
    chart = flow_chart.build(session, f)
    assert flow_chart.missing(chart) == set()
    pdf = flow_chart.pdf_bytes(chart)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    png = flow_chart.png_bytes(chart, dpi=60)
    with Image.open(io.BytesIO(png)) as image:
        w, h = image.size
    assert w > h  # landscape
    assert flow_chart.missing(flow_chart.build(session, f, "en")) == set()


def test_missing_glyphs_are_reported(session) -> None:
    f = flow(session, actor(session, "wz_operator"), [step(4, "启动 ⏰ 提醒", 10)])
    assert flow_chart.missing(flow_chart.build(session, f)) == {"⏰"}


def test_wrap_and_limits() -> None:
    lines = flow_chart.wrap("组织抢险救援人员搜救群众转移", 50, 10)
    assert len(lines) == 3 and "".join(lines) == "组织抢险救援人员搜救群众转移"
    assert flow_chart.wrap("call HQ immediately", 60, 10) == ["call HQ", "immediately"]
    assert flow_chart.limit_text(15) == "15分钟内"
    assert flow_chart.limit_text(90) == "1小时30分钟内"
    assert flow_chart.limit_text(1440 * 2) == "2天内"
    assert flow_chart.limit_text(90, "en") == "within 1 h 30 min"
