"""``yingji incidents flows``: list, show, import and print one-page response flows; list,
check and update the tasks they create (``... flows tasks``).

Import reads a JSON file holding a whole flow (``code``, ``name``, ``region_code``,
``type_codes``, ``steps``) or a CSV file of steps (columns ``min_level`` or ``level``,
``organisation_code`` / ``organisation_id`` / ``role`` / ``person_mobile`` / ``person_id``,
``action``, ``minutes``, ``type_codes``) with the flow's fields given as options. A code
that already exists gets a new version.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from yingji import clock
from yingji.cli_support import actor_named, fail, problem
from yingji.db import session_scope, utcnow
from yingji.errors import NotFound, YingjiError
from yingji.incidents import flow_chart, flows, tasks
from yingji.incidents import service as incidents
from yingji.jobs.cli import parse_now

app = typer.Typer(help="一页纸应急响应流程 / one-page response flows", no_args_is_help=True)
tasks_app = typer.Typer(help="应急任务 / response tasks", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")
AsUser = Annotated[str | None, typer.Option("--as-user", help="以该用户身份 / act as this user")]
LEVEL_COLUMNS = ("min_level", "level", "启动级别")


def _flow(session: Any, actor: Any, ref: str) -> Any:
    """A flow by id (digits) or by code (its active version)."""
    if ref.isdigit():
        return flows.get(session, actor, int(ref))
    return flows.by_code(session, actor, ref)


def _local(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return clock.aware(moment).astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")


@app.command("list")
def list_flows(
    all_versions: Annotated[bool, typer.Option("--all", help="含历史版本 / all versions")] = False,
    as_user: AsUser = None,
) -> None:
    """One line per flow that applies in the user's area."""
    with session_scope() as session:
        rows = flows.listing(session, actor_named(session, as_user), include_inactive=all_versions)
        for f in rows:
            state = "启用" if f.active else "停用"
            kinds = ",".join(f.type_codes) or "*"
            typer.echo(
                f"{f.id}\t{f.code}\tv{f.version}\t{state}\t{f.region_path}\t{kinds}\t"
                f"{len(f.steps)} 步\t{f.name}"
            )
        typer.echo(f"共 {len(rows)} 个流程 / {len(rows)} flows")


@app.command()
def show(
    flow: Annotated[str, typer.Argument(help="流程 id 或编码 / flow id or code")],
    as_user: AsUser = None,
) -> None:
    """The flow's steps by level, Ⅳ first."""
    try:
        with session_scope() as session:
            f = _flow(session, actor_named(session, as_user), flow)
            who = flows.names(session, f.steps)
            typer.echo(f"{f.code} v{f.version} {f.name} ({'启用' if f.active else '停用'})")
            typer.echo(f"区划 {f.region_path} · 类型 {','.join(f.type_codes) or '全部 / all'}")
            for level, steps in flows.by_level(f.steps).items():
                typer.echo(f"{flows.LEVEL_NAMES[level]}级响应 / level {level}:")
                for s in steps:
                    only = f" [仅 {','.join(s.type_codes)}]" if s.type_codes else ""
                    typer.echo(
                        f"  {s.position}. {who.of(s)}：{s.action}"
                        f"（{flow_chart.limit_text(s.minutes)}）{only}"
                    )
    except YingjiError as exc:
        raise problem(exc) from exc


