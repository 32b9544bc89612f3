"""The hazard dashboard as an XLSX workbook with Chinese headers, one sheet per breakdown.

Counts are written as numbers and rates as percentages, so the sheets can be summed and
charted; text cells are typed as text so a name starting with ``=`` never runs as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.io.report_sheet import ReportSheet
from yingji.stats import periods, service

FIGURE_HEADERS = (
    ("found", "排查隐患数"),
    ("rectified", "本期销号数"),
    ("found_rectified", "本期发现已销号"),
    ("rate", "整改率"),
    ("found_major", "本期发现重大隐患"),
    ("open", "未销号（当前）"),
    ("overdue", "逾期未整改（当前）"),
    ("major_open", "重大隐患未销号（当前）"),
)
SUMMARY_ROWS = (
    ("found", "排查隐患数"),
    ("rectified", "本期销号数"),
    ("found_rectified", "本期发现已销号"),
    ("rate", "整改率"),
    ("found_major", "本期发现重大隐患"),
)
NOW_ROWS = (
    ("open", "未销号隐患（当前）"),
    ("overdue", "逾期未整改隐患（当前）"),
    ("major_open", "重大隐患未销号（当前）"),
)
NOTE = (
    "说明：排查=发现日期在统计期内；销号=销号日期在统计期内；整改率=本期发现的隐患中截至目前"
    "已销号的比例；未销号、逾期、重大隐患未销号为截至统计日期的数；不予认定的不计。"
)


def _figures(row: dict[str, Any]) -> list[Any]:
    return [row[key] for key, _ in FIGURE_HEADERS]


def _rate_columns(offset: int) -> set[int]:
    return {offset + [k for k, _ in FIGURE_HEADERS].index("rate")}


def _summary(wb: Workbook, data: dict[str, Any]) -> None:
    sheet = ReportSheet(wb, "汇总")
    region, window = data["region"], data["window"]
    sheet.row(["区划", f"{region['name']}（{region['code'] or '全国'}）"])
    sheet.row(["统计期", f"{window['from']} 至 {window['to']}（{window['days']} 天）"])
    sheet.row(["同比期", f"{data['yoy']['window']['from']} 至 {data['yoy']['window']['to']}"])
    sheet.row(["环比期", f"{data['pop']['window']['from']} 至 {data['pop']['window']['to']}"])
    sheet.row(["统计日期", data["today"]])
    sheet.row([])
    sheet.row(["指标", "本期", "同比期", "环比期", "同比变化", "环比变化"], header=True)
    change = data["change"]
    for key, label in SUMMARY_ROWS:
        yoy_change = change["yoy"].get("rate_pp" if key == "rate" else key)
        pop_change = change["pop"].get("rate_pp" if key == "rate" else key)
        values = [label, data["summary"][key], data["yoy"][key], data["pop"][key]]
        if key == "rate":
            values += [_pp(yoy_change), _pp(pop_change)]
            sheet.row(values, percent={1, 2, 3})
        elif key in ("found", "rectified"):
            sheet.row([*values, yoy_change, pop_change], percent={4, 5})
        else:
            sheet.row(values)
    for key, label in NOW_ROWS:
        sheet.row([label, data["summary"][key]])
    sheet.row([])
    sheet.row([NOTE])


def _pp(value: float | None) -> str | None:
    return None if value is None else f"{value:+.1f} 个百分点"


def _table(
    wb: Workbook, title: str, head: list[str], rows: list[list[Any]], rate_at: set[int]
) -> None:
    sheet = ReportSheet(wb, title)
    sheet.row(head, header=True)
    for values in rows:
        sheet.row(values, percent=rate_at)


def _ranking(wb: Workbook, title: str, data: dict[str, Any], unit: str) -> None:
    head = ["名次", f"{unit}", "整改率", "逾期未整改", "排查隐患数", "本期发现已销号",
            f"上季度（{data['previous_quarter']}）名次", "名次变化"]  # fmt: skip
    rows = [
        [
            r["rank"],
            r["name"],
            r["rate"],
            r["overdue"],
            r["found"],
            r["found_rectified"],
            r["previous_rank"],
            r["rank_change"],
        ]
        for r in data["rows"]
    ]
    sheet = ReportSheet(wb, title)
    sheet.row([f"{data['quarter']} 季度排名（{data['region']['name']}）"], header=True)
    sheet.row([service.RANK_RULE])
    sheet.row(head, header=True)
    for values in rows:
        sheet.row(values, percent={2})


def workbook(
    session: Session,
    actor: Actor,
    under: str | None,
    first: dt.date | None,
    last: dt.date | None,
    quarter: str | None = None,
) -> tuple[bytes, str]:
    """The workbook and a file name for it (区划-dates)."""
    data = service.dashboard(session, actor, under, first, last)
    quarter = quarter or periods.quarter_of(dt.date.fromisoformat(data["window"]["to"]))
    code = data["region"]["code"] or None
    by_region = service.ranking(session, actor, quarter, "region", code, catch_up=False)
    by_dept = service.ranking(session, actor, quarter, "department", code, catch_up=False)
    wb = Workbook(write_only=True)
    _summary(wb, data)
    heads = [h for _, h in FIGURE_HEADERS]
    _table(
        wb,
        "按区划",
        ["区划编码", "区划名称", *heads],
        [
            [r["key"] if r["key"] != service.SELF_KEY else "", r["name"], *_figures(r)]
            for r in data["by_region"]
        ],
        _rate_columns(2),
    )
    _table(
        wb,
        "按行业",
        ["行业代码（GB/T 4754 大类）", "行业名称", *heads],
        [[r["key"], r["name"], *_figures(r)] for r in data["by_industry"]],
        _rate_columns(2),
    )
    _table(
        wb,
        "按监管部门",
        ["部门", "所在区划", *heads],
        [[r["name"], r.get("region", ""), *_figures(r)] for r in data["by_department"]],
        _rate_columns(2),
    )
    _table(
        wb,
        "月度趋势",
        ["月份", "排查隐患数", "销号数"],
        [[m["month"], m["found"], m["rectified"]] for m in data["trend"]],
        set(),
    )
    _ranking(wb, "区划排名", by_region, "区划")
    _ranking(wb, "部门排名", by_dept, "部门")
    out = io.BytesIO()
    wb.save(out)
    window = data["window"]
    name = f"隐患统计-{data['region']['name']}-{window['from']}至{window['to']}.xlsx"
    return out.getvalue(), name
