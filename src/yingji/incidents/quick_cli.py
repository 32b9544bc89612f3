"""``yingji incidents quick``: quick reports (灾情速报) from a terminal — list them, add them
up by region, show conflicting figures, verify or send one back (one transaction each)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from yingji.cli_support import actor_named, problem, under_path
from yingji.db import session_scope
from yingji.errors import YingjiError
from yingji.incidents import quick

app = typer.Typer(help="灾情速报 / quick reports", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]
Incident = Annotated[int | None, typer.Option("--incident", help="事件编号 / incident id")]
Under = Annotated[str | None, typer.Option(help="区划编码 / region code")]
AsJson = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")]


def _figures(values: dict[str, Any]) -> str:
    return " ".join(str(values[f]) for f in quick.FIGURES)


HEADER = " ".join(f.split(" / ")[0] for f in quick.FIGURE_LABELS.values())


@app.command("list")
def list_command(
    incident: Incident = None,
    status: Annotated[str | None, typer.Option(help="submitted | verified | rejected")] = None,
    under: Under = None,
    limit: int = 50,
    as_user: AsUser = None,
    as_json: AsJson = False,
) -> None:
    """One line per report, newest first: id, status, time, place, reporter, figures."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            page = quick.listing(
                session,
                actor,
                incident_id=incident,
                status=status,
                region_path=under_path(session, under),
                limit=limit,
            )
            rows = quick.as_dicts(session, actor, page.items)
    except YingjiError as exc:
        raise problem(exc) from exc
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    typer.echo(f"id\t状态\t时间\t地点\t上报人\t{HEADER}")
    for r in rows:
        typer.echo(
            f"{r['id']}\t{r['status_label'].split(' / ')[0]}\t{r['at'][:16]}\t{r['place']}\t"
            f"{r['reporter']}\t{_figures(r)}"
        )
    typer.echo(f"共 {page.total} 条 / {page.total} reports")


@app.command()
def totals(
    incident: Incident = None,
    under: Under = None,
    as_user: AsUser = None,
    as_json: AsJson = False,
) -> None:
    """Verified figures by region (each place's latest verified report counted once), with
    newer unverified figures apart."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            body = quick.totals(
                session, actor, incident_id=incident, region_path=under_path(session, under)
            )
    except YingjiError as exc:
        raise problem(exc) from exc
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    typer.echo(f"区划\t已核实地点\t{HEADER}\t未核实地点\t未核实 {HEADER}")
    for row in body["rows"]:
        name = f"{row['name']}（本级）" if row["own"] else row["name"]
        typer.echo(
            f"{name}\t{row['verified_places']}\t{_figures(row['verified'])}\t"
            f"{row['unverified_places']}\t{_figures(row['unverified'])}"
        )
    typer.echo(
        f"合计 / total\t{body['verified_places']}\t{_figures(body['verified'])}\t"
        f"{body['unverified_places']}\t{_figures(body['unverified'])}"
    )


@app.command()
def conflicts(
    incident: Incident = None,
    under: Under = None,
    open_only: Annotated[bool, typer.Option("--open", help="仅未处理 / open only")] = False,
    as_user: AsUser = None,
    as_json: AsJson = False,
) -> None:
    """Reports of one place close in time whose figures differ."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            found = quick.conflicts(
                session,
                actor,
                incident_id=incident,
                region_path=under_path(session, under),
                open_only=open_only,
            )
    except YingjiError as exc:
        raise problem(exc) from exc
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for c in found:
        fields = "，".join(f"{f['label'].split(' / ')[0]} {f['a']}→{f['b']}" for f in c["fields"])
        mark = "待处理/open" if c["open"] else "已核实/settled"
        typer.echo(
            f"{c['place']}\t#{c['a']['id']}({c['a']['reporter']}) vs "
            f"#{c['b']['id']}({c['b']['reporter']})\t{c['minutes_apart']} 分钟\t{fields}\t{mark}"
        )
    typer.echo(f"共 {len(found)} 处冲突 / {len(found)} conflicts")


@app.command()
def verify(
    report_id: int,
    as_user: Annotated[str, typer.Option("--as-user", help="act as this user (required)")],
    reject: Annotated[bool, typer.Option("--reject", help="退回 / send back")] = False,
    note: Annotated[str | None, typer.Option(help="说明（退回必填）/ note")] = None,
) -> None:
    """Verify a report as a named township-level (or higher) user, or send it back."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            session.info["actor"] = actor
            if reject:
                report = quick.reject(session, actor, report_id, note)
            else:
                report = quick.verify(session, actor, report_id, note=note)
            line = f"{report.id}: {quick.STATUS_LABELS[report.status]}"
    except YingjiError as exc:
        raise problem(exc) from exc
    typer.echo(line)
