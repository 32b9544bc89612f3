"""A :class:`~yingji.incidents.sitrep.Document` as a Word file (python-docx), for offices
that edit a report before sending it on: the situation report and the after-action review
both print through here.

Fonts follow the usual official-document set (黑体 headings, 仿宋 body); Word substitutes
where a machine lacks them. East Asian text takes the ``w:eastAsia`` font, which python-docx
does not set by itself.
"""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.document import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell
from docx.text.run import Run

from yingji.incidents.sitrep import Document, Table

HEI = "黑体"
FANGSONG = "仿宋"
RED = RGBColor(0xB0, 0x1C, 0x14)
ALIGN = {
    "L": WD_ALIGN_PARAGRAPH.LEFT,
    "C": WD_ALIGN_PARAGRAPH.CENTER,
    "R": WD_ALIGN_PARAGRAPH.RIGHT,
}
MARK_FILL = "FDECEA"
HEAD_FILL = "E6ECF0"


def _font(run: Run, name: str, size: float, *, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _shade(cell: _Cell, fill: str) -> None:
    tc_pr = cell._element.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc_pr.append(shading)


def _table(docx: WordDocument, t: Table) -> None:
    table = docx.add_table(rows=1, cols=len(t.head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(t.widths)
    widths = [Cm(16.0 * w / total) for w in t.widths]
    marks = [MARK_FILL if t.marked(n) else None for n in range(len(t.rows))]
    rows = [(t.head, HEAD_FILL), *zip(t.rows, marks, strict=True)]
    for n, (values, fill) in enumerate(rows):
        cells = table.rows[0].cells if n == 0 else table.add_row().cells
        for col, value in enumerate(values):
            cell = cells[col]
            cell.width = widths[col]
            para = cell.paragraphs[0]
            para.alignment = ALIGN[t.aligned(col)] if n else WD_ALIGN_PARAGRAPH.CENTER
            _font(para.add_run(value), HEI if n == 0 else FANGSONG, 10.5)
            if fill:
                _shade(cell, fill)


def render_docx(doc: Document) -> bytes:
    """The document as a .docx file."""
    docx = new_docx()
    section = docx.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    docx.core_properties.title = f"{doc.title} {doc.headline}"

    title = docx.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(doc.title)
    _font(run, HEI, 22, bold=True)
    run.font.color.rgb = RED
    headline = docx.add_paragraph()
    headline.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(headline.add_run(doc.headline), HEI, 14)
    if doc.subtitle:
        sub = docx.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(sub.add_run(doc.subtitle), FANGSONG, 12)

    for part in doc.sections:
        heading = docx.add_paragraph()
        heading.paragraph_format.space_before = Pt(8)
        _font(heading.add_run(part.heading), HEI, 16)
        for block in part.blocks:
            if isinstance(block, Table):
                _table(docx, block)
                continue
            para = docx.add_paragraph()
            para.paragraph_format.first_line_indent = Pt(32)
            para.paragraph_format.line_spacing = Pt(28)
            _font(para.add_run(block), FANGSONG, 16)

    docx.add_paragraph()
    for line in doc.signature:
        para = docx.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(para.add_run(line), FANGSONG, 16)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(footer.add_run(doc.footer), FANGSONG, 9)

    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()
