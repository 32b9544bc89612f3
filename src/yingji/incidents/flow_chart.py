"""The printable one-page flow chart (一页纸应急响应流程图) of a response flow.

Four columns from Ⅳ to Ⅰ, the order a response escalates: each column holds the steps that
start at that level, each box the responsible unit or role, the action and the time limit.
Declaring a level runs its column and every column to its left, which the footer says.

Two renderings of the same layout: self-contained HTML (inline CSS, A4 landscape ``@page``)
for the browser and its print dialog, and a PDF (or PNG) drawn by matplotlib with the
shipped Noto Sans CJK font, so the file prints the same on machines without CJK fonts.
Long flows shrink their type until the tallest column fits the page.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import cache

from markupsafe import Markup, escape
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Polygon
from matplotlib.textpath import text_to_path
from sqlalchemy.orm import Session

from yingji import clock
from yingji.db import utcnow
from yingji.fonts import CJK_FONT_PATH, CJK_SC_INDEX, missing_glyphs
from yingji.incidents import flows, types
from yingji.incidents.flow_models import ResponseFlow
from yingji.regions.models import Region

COLOURS = {4: "#1f6fb2", 3: "#c99a06", 2: "#d9731a", 1: "#c0282d"}
"""Ⅳ blue, Ⅲ yellow, Ⅱ orange, Ⅰ red: the colours of the four response levels."""
TINTS = {4: "#eaf2fa", 3: "#fbf5e0", 2: "#fcefe3", 1: "#f9e6e6"}
ROMAN_EN = {1: "I", 2: "II", 3: "III", 4: "IV"}
A4_LANDSCAPE = (11.69, 8.27)
"""Inches."""

LABELS = {
    "zh-CN": {
        "level": "{name}级响应",
        "starts": "{name}级及以上启动",
        "applies": "适用事件",
        "all_types": "各类突发事件",
        "only": "仅限",
        "version": "第 {v} 版",
        "inactive": "（已停用）",
        "printed": "打印于",
        "empty": "（无步骤）",
        "footer": "说明：启动某级响应时，执行该级及左侧较低级别各列的全部步骤；"
        "时限自启动响应时起算。责任角色指事发地区划的该角色责任人。",
        "steps": "共 {n} 个步骤",
    },
    "en": {
        "level": "Level {roman} response",
        "starts": "starts at level {roman} and above",
        "applies": "Applies to",
        "all_types": "all incident types",
        "only": "only",
        "version": "version {v}",
        "inactive": " (inactive)",
        "printed": "printed",
        "empty": "(no steps)",
        "footer": "Declaring a level runs every step of its column and of the lower levels to "
        "its left; time limits count from the declaration. A role means its holders in the "
        "incident's region.",
        "steps": "{n} steps",
    },
}


def _label(locale: str, key: str, **values: object) -> str:
    table = LABELS.get(locale, LABELS["zh-CN"])
    return table[key].format(**values)


def limit_text(minutes: int, locale: str = "zh-CN") -> str:
    """``90`` → ``1小时30分钟内`` / ``within 1 h 30 min``."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if locale == "en":
        parts = [
            f"{days} d" if days else "",
            f"{hours} h" if hours else "",
            f"{mins} min" if mins else "",
        ]
        return "within " + " ".join(p for p in parts if p)
    parts = [
        f"{days}天" if days else "",
        f"{hours}小时" if hours else "",
        f"{mins}分钟" if mins else "",
    ]
    return "".join(parts) + "内"


@dataclass(frozen=True)
class Box:
    who: str
    action: str
    limit: str
    only: str
    """The step's own type filter, as names (empty: the flow's types)."""


@dataclass(frozen=True)
class Chart:
    title: str
    subtitle: str
    columns: list[tuple[int, str, str, list[Box]]]
    """(level, heading, hint, boxes), Ⅳ first."""
    footer: str
    locale: str

    def text(self) -> str:
        """Every character the chart prints (for the missing-glyph check)."""
        parts = [self.title, self.subtitle, self.footer]
        for _level, head, hint, boxes in self.columns:
            parts += [head, hint]
            parts += [f"{b.who}{b.action}{b.limit}{b.only}" for b in boxes]
        return "".join(parts)


def _type_name(code: str, locale: str) -> str:
    try:
        t = types.get(code)
    except Exception:  # a type removed from the list since: show its code
        return code
    return t.name_en if locale == "en" else t.name_zh


