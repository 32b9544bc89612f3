"""``yingji warnings stats``: call-response statistics of a period and region in the
terminal, or as an XLSX workbook (registered on the ``warnings`` command group)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from yingji.cli_support import actor_named, fail
from yingji.db import session_scope
from yingji.errors import YingjiError
from yingji.warnings import callstats, callstats_xlsx

ROWS = (
    ("instructions", "响应指令 / instructions"),
    ("targeted", "通知人数 / targeted"),
    ("person_times", "发送人次 / person-times"),
    ("delivered", "已送达 / delivered"),
    ("delivery_rate", "送达率 / delivery rate"),
    ("confirmed", "已确认 / confirmed"),
    ("confirm_rate", "确认率 / confirmation rate"),
    ("median_confirm_seconds", "确认用时中位数(秒) / median s"),
    ("unanswered", "超时未确认 / unanswered"),
    ("escalated", "已上报 / escalated"),
    ("failed", "失败 / failed"),
)


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key.endswith("_rate"):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _print(data: dict[str, Any]) -> None:
    region, window, f = data["region"], data["window"], data["figures"]
    typer.echo(f"{region['name']} {region['code']}  {window['start']} – {window['end']}")
    levels = "，".join(f"{r['label']} {r['count']}" for r in data["warnings"]["by_level"])
    typer.echo(f"  {'预警 / warnings':<32}{data['warnings']['total']:>10,}  （{levels}）")
    typer.echo(f"  {'一键直达 / direct messages':<32}{data['direct_messages']:>10,}")
    for key, label in ROWS:
        typer.echo(f"  {label:<32}{_cell(key, f.get(key)):>10}")
    typer.echo("")
    typer.echo(f"{'区划 / region':<24}{'通知':>8}{'送达':>8}{'确认':>8}{'确认率':>8}{'未确认':>8}")
    for r in data["by_region"]:
        name = r["name"].split(" / ")[0][:20]
        typer.echo(
            f"{name:<24}{r['targeted']:>8,}{r['delivered']:>8,}{r['confirmed']:>8,}"
            f"{_cell('confirm_rate', r['confirm_rate']):>8}{r['unanswered']:>8,}"
        )


def stats_command(
    start: Annotated[
        dt.datetime | None,
        typer.Option("--start", formats=["%Y-%m-%d"], help="开始日期 / first day"),
    ] = None,
    end: Annotated[
        dt.datetime | None,
        typer.Option("--end", formats=["%Y-%m-%d"], help="结束日期（含）/ last day"),
    ] = None,
    under: Annotated[str | None, typer.Option("--under", help="区划编码 / region code")] = None,
    level: Annotated[
        int | None, typer.Option("--level", help="分组层级 3–6 / breakdown level")
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="导出 Excel 文件 / write XLSX")
    ] = None,
    as_user: Annotated[str | None, typer.Option("--as-user", help="act as this user")] = None,
) -> None:
    """Warnings, instructions, person-times, delivery and confirmation rates, median time
    to confirm and escalations over a period (default: the last 30 days) and a region."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            data = callstats.stats(
                session,
                actor,
                start=start.date() if start else None,
                end=end.date() if end else None,
                under=under,
                level=level,
            )
    except YingjiError as exc:
        raise fail(exc.message) from exc
    if xlsx is not None:
        content, _name = callstats_xlsx.workbook(data)
        xlsx.write_bytes(content)
        typer.echo(f"已导出 / exported {xlsx}")
        return
    _print(data)
