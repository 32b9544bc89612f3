"""``yingji hazards``: list, show and step hazards from a terminal (one transaction each)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from yingji.cli_support import actor_named, fail, under_path
from yingji.db import session_scope
from yingji.errors import YingjiError
from yingji.hazards import queries, service
from yingji.hazards.api import event_out, outs

app = typer.Typer(help="隐患 / hidden hazards", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]


@app.command("list")
def list_command(
    under: Annotated[str | None, typer.Option(help="区划编码 / region code")] = None,
    state: Annotated[list[str] | None, typer.Option(help="状态 / state, repeatable")] = None,
    grade: Annotated[str | None, typer.Option(help="general | major")] = None,
    overdue: Annotated[bool, typer.Option(help="仅逾期 / overdue only")] = False,
    limit: int = 50,
    as_user: AsUser = None,
) -> None:
    """One line per hazard: code, state, grade, deadline, title."""
    with session_scope() as session:
        actor = actor_named(session, as_user)
        path = under_path(session, under)
        filters = queries.HazardFilter(under_path=path, state=state, grade=grade, overdue=overdue)
        page = queries.list_hazards(session, actor, filters, 0, limit)
        for h in outs(session, actor, page.items):
            mark = " 逾期/overdue" if h.overdue else ""
            typer.echo(
                f"{h.code}\t{h.state_label}\t{h.grade_label or '待定级'}\t"
                f"{h.deadline or ''}{mark}\t{h.title}"
            )
        typer.echo(f"共 {page.total} 条 / {page.total} hazards")


@app.command()
def show(code: str, as_user: AsUser = None) -> None:
    """The hazard and its timeline as JSON."""
    with session_scope() as session:
        actor = actor_named(session, as_user)
        try:
            hazard = queries.get_by_code(session, actor, code)
        except YingjiError as exc:
            raise fail(exc.message) from exc
        body = outs(session, actor, [hazard])[0].model_dump(mode="json")
        body["events"] = [
            event_out(e).model_dump(mode="json")
            for e in queries.timeline(session, actor, hazard.id)
        ]
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))


@app.command()
def act(
    code: str,
    action: str,
    as_user: Annotated[str, typer.Option("--as-user", help="act as this user (required)")],
    data: Annotated[str, typer.Option(help='JSON fields, e.g. \'{"grade": "general"}\'')] = "{}",
    comment: Annotated[str | None, typer.Option(help="说明 / comment")] = None,
) -> None:
    """Take one lifecycle step as a named user (steps are always someone's)."""
    try:
        fields = json.loads(data)
    except json.JSONDecodeError as exc:
        raise fail(f"--data 不是有效的 JSON / --data is not valid JSON: {exc}") from exc
    if comment:
        fields["comment"] = comment
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            session.info["actor"] = actor
            hazard = queries.get_by_code(session, actor, code)
            hazard = service.act(session, actor, hazard.id, action, fields)
            typer.echo(f"{hazard.code}: {hazard.state}")
    except YingjiError as exc:
        raise fail(f"{exc.message} {json.dumps(exc.details, ensure_ascii=False)}") from exc