def build(
    session: Session, flow: ResponseFlow, locale: str = "zh-CN", now: dt.datetime | None = None
) -> Chart:
    """The chart's content: names resolved, steps grouped by level, texts in ``locale``."""
    who = flows.names(session, flow.steps)
    region = session.get(Region, flow.region_id)
    sep = ", " if locale == "en" else "、"
    served = sep.join(_type_name(c, locale) for c in flow.type_codes) or _label(locale, "all_types")
    printed = (now or utcnow()).astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")
    bits = [
        flow.code,
        _label(locale, "version", v=flow.version)
        + ("" if flow.active else _label(locale, "inactive")),
        region.name if region else "",
        f"{_label(locale, 'applies')}：{served}" if locale != "en" else f"Applies to: {served}",
        _label(locale, "steps", n=len(flow.steps)),
        f"{_label(locale, 'printed')} {printed}",
    ]
    columns = []
    for level, steps in flows.by_level(flow.steps).items():
        name = flows.LEVEL_NAMES[level]
        roman = ROMAN_EN[level]
        boxes = [
            Box(
                who=who.of(s, locale),
                action=s.action,
                limit=(
                    limit_text(s.minutes, locale)
                    if locale == "en"
                    else "时限：" + limit_text(s.minutes)
                ),
                only=(
                    f"{_label(locale, 'only')}{' ' if locale == 'en' else ''}"
                    + sep.join(_type_name(c, locale) for c in s.type_codes)
                )
                if s.type_codes
                else "",
            )
            for s in steps
        ]
        columns.append(
            (
                level,
                _label(locale, "level", name=name, roman=roman),
                _label(locale, "starts", name=name, roman=roman),
                boxes,
            )
        )
    return Chart(
        title=flow.name,
        subtitle=" · ".join(b for b in bits if b),
        columns=columns,
        footer=_label(locale, "footer"),
        locale=locale,
    )


# --- HTML ----------------------------------------------------------------------------------

