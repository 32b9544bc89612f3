"""The rapid earthquake report (地震灾害快速评估报告): its rows, and the report as
self-contained HTML.

Both documents (this HTML and ``report_pdf``) are built from one ``ReportData``: every label,
number format and table row is made here once, so the PDF for the file and the HTML for the
screen never disagree. The input is the assessment's result dict
(``Assessment.as_dict(geojson=True)``) and the map PNG.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from yingji.quake.attenuation import WANG2000_ZONE
from yingji.quake.labels import (
    ALERT_COLOURS,
    NO_RESPONSE,
    RELATION_NAMES,
    STRIKE_SOURCES,
    ZONE_COLOURS,
    ZONE_NAMES,
    alert_text,
    count,
    degree,
    km,
    lat_lon,
    magnitude_text,
    map_title,
    model_note,
    origin_time_text,
    place_text,
    response_text,
    yi,
)

TITLE = "地震灾害快速评估报告"
SUBTITLE = "Earthquake rapid assessment report（模型速判 / model estimate）"
LOWEST_INTENSITY = 6
"""Tables start at VI: below it there is no damage to report."""

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
        ("经济损失（模型估计）/ loss, model", *(yi(loss[k]) for k in ("low", "median", "high"))),
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
