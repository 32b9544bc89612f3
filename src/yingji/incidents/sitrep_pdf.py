"""A :class:`~yingji.incidents.sitrep.Document` as an A4 PDF (fpdf2 with the shipped CJK
font, so it prints Chinese on machines without any CJK font): the situation report and the
after-action review both print through here."""

from __future__ import annotations

import re

from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from yingji.fonts import CJK_FONT_PATH, CJK_SC_INDEX
from yingji.incidents.sitrep import Document, Table

FONT = "NotoSansSC"
RED = (176, 28, 20)
HEAD = FontFace(fill_color=(230, 236, 240))
MARK = FontFace(fill_color=(253, 236, 234))
ALIGN = {"L": "LEFT", "C": "CENTER", "R": "RIGHT"}
LINE = 6.0
WORD = re.compile(r"[A-Za-z0-9_.,:%+\-/]+|.", re.S)
"""What a line may not break inside: a run of Latin letters and digits, else one character."""
NO_LINE_START = frozenset("，。、；：？！）》」』】”’·…%,.;:?!)]")


class _Pdf(FPDF):
    def __init__(self, title: str, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font(FONT, "", CJK_FONT_PATH, collection_font_number=CJK_SC_INDEX)
        self.set_font(FONT, size=11)
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.footer_text} · 第 {self.page_no()} 页", align="C")
        self.set_text_color(0)


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.will_page_break(24):  # never leave a heading alone at the foot of a page
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)


def lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` broken into lines of at most ``width`` mm, at any character as CJK text
    breaks, except inside a number or a Latin word, and closing punctuation never starts a
    line: it hangs at the end of the line before (避头点), a little into the margin."""
    out: list[str] = []
    line = ""
    for token in WORD.findall(text):
        if line and pdf.get_string_width(line + token) > width and token not in NO_LINE_START:
            out.append(line)
            line = ""
        line += token
    if line or not out:
        out.append(line)
    return out


def _para(pdf: FPDF, text: str) -> None:
    """A paragraph indented by two characters, CJK line breaking."""
    for line in lines(pdf, "\u3000\u3000" + text, pdf.epw):
        if pdf.will_page_break(LINE):
            pdf.add_page()
        pdf.cell(0, LINE, line, new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, t: Table) -> None:
    pdf.set_font(FONT, size=9.5)
    total = sum(t.widths)
    widths = tuple(pdf.epw * w / total for w in t.widths)
    with pdf.table(
        col_widths=widths,
        headings_style=HEAD,
        line_height=5.2,
        wrapmode=WrapMode.CHAR,
    ) as table:
        head = table.row()
        for col, h in enumerate(t.head):
            head.cell(h, align=ALIGN[t.aligned(col)])
        for n, row in enumerate(t.rows):
            cells = table.row()
            style = MARK if t.marked(n) else None
            for col, value in enumerate(row):
                cells.cell(value, align=ALIGN[t.aligned(col)], style=style)
    pdf.ln(2)
    pdf.set_font(FONT, size=11)


def render_pdf(doc: Document) -> bytes:
    """The document as an A4 PDF."""
    pdf = _Pdf(doc.title, doc.footer)
    pdf.add_page()
    pdf.set_font(FONT, size=20)
    pdf.set_text_color(*RED)
    pdf.cell(0, 12, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_font(FONT, size=12)
    pdf.multi_cell(
        0, 7, doc.headline, align="C", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT"
    )
    if doc.subtitle:
        pdf.set_font(FONT, size=9)
        pdf.set_text_color(90)
        pdf.cell(0, 6, doc.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    y = pdf.get_y() + 1
    with pdf.local_context(draw_color=RED, line_width=0.6):
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.ln(3)
    pdf.set_font(FONT, size=11)
    for section in doc.sections:
        _heading(pdf, section.heading)
        for block in section.blocks:
            if isinstance(block, Table):
                _table(pdf, block)
            else:
                _para(pdf, block)
    pdf.ln(8)
    if pdf.will_page_break(LINE * len(doc.signature)):
        pdf.add_page()
    for line in doc.signature:
        pdf.cell(0, LINE, line, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
