"""The rapid earthquake report as an A4 PDF (fpdf2 with the shipped CJK font): the rows of
``report.build``, the map on page one, tables shaded by intensity."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace
from PIL import Image

from yingji.fonts import CJK_FONT_PATH, CJK_SC_INDEX
from yingji.quake.labels import ALERT_COLOURS, ZONE_COLOURS
from yingji.quake.report import TITLE, build

FONT = "NotoSansSC"
HEAD = FontFace(fill_color=(230, 236, 240))
MAP_WIDTH_MM = 170


class _Pdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font(FONT, "", CJK_FONT_PATH, collection_font_number=CJK_SC_INDEX)
        self.set_font(FONT, size=10)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(TITLE)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.footer_text} · 第 {self.page_no()} 页", align="C")
        self.set_text_color(0)


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.will_page_break(30):  # never leave a heading alone at the foot of a page
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def _para(pdf: FPDF, text: str, height: float = 5.5) -> None:
    """A left-aligned paragraph; CJK text wraps at any character, not at the last space."""
    pdf.multi_cell(
        0, height, text, align="L", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT"
    )


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as an (r, g, b) tuple, for fpdf and for tests reading the map's pixels."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _table(
    pdf: FPDF,
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    fills: Sequence[str | None] | None = None,
    align: str | tuple[str, ...] = "LEFT",
) -> None:
    """A table with a shaded head; CJK text wraps at any character."""
    if not rows:
        pdf.cell(0, 6, "无 / none", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(
        col_widths=tuple(widths),
        headings_style=HEAD,
        line_height=5.5,
        text_align=align,
        wrapmode=WrapMode.CHAR,
    ) as table:
        table.row(list(head))
        for n, row in enumerate(rows):
            fill = fills[n] if fills else None
            style = None
            if fill:
                r, g, b = hex_rgb(fill)
                dark = 0.3 * r + 0.59 * g + 0.11 * b < 110
                style = FontFace(fill_color=(r, g, b), color=(255, 255, 255) if dark else None)
            cells = table.row()
            for k, value in enumerate(row):
                cells.cell(value, style=style if k == 0 else None)


def render_pdf(result: dict[str, Any], png: bytes, place: str | None = None) -> bytes:
    """The report as an A4 PDF with the map on page one."""
    data = build(result, place)
    pdf = _Pdf(data.footer)
    pdf.add_page()
    pdf.set_font(FONT, size=18)
    pdf.cell(0, 10, data.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 7, data.headline, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=8)
    pdf.set_text_color(100)
    pdf.cell(0, 5, data.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)

    _heading(pdf, data.sections["basics"])
    pairs = [(*a, *b) for a, b in zip(data.basics[0::2], data.basics[1::2], strict=False)]
    if len(data.basics) % 2:
        pairs.append((*data.basics[-1], "", ""))
    with pdf.table(
        col_widths=(36, 54, 36, 54),
        line_height=5.5,
        first_row_as_headings=False,
        text_align="LEFT",
    ) as t:
        for row in pairs:
            cells = t.row()
            for k, value in enumerate(row):
                cells.cell(value, style=HEAD if k % 2 == 0 else None)

    _heading(pdf, data.sections["intensity"])
    width = min(MAP_WIDTH_MM, pdf.epw)
    with Image.open(io.BytesIO(png)) as im:
        height = width * im.height / im.width
    if pdf.will_page_break(height + 6):
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=(pdf.w - width) / 2, w=width, h=height)
    pdf.set_font(FONT, size=8)
    pdf.cell(0, 5, data.map_caption, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    if pdf.will_page_break(5.5 * (len(data.intensity_rows) + 1) + 4):
        pdf.add_page()
    fills = [ZONE_COLOURS.get(i) if i else None for i in data.intensity_levels]
    _table(pdf, data.intensity_head, data.intensity_rows, (34, 40, 32, 32, 42), fills, "CENTER")

    _heading(pdf, data.sections["losses"])
    _table(pdf, data.loss_head, data.loss_rows, (54, 42, 42, 42), align="CENTER")
    pdf.ln(2)
    for what, label, level in data.alerts:
        pdf.set_font(FONT, size=9)
        pdf.cell(55, 6, what)
        colour = ALERT_COLOURS.get(level)
        if colour:
            with pdf.local_context(fill_color=hex_rgb(colour)):
                pdf.rect(pdf.get_x(), pdf.get_y() + 1.2, 3.6, 3.6, style="F")
        pdf.set_x(pdf.get_x() + 5)
        pdf.cell(0, 6, label, new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, data.sections["response"])
    pdf.set_font(FONT, size=12)
    pdf.set_text_color(*(hex_rgb("#b01c14") if data.response_level else (0, 0, 0)))
    _para(pdf, data.response, 7)
    pdf.set_text_color(0)
    pdf.set_font(FONT, size=9)
    _para(pdf, data.response_reason, 5.5)

    _heading(pdf, data.sections["counties"])
    _table(
        pdf,
        data.county_head,
        data.county_rows,
        (22, 34, 56, 18, 28, 22),
        align=("LEFT", "LEFT", "LEFT", "CENTER", "RIGHT", "RIGHT"),
    )

    _heading(pdf, data.sections["priorities"])
    _para(pdf, data.priority_note, 5.5)
    pdf.ln(1)
    _table(
        pdf,
        data.priority_head,
        data.priority_rows,
        (12, 66, 18, 26, 58),
        align=("CENTER", "LEFT", "CENTER", "RIGHT", "LEFT"),
    )

    _heading(pdf, data.sections["notes"])
    for n, note in enumerate(data.notes, start=1):
        _para(pdf, f"{n}. {note}", 5.5)
    return bytes(pdf.output())
