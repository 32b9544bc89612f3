"""``yingji incidents``: list and show incidents with their reporting deadlines, take one
in, record a report, declare or end a response level, close; the duty desk's board, calls
and handover. Quick reports, flows and reviews have their own sub-commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from yingji.cli_support import actor_named, problem
from yingji.db import session_scope, utcnow
from yingji.errors import YingjiError
from yingji.incidents import (
    duty_desk,
    flow_cli,
    grading,
    quick_cli,
    reporting,
    review_cli,
    service,
    timeline,
    types,
)

app = typer.Typer(help="突发事件与值班值守 / incidents and the duty desk", no_args_is_help=True)
app.add_typer(quick_cli.app, name="quick")
app.add_typer(flow_cli.app, name="flows")
app.add_typer(review_cli.app, name="review")
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]
STATES = {"done": "已报", "late": "迟报", "due": "待报", "overdue": "超时"}


@app.command("list")
def list_incidents(
    open_only: Annotated[bool, typer.Option("--open", help="只列未结束的 / open only")] = False,
    as_user: AsUser = None,
) -> None:
    """One line per incident in scope, newest first."""
    with session_scope() as session:
        actor = actor_named(session, as_user)
        for i in service.listing(session, actor, open_only=open_only):
            label = grading.label(types.get(i.type_code), i.grade)
            typer.echo(
                f"{i.id}\t{i.code}\t{i.received_at:%Y-%m-%d %H:%M}\t{i.title}\t{label}\t{i.status}"
                f"\t死亡{i.dead} 失踪{i.missing} 受伤{i.injured}"
            )


@app.command()
def show(incident_id: int, as_user: AsUser = None) -> None:
    """An incident, its reporting deadlines and its timeline."""
    now = utcnow()
    try:
        with session_scope() as session:
            i = service.get(session, actor_named(session, as_user), incident_id)
            typer.echo(f"{i.code}  {i.title}  ({types.get(i.type_code).name_zh})")
            typer.echo(
                f"定级 / grade: {grading.label(types.get(i.type_code), i.grade)}"
                f"  {i.grade_basis or ''}"
            )
            for o in reporting.obligations(session, i):
                state = STATES[o.state(now)]
                typer.echo(
                    f"  报送 {reporting.LEVEL_NAMES[o.to_level]}\t{o.kind}\t"
                    f"时限 {o.due_at:%m-%d %H:%M}\t{state}"
                )
            for e in timeline.events(session, i.id):
                typer.echo(f"  {e.at:%m-%d %H:%M}\t{e.kind}\t{e.text}")
    except YingjiError as exc:
        raise problem(exc) from exc


@app.command()
def create(
    file: Annotated[Path, typer.Argument(help="JSON: title, type_code, lon, lat, figures…")],
    as_user: AsUser = None,
) -> None:
    """Take an incident in from a JSON file (the API's fields)."""
    try:
        data = json.loads(file.read_text("utf-8"))
        with session_scope() as session:
            i = service.create(session, actor_named(session, as_user), data)
            typer.echo(f"{i.id}\t{i.code}\t{grading.label(types.get(i.type_code), i.grade)}")
    except (OSError, ValueError) as exc:
        raise problem(YingjiError(f"无法读取 {file} / cannot read: {exc}")) from exc
    except YingjiError as exc:
        raise problem(exc) from exc


@app.command()
def report(
    incident_id: int,
    kind: Annotated[str, typer.Option(help="first / upward / follow_up / final")],
    to_level: Annotated[int, typer.Option(help="3 县级, 2 市级, 1 省级, 0 国务院")],
    text: Annotated[str, typer.Option()] = "",
    as_user: AsUser = None,
) -> None:
    """Record a report sent upward (with the figures as they stand)."""
    try:
        with session_scope() as session:
            service.add_report(
                session, actor_named(session, as_user), incident_id, kind=kind,
                to_level=to_level, text=text,
            )  # fmt: skip
    except YingjiError as exc:
        raise problem(exc) from exc
    typer.echo("已记录 / recorded")


@app.command()
def level(
    incident_id: int,
    value: Annotated[str, typer.Argument(help="1-4 (Ⅰ–Ⅳ级) or 'end'")],
    reason: Annotated[str, typer.Option()] = "",
    as_user: AsUser = None,
) -> None:
    """Declare, raise, lower or end the response; prints the tasks created and closed."""
    try:
        chosen = None if value == "end" else int(value)
    except ValueError as exc:
        raise problem(YingjiError("级别应为 1-4 或 end / level is 1-4 or end")) from exc
    try:
        with session_scope() as session:
            done = service.declare_level(
                session, actor_named(session, as_user), incident_id, chosen, reason=reason
            )
            changes = done["tasks"]
    except YingjiError as exc:
        raise problem(exc) from exc
    typer.echo(
        f"任务：新增 {len(changes['created'])}，恢复 {len(changes['reopened'])}，"
        f"撤销 {len(changes['cancelled'])} / tasks created, reopened, cancelled"
    )


@app.command()
def close(
    incident_id: int, summary: Annotated[str, typer.Option()] = "", as_user: AsUser = None
) -> None:
    """Close an incident (ending its response first)."""
    try:
        with session_scope() as session:
            service.close(session, actor_named(session, as_user), incident_id, summary=summary)
    except YingjiError as exc:
        raise problem(exc) from exc
    typer.echo("已结束 / closed")


@app.command()
def desk(as_user: AsUser = None) -> None:
    """The duty desk: who is on duty, open incidents with their next deadline, overdue."""
    with session_scope() as session:
        state = duty_desk.board(session, actor_named(session, as_user))
        for d in state.on_duty:
            typer.echo(f"值班 {d.organisation}\t{d.officer}\t带班 {d.leader or '-'}")
        for row in state.incidents:
            i, nxt = row["incident"], row["next"]
            when = f"下一时限 {nxt['due_at'][:16]} ({STATES[nxt['state']]})" if nxt else "无待报"
            typer.echo(f"{i.id}\t{i.code}\t{i.title}\t{when}")
        typer.echo(
            f"超时未报 {state.overdue_reports} 项；逾期任务 {len(state.overdue_tasks)} 项"
            " / overdue reports, overdue tasks"
        )


@app.command()
def handover(
    text: Annotated[str, typer.Option(help="交班说明 / notes")] = "",
    to: Annotated[str, typer.Option(help="接班人 / who takes over")] = "",
    as_user: AsUser = None,
) -> None:
    """Hand the shift over (open items are written into the log)."""
    try:
        with session_scope() as session:
            entry = duty_desk.handover(
                session, actor_named(session, as_user), text=text, to=to or None
            )
            typer.echo(entry.text)
    except YingjiError as exc:
        raise problem(exc) from exc
