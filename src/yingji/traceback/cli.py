"""``yingji traceback``: the report as JSON or PDF, and the flag queries, from a terminal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from yingji.cli_support import actor_named, fail, under_path
from yingji.db import session_scope
from yingji.errors import YingjiError
from yingji.traceback import flags, pdf
from yingji.traceback.api import report_for

app = typer.Typer(help="责任倒查 / accountability trace-back", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]


@app.command()
def report(
    enterprise: Annotated[int | None, typer.Option(help="企业 ID / enterprise id")] = None,
    risk_point: Annotated[int | None, typer.Option(help="风险点 ID / risk point id")] = None,
    start: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    pdf_file: Annotated[Path | None, typer.Option("--pdf", help="write the PDF here")] = None,
    as_user: AsUser = None,
) -> None:
    """Print the report as JSON, or write it as a PDF with --pdf."""
    try:
        dates = [dt.date.fromisoformat(v) if v else None for v in (start, end)]
    except ValueError as exc:
        raise fail(f"日期格式应为 YYYY-MM-DD / dates look like YYYY-MM-DD: {exc}") from exc
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            built = report_for(session, actor, enterprise, risk_point, *dates)
    except YingjiError as exc:
        raise fail(exc.message) from exc
    if pdf_file is None:
        typer.echo(json.dumps(built.as_dict(), ensure_ascii=False, indent=2, default=str))
        return
    pdf_file.write_bytes(pdf.render(built))
    typer.echo(f"已写入 / written: {pdf_file}")


@app.command("flags")
def flags_command(
    flag: Annotated[str, typer.Argument(help=" | ".join(flags.Flag))],
    under: Annotated[str | None, typer.Option(help="区划编码 / region code")] = None,
    days: Annotated[int, typer.Option(help="false_closure: days after verification")] = 90,
    as_user: AsUser = None,
) -> None:
    """One JSON line per flagged hazard or place."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            path = under_path(session, under)
            rows = flags.run(session, actor, flag, path, days)
    except YingjiError as exc:
        raise fail(exc.message) from exc
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False, default=str))
    typer.echo(f"共 {len(rows)} 条 / {len(rows)} flagged", err=True)
