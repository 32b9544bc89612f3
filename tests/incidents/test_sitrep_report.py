"""Situation reports: the headline, the figures with their change since the previous report
(and which report that is), the response (level, tasks, dispatches), next steps, the sender;
and the same report as HTML, PDF and Word with Chinese that every renderer can print."""

from __future__ import annotations

import io
import itertools
import re

import docx
import pytest
from review_helpers import actor, event, incident, minutes, report, story, task
from sqlalchemy.orm import Session

from yingji.errors import NotFound
from yingji.fonts import missing_glyphs
from yingji.incidents import sitrep
from yingji.incidents.sitrep_docx import render_docx
from yingji.incidents.sitrep_html import render_html
from yingji.incidents.sitrep_pdf import lines, render_pdf


def _make(session: Session, incident_id: int, at: float = 150, user: str = "wz_operator"):
    return sitrep.make(session, actor(session, user), incident_id, now=minutes(at))


def test_headline_says_when_where_what_and_grade(session: Session) -> None:
    inc = story(session)
    s = _make(session, inc.id)
    assert s.headline == "2025年7月3日14时00分重庆市万州区中和街道三组发生地质灾害（Ⅲ级）"
    assert s.kind == "follow_up"
    basics = "".join(s.paragraphs["basics"])
    assert "2025年7月3日14时10分接报" in basics and inc.code in basics
    assert "事件等级为Ⅲ级" in basics


def test_accident_grades_read_as_accidents(session: Session) -> None:
    inc = incident(
        session, type_code="mine", title="煤矿透水", grade=2, grade_basis="死亡 12 人 ≥ 10"
    )
    s = _make(session, inc.id)
    assert s.headline.endswith("发生矿山事故（重大事故）")
    assert "经初步研判，事件等级为重大事故，依据：死亡 12 人 ≥ 10。" in s.paragraphs["basics"]


def test_figures_and_changes_since_the_last_report(session: Session) -> None:
    inc = story(session)  # now 3 dead, 1 missing, 5 injured; last report (+120) 2, 2, 4
    s = _make(session, inc.id)
    assert s.previous is not None and s.previous.kind == "follow_up"
    assert s.previous.at == minutes(120)
    assert s.changes["dead"] == 1 and s.changes["missing"] == -1 and s.changes["trapped"] == 0
    assert s.changes["direct_loss_yuan"] == 250_000.0
    losses = "".join(s.paragraphs["losses"])
    assert "截至2025年7月3日16时30分，事件已造成3人死亡、1人失踪、5人受伤，2人被困" in losses
    assert "受灾120人，直接经济损失约125万元" in losses
    assert "与2025年7月3日16时00分续报相比，死亡人数增加1人，失踪人数减少1人" in losses
    assert "直接经济损失增加25万元" in losses
    assert "被困人数" not in losses  # unchanged figures are not mentioned


def test_restating_the_last_report_compares_with_the_one_before(session: Session) -> None:
    inc = story(session)
    same = {"dead": 3, "missing": 1, "injured": 5, "seriously_injured": 0, "trapped": 2}
    report(session, inc, "follow_up", 140, affected=120, direct_loss_yuan=1_250_000.0, **same)
    s = _make(session, inc.id)
    assert s.previous is not None and s.previous.at == minutes(120)
    assert s.changes["dead"] == 1


def test_no_change_and_first_report(session: Session) -> None:
    inc = incident(session, dead=1)
    first = _make(session, inc.id)
    assert first.kind == "first" and first.previous is None
    assert "此为首次报告。" in first.paragraphs["losses"]
    assert all(v is None for v in first.changes.values())
    figures = {"dead": 1, "missing": 0, "injured": 0, "seriously_injured": 0, "trapped": 0}
    report(session, inc, "first", 30, affected=0, direct_loss_yuan=0.0, **{**figures, "dead": 0})
    report(session, inc, "follow_up", 60, affected=0, direct_loss_yuan=0.0, **figures)
    report(session, inc, "follow_up", 90, affected=0, direct_loss_yuan=0.0, **figures)
    later = _make(session, inc.id)
    assert later.previous is not None and later.previous.at == minutes(60)
    assert (
        "与2025年7月3日15时00分续报相比，人员伤亡和损失情况无变化。" in later.paragraphs["losses"]
    )


def test_reports_after_the_moment_are_not_yet_known(session: Session) -> None:
    inc = story(session)
    s = _make(session, inc.id, at=100)
    assert s.previous is not None and s.previous.kind == "first"
    assert [r.kind for r in s.reports] == ["first"]


def test_no_casualties_said_plainly(session: Session) -> None:
    inc = incident(session)
    s = _make(session, inc.id)
    assert "事件已造成暂未发现人员伤亡。" in s.paragraphs["losses"][0]
    assert s.paragraphs["response"][0] == "尚未启动应急响应。"
    assert "暂无处置任务。" in s.paragraphs["response"]
    assert "暂未调派救援力量和物资。" in s.paragraphs["response"]


def test_response_tasks_and_dispatches(session: Session) -> None:
    inc = story(session)
    s = _make(session, inc.id)
    response = s.paragraphs["response"]
    assert response[0] == "2025年7月3日14时55分，启动Ⅲ级应急响应。"
    assert "共生成处置任务4项，已完成2项，待办1项，因响应调整撤销1项。" in response[1]
    assert response[2] == "共调派救援力量和物资2批次，已到达2批次。"
    assert (s.tasks.done, s.tasks.open, s.tasks.cancelled, s.tasks.overdue) == (2, 1, 1, 0)
    assert [e.kind for e in s.events] == ["level", "dispatch", "dispatch", "dispatch", "dispatch"]
    overdue = _make(session, inc.id, at=200)
    assert "（其中逾期1项）" in overdue.paragraphs["response"][1]