def _csv_steps(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    steps = []
    for row in reader:
        step = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        level = next((step.pop(c) for c in LEVEL_COLUMNS if c in step), "")
        steps.append({**step, "min_level": level})
    return steps


def read_flow_file(path: Path) -> dict[str, Any]:
    """A flow dict from a JSON file, or ``{"steps": [...]}`` from a CSV of steps."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise fail(f"无法读取文件 / cannot read {path}: {exc}") from exc
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise fail(f"不是有效的 JSON / not valid JSON: {exc}") from exc
        if isinstance(data, list):
            return {"steps": data}
        if not isinstance(data, dict):
            raise fail("JSON 须为流程对象或步骤列表 / JSON must be a flow or a list of steps")
        return data
    return {"steps": _csv_steps(text)}


@app.command("import")
def import_flow(
    file: Annotated[Path, typer.Argument(help="JSON 或 CSV 文件 / a JSON or CSV file")],
    code: Annotated[str | None, typer.Option(help="流程编码 / flow code")] = None,
    name: Annotated[str | None, typer.Option(help="流程名称 / flow name")] = None,
    region: Annotated[str | None, typer.Option(help="区划代码 / region code")] = None,
    types: Annotated[str | None, typer.Option(help="事件类型，逗号分隔 / type codes")] = None,
    as_user: AsUser = None,
) -> None:
    """Create the flow, or a new version when its code exists."""
    data = read_flow_file(file)
    for key, value in (("code", code), ("name", name), ("region_code", region)):
        if value is not None:
            data[key] = value
    if types is not None:
        data["type_codes"] = types
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            try:
                old = flows.by_code(session, actor, str(data.get("code") or ""))
            except NotFound:
                old = None
            if old is None:
                f = flows.create(session, actor, data)
                verb = "已创建 / created"
            else:
                f = flows.update(session, actor, old.id, data)
                verb = "已更新为新版本 / new version"
            typer.echo(f"{verb}: {f.code} v{f.version} (id {f.id}), {len(f.steps)} 步 / steps")
    except YingjiError as exc:
        raise problem(exc) from exc


@app.command()
def chart(
    flow: Annotated[str, typer.Argument(help="流程 id 或编码 / flow id or code")],
    out: Annotated[Path, typer.Option(help=".pdf、.png 或 .html 文件 / output file")],
    lang: Annotated[str, typer.Option(help="zh-CN 或 en")] = "zh-CN",
    as_user: AsUser = None,
) -> None:
    """Write the printable one-page chart."""
    try:
        with session_scope() as session:
            c = flow_chart.build(session, _flow(session, actor_named(session, as_user), flow), lang)
    except YingjiError as exc:
        raise problem(exc) from exc
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        out.write_bytes(flow_chart.pdf_bytes(c))
    elif suffix == ".png":
        out.write_bytes(flow_chart.png_bytes(c))
    elif suffix in (".html", ".htm"):
        out.write_text(flow_chart.html_document(c), encoding="utf-8")
    else:
        raise fail("输出文件须为 .pdf、.png 或 .html / out must end in .pdf, .png or .html")
    gaps = flow_chart.missing(c)
    if gaps:
        typer.secho(f"字体缺字 / missing glyphs: {''.join(sorted(gaps))}", fg=typer.colors.YELLOW)
    typer.echo(f"已写入 / written: {out}")


# --- tasks -----------------------------------------------------------------------------------


def _task_line(task: Any, who: flows.Names, now: dt.datetime) -> str:
    late = " 超时/overdue" if tasks.is_overdue(task, now) else ""
    return (
        f"{task.id}\t事件 {task.incident_id}\t{task.status}{late}\t{_local(task.due_at)}\t"
        f"{who.of(task)}\t{task.title}"
    )


@tasks_app.command("list")
def list_tasks(
    incident: Annotated[int, typer.Argument(help="事件 id / incident id")],
    as_user: AsUser = None,
) -> None:
    """The incident's tasks, soonest due first."""
    now = utcnow()
    try:
        with session_scope() as session:
            found = incidents.get(session, actor_named(session, as_user), incident)
            rows = tasks.tasks_for(session, found)
            who = flows.names(session, rows)
            for task in rows:
                typer.echo(_task_line(task, who, now))
            typer.echo(f"共 {len(rows)} 项任务 / {len(rows)} tasks")
    except YingjiError as exc:
        raise problem(exc) from exc


@tasks_app.command()
def overdue(
    now: Annotated[str | None, typer.Option(help="以此时刻判断 / as of (ISO)")] = None,
    as_user: AsUser = None,
) -> None:
    """Open tasks past their due time, most overdue first."""
    moment = parse_now(now) or utcnow()
    with session_scope() as session:
        rows = tasks.overdue(session, actor_named(session, as_user), moment)
        who = flows.names(session, rows)
        for task in rows:
            typer.echo(_task_line(task, who, moment))
        typer.echo(f"超时 {len(rows)} 项 / {len(rows)} overdue")


@tasks_app.command()
def update(
    task: Annotated[int, typer.Argument(help="任务 id / task id")],
    status: Annotated[str | None, typer.Option(help="in_progress / done / cancelled")] = None,
    note: Annotated[str | None, typer.Option(help="进展说明 / progress note")] = None,
    attach: Annotated[
        list[Path] | None, typer.Option("--file", help="附件（可多次）/ attachment")
    ] = None,
    as_user: AsUser = None,
) -> None:
    """Record progress on a task: a note, a status change, attachments."""
    uploads = []
    for path in attach or []:
        try:
            uploads.append((path.name, path.read_bytes()))
        except OSError as exc:
            raise fail(f"无法读取文件 / cannot read {path}: {exc}") from exc
    data = {"text": note or "", "status": status}
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            upd, stored = tasks.update_task(session, actor, task, data, uploads=uploads)
            typer.echo(
                f"已记录 / recorded: 任务 {task} {upd.status or '进展 / progress'}"
                f"，附件 {len(stored)} 个 / files"
            )
    except YingjiError as exc:
        raise problem(exc) from exc
