"""``yingji stats hazards`` (figures as a table, or an XLSX workbook) and ``yingji stats
refresh`` (catch the summaries up, or rebuild them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from yingji.auth.scope import system_actor
from yingji.cli_support import fail
from yingji.db import get_engine, session_scope
from yingji.errors import YingjiError
from yingji.stats import export, refresh, service

app = typer.Typer(help="统计 / statistics", no_args_is_help=True)

COLUMNS = (
    ("found", "排查"),
    ("rectified", "销号"),
    ("rate", "整改率"),
    ("open", "未销号"),
    ("overdue", "逾期"),
    ("major_open", "重大未销号"),
)


def _cell(key: str, value: Any) -> str:
    if key == "rate":
        return "—" if value is None else f"{value:.1%}"
    return f"{value:,}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1%}"


def _print(data: dict[str, Any]) -> None:
    region, window, s = data["region"], data["window"], data["summary"]
    typer.echo(f"{region['name']} {region['code']}  {window['from']} – {window['to']}")
    for key, label in COLUMNS:
        typer.echo(f"  {label:<8}{_cell(key, s[key]):>12}")
    for tag, label in (("yoy", "同比 / YoY"), ("pop", "环比 / PoP")):
        change = data["change"][tag]
        found, rectified = _pct(change["found"]), _pct(change["rectified"])
        typer.echo(f"  {label}: 排查 {found}，销号 {rectified}")
    typer.echo("")
    head = "  ".join(f"{label:>8}" for _, label in COLUMNS)
    typer.echo(f"{'区划 / region':<24}{head}")
    for row in data["by_region"]:
        cells = "  ".join(f"{_cell(key, row[key]):>10}" for key, _ in COLUMNS)
        typer.echo(f"{row['name'][:20]:<24}{cells}")


@app.command("hazards")
def hazards(
    under: Annotated[str | None, typer.Option("--under", help="区划编码 / region code")] = None,
    first: Annotated[
        dt.datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="开始日期")
    ] = None,
    last: Annotated[
        dt.datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="结束日期（含）")
    ] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="写出 XLSX 文件 / write XLSX")] = None,
) -> None:
    """隐患统计 / hazard statistics for a region subtree (default: the whole country)."""
    start = first.date() if first else None
    end = last.date() if last else None
    try:
        with session_scope() as session:
            actor = system_actor("cli")
            session.info["actor"] = actor
            if xlsx is not None:
                content, _ = export.workbook(session, actor, under, start, end)
                xlsx.write_bytes(content)
                typer.echo(f"已写出 {xlsx} / written {xlsx} ({len(content):,} bytes)")
                return
            data = service.dashboard(session, actor, under, start, end)
    except YingjiError as exc:
        raise fail(exc.message) from None
    _print(data)


@app.command("refresh")
def refresh_command(
    full: Annotated[bool, typer.Option("--full", help="从头重算 / recount everything")] = False,
) -> None:
    """更新统计汇总 / bring the hazard summaries up to date."""
    report = refresh.catch_up(get_engine(), full=full)
    kind = "重算 / rebuilt" if report.full else "更新 / caught up"
    typer.echo(f"{kind}: {report.hazards:,} 条隐患 / hazards in {report.seconds:.1f} s")