def test_next_steps_follow_the_open_work(session: Session) -> None:
    inc = story(session)
    task(session, inc, "核查受损房屋", due=None)
    steps = _make(session, inc.id, at=200).next_steps
    assert steps[0] == "全力搜救被困2人、失踪1人。"
    assert "按时完成「开展应急监测」（时限7月3日 16:55，已逾期）。" in steps
    assert "抓紧办理「核查受损房屋」。" in steps
    assert steps[-1].startswith("密切关注事态发展") and "2025年8月2日" in steps[-1]
    inc.status = "closed"
    closed = _make(session, inc.id, at=200)
    assert closed.kind == "final"
    assert closed.next_steps == ["事件处置已结束，做好善后处置和复盘评估工作。"]


def test_sender_is_the_users_unit(session: Session) -> None:
    inc = story(session)
    assert _make(session, inc.id).unit == "万州区应急管理局"
    assert _make(session, inc.id, user="cq_operator").unit == "重庆市应急管理局"
    assert _make(session, inc.id, user="admin").unit == "重庆市应急管理局"
    s = sitrep.make(session, actor(session, "admin"), inc.id, now=minutes(150), unit="市防指办")
    doc = sitrep.document(s)
    assert doc.signature[0] == "报送单位：市防指办"
    assert doc.signature[1] == "报送时间：2025年7月3日16时30分"


def test_out_of_scope_is_not_found(session: Session) -> None:
    inc = story(session)
    with pytest.raises(NotFound):
        _make(session, inc.id, user="twp2_operator")
    elsewhere = incident(session, region="500102", title="涪陵区洪涝")
    with pytest.raises(NotFound):
        _make(session, elsewhere.id, user="wz_operator")


def test_document_lists_everything_and_the_font_draws_it(session: Session) -> None:
    inc = story(session)
    doc = sitrep.document(_make(session, inc.id))
    assert [s.heading[:2] for s in doc.sections] == ["一、", "二、", "三、", "四、", "五、"]
    figures = next(b for b in doc.sections[1].blocks if isinstance(b, sitrep.Table))
    assert figures.rows[0] == ("死亡（人）", "3", "2", "+1")
    assert figures.rows[1] == ("失踪（人）", "1", "2", "-1")
    assert figures.rows[-1] == ("直接经济损失（万元）", "125", "100", "+25")
    assert figures.marks[:2] == (True, True) and figures.marks[4] is False
    history = doc.sections[4].blocks[0]
    assert isinstance(history, sitrep.Table)
    assert [r[1] for r in history.rows] == ["首报", "续报"]
    assert missing_glyphs("".join(doc.strings())) == set()
    text = doc.text()
    assert "报送单位：万州区应急管理局" in text and "| 启动Ⅲ级应急响应" in text


def test_renderers(session: Session) -> None:
    inc = story(session, title="中和街道<滑坡>")
    doc = sitrep.document(_make(session, inc.id))
    html = render_html(doc)
    assert html.startswith("<!DOCTYPE html>")
    assert doc.headline in html and "中和街道&lt;滑坡&gt;" in html
    assert not re.search(r"<script|<link|src=|url\(", html)  # self-contained
    assert re.search(r'<tr class="mark">\s*<td class="L">死亡（人）</td>', html)

    pdf = render_pdf(doc)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000

    word = docx.Document(io.BytesIO(render_docx(doc)))
    paragraphs = [p.text for p in word.paragraphs]
    assert paragraphs[0] == "突发事件情况报告" and paragraphs[1] == doc.headline
    assert "二、人员伤亡和财产损失" in paragraphs
    cells = [c.text for c in word.tables[0].rows[1].cells]
    assert cells == ["死亡（人）", "3", "2", "+1"]
    run = word.paragraphs[1].runs[0]
    assert run._element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "黑体"


def test_pdf_lines_keep_numbers_whole_and_punctuation_off_line_starts() -> None:
    from fpdf import FPDF

    from yingji.fonts import CJK_FONT_PATH, CJK_SC_INDEX

    pdf = FPDF()
    pdf.add_font("cjk", "", CJK_FONT_PATH, collection_font_number=CJK_SC_INDEX)
    pdf.set_font("cjk", size=11)
    text = "受灾人数" * 7 + "12345人，" + "直接经济损失" * 9 + "。"
    for width in (40, 55, 77, 100):
        out = lines(pdf, text, width)
        assert "".join(out) == text
        assert not any(line[0] in "，。" for line in out)
        assert not any(a[-1].isdigit() and b[0].isdigit() for a, b in itertools.pairwise(out))


def test_event_texts_in_the_response_table(session: Session) -> None:
    inc = incident(session)
    for n in range(35):
        event(session, inc, "task", n, f"任务{n}")
    doc = sitrep.document(_make(session, inc.id))
    blocks = doc.sections[2].blocks
    assert "处置经过（最近30条，共35条）：" in blocks
    table = blocks[-1]
    assert isinstance(table, sitrep.Table) and table.rows[-1][2] == "任务34"
    assert len(table.rows) == sitrep.MAX_EVENTS
