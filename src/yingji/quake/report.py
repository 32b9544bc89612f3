"""The rapid earthquake report (地震灾害快速评估报告) as PDF and as self-contained HTML.

Both documents are built from one ``ReportData``: every label, number format and table row
is made here once, so the PDF for the file and the HTML for the screen never disagree. The
input is the assessment's result dict (``Assessment.as_dict(geojson=True)``) and the map PNG.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace
from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image

from yingji.fonts import CJK_FONT_PATH, CJK_SC_INDEX
from yingji.quake.attenuation import WANG2000_ZONE
from yingji.quake.isoseismals import roman

TITLE = "地震灾害快速评估报告"
SUBTITLE = "Earthquake rapid assessment report（模型速判 / model estimate）"
LOWEST_INTENSITY = 6
"""Tables start at VI: below it there is no damage to report."""

ZONE_COLOURS = {
    6: "#fff3a0",
    7: "#fed06a",
    8: "#fd9a43",
    9: "#f25c2c",
    10: "#d42a1e",
    11: "#a50f15",
    12: "#67000d",
}
"""Fill of each isoseismal zone, light yellow (Ⅵ) to dark red (Ⅺ, Ⅻ); the map and the
report's table swatches share it."""

ALERT_NAMES = {"green": "绿色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
ALERT_COLOURS = {"green": "#2e9d46", "yellow": "#e8c21a", "orange": "#f08c1a", "red": "#d0201a"}
RESPONSE_GRADES = {1: "特别重大", 2: "重大", 3: "较大", 4: "一般"}
NO_RESPONSE = "未达到国家响应启动条件"
RELATION_NAMES = {
    "gb18306": "GB 18306-2015 分区烈度衰减关系",
    "wang2000": "汪素云等（2000）东、西部烈度衰减关系",
}
ZONE_NAMES = {
    "tibet": "青藏区",
    "xinjiang": "新疆区",
    "east": "东部强震区",
    "central": "中强地震活动区",
}
STRIKE_SOURCES = {
    "given": "人工给定",
    "fault_trace": "断层破裂迹线",
    "regional_default": "所在区域主要活动断裂的默认走向",
}
BEIJING = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------- shared label helpers


def degree(intensity: int) -> str:
    """``Ⅵ度``: how a Chinese report names an intensity."""
    return f"{roman(intensity)}度"


def alert_text(level: str | None) -> str:
    """PAGER alert in Chinese with the English word: ``红色（red）``."""
    if not level:
        return "—"
    return f"{ALERT_NAMES.get(level, level)}（{level}）"


def response_text(level: int | None, grade: str | None = None) -> str:
    """``Ⅱ级响应（重大地震灾害）``, or the plan's wording when no level is reached."""
    if not level:
        return NO_RESPONSE
    name = grade or RESPONSE_GRADES.get(level, "")
    return f"{roman(level)}级响应（{name}地震灾害）" if name else f"{roman(level)}级响应"


def yi_amount(yuan: float | None) -> str:
    """Yuan in units of 亿 (1e8) with the precision a reader needs: 1,149 / 12.3 / 0.05."""
    if yuan is None:
        return "—"
    v = yuan / 1e8
    if v == 0:
        return "0"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 1:
        return f"{v:.1f}"
    return f"{v:.2f}" if v >= 0.01 else "<0.01"


def yi(yuan: float | None) -> str:
    """Yuan as 亿元 (1.2e11 → ``1,149 亿元``)."""
    return "—" if yuan is None else f"{yi_amount(yuan)} 亿元"


def count(n: float | None) -> str:
    """A head count with thousands separators."""
    return "—" if n is None else f"{round(n):,}"


def km(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def magnitude_text(event: dict[str, Any]) -> str:
    """``M6.2`` / ``Mw7.0``: the magnitude with its type as given."""
    kind = event.get("magnitude_type") or "M"
    return f"{kind}{event['magnitude']:.1f}"


def lat_lon(event: dict[str, Any]) -> str:
    lat, lon = event["lat"], event["lon"]
    ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
    return f"{abs(lat):.2f}°{ns}，{abs(lon):.2f}°{ew}"


def origin_time_text(value: str | None) -> str | None:
    """Origin time in Beijing time when it carries a zone, else as given; None when unknown."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S（北京时间）")


def place_text(result: dict[str, Any], place: str | None = None) -> str | None:
    """Where the event is, for titles: the caller's place, else the event's name."""
    name = result["event"].get("name")
    parts = [p for p in (place, name) if p]
    return " · ".join(dict.fromkeys(parts)) or None


def map_title(result: dict[str, Any]) -> str:
    """The first title line of the map (the report quotes it too)."""
    return f"{magnitude_text(result['event'])} 地震烈度分布图（速判）"


def model_note(result: dict[str, Any]) -> str:
    """The footnote naming the model and the isoseismal convention."""
    relation = result["model"]["relation"]
    short = "GB 18306-2015" if relation == "gb18306" else "汪素云等（2000）"
    return f"{short} 衰减关系 · 等震线按预测烈度达到整数度划定 · Yingji 速判"


# ---------------------------------------------------------------- the report's data


Row = tuple[str, ...]


@dataclass
class ReportData:
    """Everything the two documents print, as plain strings in order."""

    title: str
    subtitle: str
    headline: str
    basics: list[tuple[str, str]]
    map_caption: str
    intensity_head: Row
    intensity_rows: list[Row]
    intensity_levels: list[int | None]
    """Intensity of each intensity row (None for the total), for colour swatches."""
    loss_head: Row
    loss_rows: list[Row]
    alerts: list[tuple[str, str, str]]
    """(what, label, level) for the PAGER alerts."""
    response: str
    response_reason: str
    response_level: int | None
    county_head: Row
    county_rows: list[Row]
    priority_head: Row
    priority_rows: list[Row]
    priority_note: str
    notes: list[str]
    footer: str
    sections: dict[str, str] = field(default_factory=dict)

    def strings(self) -> list[str]:
        """Every string the documents print (for glyph checks)."""
        out = [self.title, self.subtitle, self.headline, self.map_caption, self.response]
        out += [self.response_reason, self.priority_note, self.footer, *self.notes]
        out += [s for pair in self.basics for s in pair]
        out += [s for a in self.alerts for s in a]
        out += list(self.sections.values())
        for head, rows in (
            (self.intensity_head, self.intensity_rows),
            (self.loss_head, self.loss_rows),
            (self.county_head, self.county_rows),
            (self.priority_head, self.priority_rows),
        ):
            out += list(head)
            out += [c for row in rows for c in row]
        return out


SECTIONS = {
    "basics": "一、地震基本参数",
    "intensity": "二、烈度分布",
    "losses": "三、人员伤亡与经济损失估计",
    "response": "四、应急响应建议",
    "counties": "五、受影响区县",
    "priorities": "六、抢修优先区域",
    "notes": "七、说明",
}


def _repair_focus(intensity: int) -> str:
    """What to restore first in a unit, by how hard it shook (GB/T 17742 damage grades)."""
    if intensity >= 9:
        return "道路抢通，电力、通信全面抢修"
    if intensity == 8:
        return "道路、电力、通信重点抢修"
    return "道路、电力、通信巡查排险"


def intensity_rows(result: dict[str, Any]) -> tuple[list[Row], list[int | None]]:
    """One row per intensity from VI: area inside its isoseismal, axes, people at exactly
    that intensity; a total of people at VI and above."""
    zones = {int(z["intensity"]): z for z in result.get("isoseismals", [])}
    exposure = {int(k): v for k, v in result.get("exposure", {}).items()}
    levels = sorted({i for i in (*zones, *exposure) if i >= LOWEST_INTENSITY})
    rows: list[Row] = []
    for i in levels:
        z = zones.get(i, {})
        rows.append(
            (
                degree(i),
                km(z.get("area_km2")),
                km(z.get("long_axis_km"), 1),
                km(z.get("short_axis_km"), 1),
                count(exposure.get(i, 0)),
            )
        )
    marks: list[int | None] = list(levels)
    if levels:
        total = sum(exposure.get(i, 0) for i in levels)
        rows.append((f"{degree(LOWEST_INTENSITY)}及以上合计", "", "", "", count(total)))
        marks.append(None)
    return rows, marks


def build(result: dict[str, Any], place: str | None = None) -> ReportData:
    """The report's content from the result dict; ``place`` names the epicentre's area
    when the caller knows it (e.g. the county from ``mapping.epicentre_place``)."""
    e, m = result["event"], result["model"]
    mag = magnitude_text(e)
    where = place_text(result, place)
    when = origin_time_text(e.get("origin_time"))
    headline = f"{where} {e['magnitude']:.1f}级地震（{mag}）" if where else f"{mag} 级地震"

    kind = e.get("magnitude_type") or "M"
    mag_detail = f"{e['magnitude']:.1f}（{kind}；Ms {e['ms']:.1f}，Mw {e['mw']:.1f}）"
    basics = [
        ("发震时刻 / origin time", when or "未提供 / not given"),
        ("震中位置 / epicentre", lat_lon(e)),
        ("震级 / magnitude", mag_detail),
        ("震源深度 / depth", f"{e['depth_km']:g} km"),
        ("参考地名 / place", where or f"{m.get('zone_name') or '—'}（所在区划）"),
        ("最高烈度 / max intensity", degree(int(result["max_intensity"]))),
    ]

    i_rows, i_marks = intensity_rows(result)
    d, loss = result["deaths"], result["economic_loss_yuan"]
    loss_rows = [
        ("死亡人数（人）/ deaths", count(d["low"]), count(d["median"]), count(d["high"])),
        ("直接经济损失 / loss", yi(loss["low"]), yi(loss["median"]), yi(loss["high"])),
    ]
    alerts_src = result.get("alerts") or {}
    alerts = [
        (
            "PAGER 综合警报 / overall",
            alert_text(result.get("alert_level")),
            result.get("alert_level") or "",
        ),
        (
            "死亡警报 / fatality",
            alert_text(alerts_src.get("fatality")),
            alerts_src.get("fatality", ""),
        ),
        (
            "经济损失警报 / economic",
            alert_text(alerts_src.get("economic")),
            alerts_src.get("economic", ""),
        ),
    ]

    level = result.get("response_level")
    if level:
        response = f"建议启动国家地震应急{response_text(level, result.get('response_grade'))}"
    else:
        response = NO_RESPONSE
    reason = f"依据 / basis：{result.get('response_reason') or '—'}"

    county_rows = [
        (
            c["province"],
            c["parent"],
            c["name"],
            degree(int(c["max_intensity"])),
            count(c["population"]),
            count(c["deaths"]),
        )
        for c in result.get("counties", [])
    ]
    priority_rows = [
        (
            str(n),
            f"{c['province']}{c['parent']}{c['name']}"
            if c["parent"] != c["province"]
            else f"{c['province']}{c['name']}",
            degree(int(c["max_intensity"])),
            count(c["population"]),
            _repair_focus(int(c["max_intensity"])),
        )
        for n, c in enumerate(result.get("priorities", []), start=1)
    ]

    relation = RELATION_NAMES.get(m["relation"], m["relation"])
    if m["relation"] == "wang2000":
        zone = "西部" if WANG2000_ZONE.get(m["zone"]) == "west" else "东部"
    else:
        zone = ZONE_NAMES.get(m["zone"], m["zone"])
    strike = STRIKE_SOURCES.get(m["strike_source"], m["strike_source"])
    source = (
        f"有限破裂源，破裂长度约 {m['rupture_length_km']:.0f} km，沿长轴展布"
        if m.get("finite_source")
        else "点源（未计破裂长度）"
    )
    basis = result.get("economic_basis") or {}
    notes = [
        f"烈度衰减：{relation}（{zone}），椭圆长短轴模型；按面波震级 Ms {e['ms']:.1f} 计算。",
        f"长轴走向 {m['strike']:.0f}°，来源：{strike}。",
        f"震源模型：{source}。",
        "等震线：某度等震线圈定预测烈度达到该整数度（I.0）的范围，面积为该度及以上的累计面积；"
        f"计算格网 {m['cell_km']:g} km。",
        f"场地影响：黄土高原区县的预测烈度增加 {m['loess_amplification']:g} 度。",
        "人员死亡与经济损失：USGS PAGER 中国经验模型（Jaiswal & Wald 2010、2011），按各整数"
        "烈度的暴露人口计算；低值、高值为整个烈度场下移、上移一个标准差的结果。"
        + (
            f"经济损失按 {basis['year']} 年全国人均 GDP "
            f"{basis['gdp_per_capita_yuan']:,.0f} 元估算。"
            if basis
            else ""
        ),
        "应急响应建议依据《国家地震应急预案》的灾害分级：估计死亡人数，或人口密集程度与震级的初判，"
        "取其高者。",
        "以上数字均为模型速判估计，仅供应急决策参考，应以现场调查与烈度评定结果为准并及时更新。",
    ]
    footer = f"{TITLE} · {mag} · {model_note(result)}"
    return ReportData(
        title=TITLE,
        subtitle=SUBTITLE,
        headline=headline,
        basics=basics,
        map_caption=f"图 1  {map_title(result)}",
        intensity_head=(
            "烈度 / intensity",
            "面积 km²（该度及以上）",
            "长轴 km",
            "短轴 km",
            "暴露人口（该度）",
        ),
        intensity_rows=i_rows,
        intensity_levels=i_marks,
        loss_head=("项目 / item", "低值 / low", "中值 / median", "高值 / high"),
        loss_rows=loss_rows,
        alerts=alerts,
        response=response,
        response_reason=reason,
        response_level=level,
        county_head=("省", "市/州", "区县", "最高烈度", "Ⅵ度及以上人口", "估计死亡"),
        county_rows=county_rows,
        priority_head=("序号", "区县", "最高烈度", "Ⅵ度及以上人口", "抢修重点 / repair focus"),
        priority_rows=priority_rows,
        priority_note=(
            f"{degree(7)}及以上区县按最高烈度、受影响人口排序，"
            "建议依次安排道路、电力、通信抢修力量。"
        ),
        notes=notes,
        footer=footer,
        sections=dict(SECTIONS),
    )


# ---------------------------------------------------------------- PDF

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


# ---------------------------------------------------------------- HTML


@cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(result: dict[str, Any], png: bytes, place: str | None = None) -> str:
    """The report as one HTML page with the map inlined: no external files, so it can be
    mailed or opened offline."""
    data = build(result, place)
    image = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        _env()
        .get_template("report.html")
        .render(
            d=data,
            image=image,
            zone_colours=ZONE_COLOURS,
            alert_colours=ALERT_COLOURS,
        )
    )
