"""``yingji incidents review``: an incident's situation report as text, HTML, PDF or Word;
its after-action review (measures, findings, document); corrective actions listed, added
and closed."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yingji import clock
from yingji.cli_support import actor_named, fail, problem
from yingji.db import session_scope
from yingji.errors import YingjiError
from yingji.incidents import review, sitrep
from yingji.incidents.sitrep import Document
from yingji.incidents.sitrep_docx import render_docx
from yingji.incidents.sitrep_html import render_html
from yingji.incidents.sitrep_pdf import render_pdf

app = typer.Typer(
    help="情况报告与复盘评估 / situation reports and after-action reviews", no_args_is_help=True
)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]
Out = Annotated[Path | None, typer.Option("--out", help="写入文件 / write to this file")]
Unit = Annotated[str | None, typer.Option(help="报送单位 / sending unit")]


class Format(StrEnum):
    text = "text"
    json = "json"
    html = "html"
    pdf = "pdf"
    docx = "docx"


FormatOpt = Annotated[Format, typer.Option("--format", help="text, json, html, pdf or docx")]


def _emit(doc: Document, data: dict[str, object], fmt: Format, out: Path | None) -> None:
    """Print text, JSON and HTML (or write them to ``--out``); PDF and Word need ``--out``."""
    content: str | bytes
    if fmt is Format.text:
        content = doc.text()
    elif fmt is Format.json:
        content = json.dumps(data, ensure_ascii=False, indent=2)
    elif fmt is Format.html:
        content = render_html(doc)
    elif out is None:
        raise fail(f"{fmt.value} 须指定 --out 文件 / --out FILE is required for {fmt.value}")
    else:
        content = render_pdf(doc) if fmt is Format.pdf else render_docx(doc)
    if out is None:
        typer.echo(content)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        out.write_bytes(content)
    else:
        out.write_text(content, encoding="utf-8")
    typer.echo(f"已写入 / written: {out}")


@app.command("sitrep")
def sitrep_command(
    incident_id: Annotated[int, typer.Argument(help="事件 ID / incident id")],
    fmt: FormatOpt = Format.text,
    out: Out = None,
    unit: Unit = None,
    as_user: AsUser = None,
) -> None:
    """The incident's situation report (情况报告) as of now."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            report = sitrep.make(session, actor, incident_id, unit=unit)
            doc, data = sitrep.document(report), report.as_dict()
    except YingjiError as exc:
        raise problem(exc) from exc
    _emit(doc, data, fmt, out)


@app.command("review")
def review_command(
    incident_id: Annotated[int, typer.Argument(help="事件 ID / incident id")],
    findings: Annotated[
        str | None,
        typer.Option(help="保存评估发现并固定指标 / save findings, freezing the measures"),
    ] = None,
    fmt: FormatOpt = Format.text,
    out: Out = None,
    unit: Unit = None,
    as_user: AsUser = None,
) -> None:
    """The incident's after-action review (复盘评估): measures, findings, actions."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            if findings is not None:
                review.save(session, actor, incident_id, findings)
            current = review.view(session, actor, incident_id, unit=unit)
            doc, data = current.document(), current.as_dict(clock.today())
    except YingjiError as exc:
        raise problem(exc) from exc
    _emit(doc, data, fmt, out)


@app.command("actions")
def actions_command(
    all_: Annotated[bool, typer.Option("--all", help="含已完成 / closed ones too")] = False,
    overdue: Annotated[bool, typer.Option(help="仅逾期 / overdue only")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
    as_user: AsUser = None,
) -> None:
    """Corrective actions (整改措施) across incidents: open ones, overdue flagged."""
    today = clock.today()
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            _, rows = review.list_actions(
                session,
                actor,
                open_only=None if all_ else True,
                overdue_only=overdue,
                today=today,
                limit=1000,
            )
            items = [review.action_out(r.action, r.incident, today) for r in rows]
    except YingjiError as exc:
        raise problem(exc) from exc
    if as_json:
        typer.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        typer.echo("无整改措施 / no corrective actions")
        return
    for a in items:
        flag = " [逾期 / overdue]" if a["overdue"] else ""
        state = "已完成 / closed" if a["status"] == "closed" else "整改中 / open"
        typer.echo(
            f"#{a['id']} {a['incident_code']} {a['title']} · {a['owner']} · "
            f"{a['due_on'] or '—'} · {state}{flag}"
        )


@app.command("add-action")
def add_action_command(
    incident_id: Annotated[int, typer.Argument(help="事件 ID / incident id")],
    title: Annotated[str, typer.Option(help="整改措施 / what must change")],
    owner: Annotated[str, typer.Option(help="责任单位 / owner")],
    due: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="完成时限 / due date")
    ] = None,
    as_user: AsUser = None,
) -> None:
    """Add a corrective action to the incident's review."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            action = review.add_action(
                session,
                actor,
                incident_id,
                title=title,
                owner=owner,
                due_on=due.date() if due else None,
            )
            action_id = action.id
    except YingjiError as exc:
        raise problem(exc) from exc
    typer.echo(f"已添加整改措施 / added corrective action #{action_id}")


@app.command("close-action")
def close_action_command(
    action_id: Annotated[int, typer.Argument(help="整改措施 ID / action id")],
    note: Annotated[str, typer.Option(help="完成情况 / what was done")],
    as_user: AsUser = None,
) -> None:
    """Close a corrective action with a note."""
    try:
        with session_scope() as session:
            review.close_action(session, actor_named(session, as_user), action_id, note)
    except YingjiError as exc:
        raise problem(exc) from exc
    typer.echo(f"已完成整改措施 / closed corrective action #{action_id}")
