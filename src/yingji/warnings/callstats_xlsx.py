"""Call-response statistics as an XLSX workbook with Chinese headers: a summary sheet,
warnings by level, and the regional breakdown.

Counts are numbers and rates percentages, so the sheets sum and chart; text cells are
typed as text, so a region name starting with ``=`` never runs as a formula.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from yingji.io.report_sheet import ReportSheet

SUMMARY = (
    ("instructions", "响应指令（含上报）"),
    ("targeted", "通知人数（首轮指令）"),
    ("direct_instructions", "其中一键直达"),
    ("person_times", "发送人次"),
    ("sent", "已发送"),
    ("delivered", "已送达"),
    ("delivery_rate", "送达率"),
    ("asked", "需确认"),
    ("confirmed", "已确认"),
    ("confirm_rate", "确认率（叫应率）"),
    ("median_confirm_seconds", "确认用时中位数（秒）"),
    ("unanswered", "超时未确认（当前）"),
    ("escalated", "已上报上级"),
    ("escalation_instructions", "上报指令"),
    ("failed", "发送失败"),
)
REGION_COLUMNS = (
    ("targeted", "通知人数"),
    ("sent", "已发送"),
    ("delivered", "已送达"),
    ("delivery_rate", "送达率"),
    ("confirmed", "已确认"),
    ("confirm_rate", "确认率"),
    ("unanswered", "超时未确认"),
    ("escalated", "已上报"),
    ("failed", "失败"),
)
RATES = {"delivery_rate", "confirm_rate"}
NOTE = (
    "说明：按指令生成时间计入统计期；发送人次=已发出的消息条数（含重拨、上报）；送达率=已送达÷已发送"
    "或发送失败的首轮指令；确认率=已确认÷需确认的首轮指令；确认用时自发送起计。"
)


def workbook(data: dict[str, Any]) -> tuple[bytes, str]:
    """The workbook of :func:`yingji.warnings.callstats.stats` output, and a file name."""
    wb = Workbook(write_only=True)
    region, window, figures = data["region"], data["window"], data["figures"]
    summary = ReportSheet(wb, "汇总")
    summary.row(["区划", f"{region['name']}（{region['code'] or '全国'}）"])
    summary.row(["统计期", f"{window['start']} 至 {window['end']}（{window['days']} 天）"])
    summary.row([])
    summary.row(["指标", "数值"], header=True)
    summary.row(["发布预警", data["warnings"]["total"]])
    summary.row(["一键直达消息", data["direct_messages"]])
    for key, label in SUMMARY:
        summary.row([label, figures.get(key)], percent={1} if key in RATES else frozenset())
    summary.row([])
    summary.row([NOTE])
    levels = ReportSheet(wb, "按预警等级")
    levels.row(["等级", "预警数"], header=True)
    for row in data["warnings"]["by_level"]:
        levels.row([row["label"], row["count"]])
    regions = ReportSheet(wb, "按区划")
    regions.row(["区划编码", "区划名称", *(label for _, label in REGION_COLUMNS)], header=True)
    rate_at = {2 + i for i, (key, _) in enumerate(REGION_COLUMNS) if key in RATES}
    for row in data["by_region"]:
        values = [row["code"], row["name"], *(row[key] for key, _ in REGION_COLUMNS)]
        regions.row(values, percent=rate_at)
    out = io.BytesIO()
    wb.save(out)
    name = f"预警叫应统计-{region['name'].split(' / ')[0]}-{window['start']}至{window['end']}.xlsx"
    return out.getvalue(), name
