"""``yingji inspections``: the checklist templates, and the places due for inspection."""

from __future__ import annotations

from typing import Annotated

import typer

from yingji.cli_support import actor_named, under_path
from yingji.db import session_scope
from yingji.inspections import service, templates

app = typer.Typer(help="检查 / inspections", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]


@app.command("templates")
def templates_command(
    all_versions: Annotated[bool, typer.Option(help="每个版本 / every version")] = False,
) -> None:
    """One line per checklist: code, version, number of items, name, source."""
    with session_scope() as session:
        rows = templates.list_templates(session, all_versions=all_versions)
        for template, count in rows:
            typer.echo(
                f"{template.code}\tv{template.version}\t{count} 项\t{template.name_zh}\t"
                f"{template.source}"
            )
        typer.echo(f"共 {len(rows)} 个检查表 / {len(rows)} checklists")


@app.command("due")
def due_command(
    under: Annotated[str | None, typer.Option(help="区划编码 / region code")] = None,
    within_days: Annotated[int, typer.Option(help="提前天数 / look ahead days")] = 0,
    as_user: AsUser = None,
) -> None:
    """Places not inspected within their schedule's interval, never-inspected first."""
    with session_scope() as session:
        actor = actor_named(session, as_user)
        path = under_path(session, under)
        places = service.not_inspected(session, actor, under_path=path, within_days=within_days)
        for p in places:
            last = f"{p.last_inspected_at:%Y-%m-%d}" if p.last_inspected_at else "从未检查/never"
            due = p.due_on.isoformat() if p.due_on else "—"
            mark = "逾期/overdue" if p.overdue else "将到期/due soon"
            typer.echo(
                f"{p.target_kind}\t{p.target_id}\t{p.region_code}\t{p.name}\t"
                f"每{p.interval_days}天\t上次 {last}\t应检 {due}\t{mark}"
            )
        typer.echo(f"共 {len(places)} 处 / {len(places)} places")