CSS = """
.ffc{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
  sans-serif;color:#1d2733;background:#fff;box-sizing:border-box}
.ffc *{box-sizing:border-box}
.ffc-head h1{font-size:20px;margin:0 0 2px;text-align:center}
.ffc-head p{margin:0 0 10px;text-align:center;color:#55606c;font-size:11px}
.ffc-grid{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:0 22px}
.ffc-col{position:relative;border-radius:6px;padding:0 0 6px}
.ffc-col+.ffc-col::before{content:"";position:absolute;left:-18px;top:12px;
  border:7px solid transparent;border-left:12px solid #8a96a3}
.ffc-col h2{margin:0;padding:5px 8px 1px;font-size:14px;color:#fff;border-radius:6px 6px 0 0}
.ffc-hint{margin:0;padding:0 8px 5px;font-size:10px;color:#fff}
.ffc-col ol{list-style:none;margin:0;padding:6px}
.ffc-box{background:#fff;border:1px solid #b8c2cc;border-left-width:4px;border-radius:4px;
  padding:4px 6px;margin:0 0 6px;break-inside:avoid;font-size:11px;line-height:1.35}
.ffc-who{font-weight:700}
.ffc-time{color:#55606c;font-size:10px;margin-top:2px}
.ffc-only{display:inline-block;font-size:9px;border:1px solid #b8c2cc;border-radius:3px;
  padding:0 3px;margin-left:4px;color:#55606c}
.ffc-empty{color:#8a96a3;font-size:11px;padding:4px 6px}
.ffc-foot{margin:8px 0 0;font-size:10px;color:#55606c}
.ffc.dense .ffc-box{font-size:9px;padding:2px 4px;margin-bottom:3px}
.ffc.dense .ffc-time{font-size:8px}
"""
PRINT_CSS = """
@page{size:A4 landscape;margin:9mm}
html,body{margin:0;background:#fff}
@media screen{body{padding:12px}}
@media print{.ffc{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""
DENSE_STEPS = 18
"""From this many steps the boxes use smaller type so the chart stays on one page."""


def fragment(chart: Chart) -> Markup:
    """The chart as an HTML section with its own CSS (for embedding in a page)."""
    cols = []
    steps = 0
    for level, head, hint, boxes in chart.columns:
        steps += len(boxes)
        items = (
            "".join(
                f'<li class="ffc-box" data-level="{level}" '
                f'style="border-left-color:{COLOURS[level]}">'
                f'<div class="ffc-who">{escape(b.who)}'
                + (f'<span class="ffc-only">{escape(b.only)}</span>' if b.only else "")
                + f'</div><div class="ffc-act">{escape(b.action)}</div>'
                f'<div class="ffc-time">{escape(b.limit)}</div></li>'
                for b in boxes
            )
            or f'<li class="ffc-empty">{escape(_label(chart.locale, "empty"))}</li>'
        )
        cols.append(
            f'<div class="ffc-col" style="background:{TINTS[level]}" data-level="{level}">'
            f'<h2 style="background:{COLOURS[level]}">{escape(head)}</h2>'
            f'<p class="ffc-hint" style="background:{COLOURS[level]}">{escape(hint)}</p>'
            f"<ol>{items}</ol></div>"
        )
    dense = " dense" if steps >= DENSE_STEPS else ""
    return Markup(
        f"<style>{CSS}</style>"
        f'<section class="ffc{dense}" data-testid="flow-chart">'
        f'<header class="ffc-head"><h1>{escape(chart.title)}</h1>'
        f"<p>{escape(chart.subtitle)}</p></header>"
        f'<div class="ffc-grid">{"".join(cols)}</div>'
        f'<p class="ffc-foot">{escape(chart.footer)}</p></section>'
    )


def html_document(chart: Chart) -> str:
    """A standalone page for printing: nothing loaded from elsewhere, A4 landscape."""
    lang = "en" if chart.locale == "en" else "zh-CN"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(chart.title)}</title><style>{PRINT_CSS}</style></head>"
        f"<body>{fragment(chart)}</body></html>"
    )


# --- PDF / PNG -----------------------------------------------------------------------------


@cache
def _font() -> font_manager.FontProperties:
    """The shipped Noto Sans CJK SC face (index 2 of the collection)."""
    font_path = getattr(font_manager, "FontPath", None)
    if font_path is not None:
        return font_manager.FontProperties(fname=font_path(str(CJK_FONT_PATH), CJK_SC_INDEX))
    font_manager.fontManager.addfont(str(CJK_FONT_PATH))  # older matplotlib: by family name
    return font_manager.FontProperties(family="Noto Sans CJK SC")


def _fp(size: float, bold: bool = False) -> font_manager.FontProperties:
    f = _font().copy()
    f.set_size(size)
    if bold:
        f.set_weight("bold")
    return f


@cache
def _advance(ch: str) -> float:
    """Width of ``ch`` at 10 pt, in points."""
    width, _h, _d = text_to_path.get_text_width_height_descent(ch, _fp(10), ismath=False)
    return float(width)


def wrap(text: str, width_pt: float, size: float) -> list[str]:
    """Lines of ``text`` no wider than ``width_pt`` at ``size`` points (Chinese breaks
    anywhere; a Latin word is kept whole when it fits a line)."""
    scale = size / 10.0
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line, used = "", 0.0
        i = 0
        while i < len(para):
            # a run of Latin letters/digits moves as one word
            j = i + 1
            if para[i].isascii() and para[i].isalnum():
                while j < len(para) and para[j].isascii() and para[j].isalnum():
                    j += 1
            word = para[i:j]
            w = sum(_advance(c) for c in word) * scale
            if used + w > width_pt and line:
                lines.append(line.rstrip())
                line, used = "", 0.0
                if word == " ":
                    i = j
                    continue
            if w > width_pt:  # a word longer than the line: break it by character
                for c in word:
                    cw = _advance(c) * scale
                    if used + cw > width_pt and line:
                        lines.append(line)
                        line, used = "", 0.0
                    line += c
                    used += cw
            else:
                line += word
                used += w
            i = j
        lines.append(line.rstrip())
    return lines


@dataclass
class _Layout:
    size: float
    boxes: list[list[tuple[list[str], list[str], str, float]]]
    """Per column: (who lines, action lines, limit, height in points)."""
    tallest: float


PAGE_MARGIN = 0.42  # inches
HEAD_H = 0.78  # title band, inches
FOOT_H = 0.32
COL_GAP = 0.30
COL_HEAD_H = 0.46
BOX_GAP = 5.0  # points
PAD = 4.0  # points inside a box


def _layout(chart: Chart, size: float, col_w_pt: float) -> _Layout:
    inner = col_w_pt - 10 - 2 * PAD - 8  # box inset 5 pt a side, text 4 pt right of the bar
    line = size * 1.32
    cols = []
    tallest = 0.0
    for _level, _head, _hint, boxes in chart.columns:
        col = []
        total = 0.0
        for b in boxes:
            who = wrap(b.who + (f"［{b.only}］" if b.only else ""), inner, size)
            act = wrap(b.action, inner, size)
            h = (len(who) + len(act)) * line + (size * 0.9) * 1.32 + 2 * PAD
            col.append((who, act, b.limit, h))
            total += h + BOX_GAP
        cols.append(col)
        tallest = max(tallest, total)
    return _Layout(size, cols, tallest)


def figure(chart: Chart, dpi: int = 150) -> Figure:
    """The chart on one A4 landscape page."""
    w_in, h_in = A4_LANDSCAPE
    fig = Figure(figsize=A4_LANDSCAPE, dpi=dpi)
    fig.patch.set_facecolor("white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, w_in * 72)
    ax.set_ylim(0, h_in * 72)
    ax.set_axis_off()
    pt = 72.0
    left = PAGE_MARGIN * pt
    top = (h_in - PAGE_MARGIN) * pt
    ax.text(
        w_in * pt / 2, top - 14, chart.title, ha="center", va="center", fontproperties=_fp(17, True)
    )
    ax.text(
        w_in * pt / 2,
        top - 36,
        chart.subtitle,
        ha="center",
        va="center",
        color="#55606c",
        fontproperties=_fp(8.5),
    )
    col_w = ((w_in - 2 * PAGE_MARGIN) - 3 * COL_GAP) / 4 * pt
    col_top = top - HEAD_H * pt
    bottom = (PAGE_MARGIN + FOOT_H) * pt
    room = col_top - COL_HEAD_H * pt - bottom - 6
    size = 10.5
    lay = _layout(chart, size, col_w)
    while lay.tallest > room and size > 4.5:
        size = round(size - 0.25, 2)
        lay = _layout(chart, size, col_w)
    line = size * 1.32
    for c, (level, head, hint, _boxes) in enumerate(chart.columns):
        x0 = left + c * (col_w + COL_GAP * pt)
        colour = COLOURS[level]
        ax.add_patch(
            FancyBboxPatch(
                (x0, bottom),
                col_w,
                col_top - bottom,
                boxstyle="round,pad=0,rounding_size=5",
                facecolor=TINTS[level],
                edgecolor="none",
            )
        )
        ax.add_patch(
            FancyBboxPatch(
                (x0, col_top - COL_HEAD_H * pt),
                col_w,
                COL_HEAD_H * pt,
                boxstyle="round,pad=0,rounding_size=5",
                facecolor=colour,
                edgecolor="none",
            )
        )
        ax.text(
            x0 + 8, col_top - 12, head, color="white", va="center", fontproperties=_fp(12, True)
        )
        ax.text(x0 + 8, col_top - 27, hint, color="white", va="center", fontproperties=_fp(8))
        if c:
            ay = col_top - 14
            ax.add_patch(
                Polygon(
                    [
                        (x0 - COL_GAP * pt + 3, ay + 7),
                        (x0 - 3, ay),
                        (x0 - COL_GAP * pt + 3, ay - 7),
                    ],
                    closed=True,
                    facecolor="#8a96a3",
                    edgecolor="none",
                )
            )
        y = col_top - COL_HEAD_H * pt - 6
        if not lay.boxes[c]:
            ax.text(
                x0 + 8,
                y - 8,
                _label(chart.locale, "empty"),
                color="#8a96a3",
                va="top",
                fontproperties=_fp(size),
            )
        for who, act, limit, h in lay.boxes[c]:
            bx, bw = x0 + 5, col_w - 10
            ax.add_patch(
                FancyBboxPatch(
                    (bx, y - h),
                    bw,
                    h,
                    boxstyle="round,pad=0,rounding_size=3",
                    facecolor="white",
                    edgecolor="#b8c2cc",
                    linewidth=0.6,
                )
            )
            ax.add_patch(
                FancyBboxPatch(
                    (bx, y - h), 3, h, boxstyle="square,pad=0", facecolor=colour, edgecolor="none"
                )
            )
            ty = y - PAD - line / 2
            for text in who:
                ax.text(bx + PAD + 4, ty, text, va="center", fontproperties=_fp(size, True))
                ty -= line
            for text in act:
                ax.text(bx + PAD + 4, ty, text, va="center", fontproperties=_fp(size))
                ty -= line
            ax.text(
                bx + PAD + 4,
                ty + line * 0.1,
                limit,
                va="center",
                color="#55606c",
                fontproperties=_fp(size * 0.9),
            )
            y -= h + BOX_GAP
    ax.text(
        left,
        PAGE_MARGIN * pt + 4,
        chart.footer,
        va="bottom",
        color="#55606c",
        fontproperties=_fp(7.5),
    )
    return fig


def pdf_bytes(chart: Chart) -> bytes:
    fig = figure(chart)
    FigureCanvasPdf(fig)
    out = io.BytesIO()
    fig.savefig(out, format="pdf", facecolor="white")
    return out.getvalue()


def png_bytes(chart: Chart, dpi: int = 110) -> bytes:
    fig = figure(chart, dpi=dpi)
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, facecolor="white")
    return out.getvalue()


def missing(chart: Chart) -> set[str]:
    """Characters of the chart the font cannot draw (they would print as empty boxes)."""
    return missing_glyphs(chart.text())
