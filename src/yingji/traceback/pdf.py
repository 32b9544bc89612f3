"""The trace-back report as a PDF (fpdf2 with the shipped CJK font), for the file and the
meeting: the same sections as the web page, in the same order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.fonts import FontFace

from yingji import clock
from yingji.fonts import CJK_FONT_PATH, CJK_SC_INDEX
from yingji.traceback.service import SUBJECT_LABELS, TraceReport

FONT = "NotoSansSC"
HEAD = FontFace(fill_color=(230, 236, 240))


def _t(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


class _Pdf(FPDF):
    def __init__(self, report: TraceReport) -> None:
        super().__init__(format="A4")
        self.report = report
        self.add_font(FONT, "", CJK_FONT_PATH, collection_font_number=CJK_SC_INDEX)
        self.set_font(FONT, size=10)
        self.set_auto_page_break(auto=True, margin=15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(
            0, 6, f"{self.report.subject_name} 责任倒查报告 · 第 {self.page_no()} 页", align="C"
        )


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def _table(
    pdf: FPDF, head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
) -> None:
    if not rows:
        pdf.cell(0, 6, "无记录", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(col_widths=tuple(widths), headings_style=HEAD, line_height=5) as table:
        table.row(list(head))
        for row in rows:
            table.row([str(c) for c in row])


def render(report: TraceReport) -> bytes:
    pdf = _Pdf(report)
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 10, "安全生产责任倒查报告", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    for line in (
        f"对象：{report.subject_name}（{SUBJECT_LABELS[report.subject_kind]}）",
        f"区划：{report.region}",
        f"时间范围：{report.start.isoformat()} 至 {report.end.isoformat()}",
        f"生成：{_t(report.generated_at)} · {report.generated_by}",
    ):
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    s = report.summary
    _heading(pdf, "一、概况")
    pdf.multi_cell(
        0,
        6,
        f"检查 {s['inspections']} 次（其中四不两直 {s['unannounced']} 次）；"
        f"隐患 {s['hazards']} 项，其中重大隐患 {s['major']} 项、仍未销号 {s['open']} 项、"
        f"逾期整改 {s['missed_deadlines']} 项；发出提示单、督促函、通报等 {s['notices']} 份。",
    )
    _heading(pdf, "二、责任人")
    _table(
        pdf,
        ("角色", "姓名", "手机", "起", "止"),
        [(r.role, r.name, r.mobile, _t(r.since), _t(r.until)) for r in report.responsible],
        (30, 30, 40, 30, 30),
    )
    _heading(pdf, "三、检查记录")
    _table(
        pdf,
        ("编号", "方式", "检查人", "开始", "完成", "不合格项 → 隐患"),
        [
            (
                i.code,
                i.kind + ("·四不两直" if i.unannounced else ""),
                i.inspector,
                _t(i.started_at),
                _t(i.finished_at),
                "\n".join(i.failed) or "全部合格",
            )
            for i in report.inspections
        ],
        (22, 22, 18, 25, 25, 78),
    )
    _heading(pdf, "四、隐患及处置过程")
    for h in report.hazards:
        pdf.set_font(FONT, size=10)
        late = f"，逾期 {h.days_late} 天" if h.missed_deadline else ""
        pdf.multi_cell(
            0,
            6,
            f"{h.code} {h.title}（{h.grade}，{h.state}）发现 {_t(h.found_at)} · {h.found_by}；"
            f"责任人 {h.owner or '—'}；时限 {_t(h.deadline)}{late}；"
            f"验收 {h.verified_by or '—'} {_t(h.verified_at)}；销号 {_t(h.closed_at)}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        _table(
            pdf,
            ("时间", "操作", "状态", "操作人", "说明"),
            [(_t(e.at), e.action, e.state, e.actor, e.comment or "") for e in h.steps],
            (30, 25, 22, 25, 88),
        )
        pdf.ln(2)
    if not report.hazards:
        pdf.cell(0, 6, "无记录", new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "五、通知文书")
    _table(
        pdf,
        ("时间", "类型", "隐患", "标题", "接收人"),
        [
            (_t(n.at), n.kind, n.hazard_code, n.title, "、".join(n.recipients))
            for n in report.notices
        ],
        (28, 20, 32, 60, 50),
    )
    return bytes(pdf.output())
