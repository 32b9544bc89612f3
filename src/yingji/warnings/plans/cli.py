"""``yingji plans``: list, show, import and export response plans as JSON, activate or
retire one, and dry-run a warning against the plans (one transaction each)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from yingji.cli_support import actor_named, fail, problem, under_path
from yingji.db import session_scope
from yingji.errors import YingjiError
from yingji.warnings import dry_run
from yingji.warnings.plans import service

app = typer.Typer(help="响应方案 / response plans", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]


def _read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise fail(f"无法读取 JSON / cannot read JSON {file}: {exc}") from exc


@app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help="draft / active / retired")] = None,
    under: Annotated[str | None, typer.Option(help="区划编码 / region code")] = None,
    as_user: AsUser = None,
) -> None:
    """One line per plan: id, code, status, version, region, name."""
    with session_scope() as session:
        actor = actor_named(session, as_user)
        rows, total = service.list_plans(
            session, actor, status=status, under_path=under_path(session, under), limit=1000
        )
        for p in rows:
            typer.echo(f"{p.id}\t{p.code}\t{p.status}\tv{p.version}\t{p.region_path}\t{p.name}")
        typer.echo(f"共 {total} 个方案 / {total} plans")


@app.command()
def show(
    plan: Annotated[str, typer.Argument(help="方案编号或 id / plan code or id")],
    as_user: AsUser = None,
) -> None:
    """The plan, its current rules and its versions."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            found = _plan(session, actor, plan)
            data = service.export(session, actor, found.id)
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
            for v in service.versions(session, actor, found.id):
                when = f"{v.created_at:%Y-%m-%d %H:%M}"
                typer.echo(f"v{v.version}\t{when}\t{v.created_by}\t{v.comment or ''}")
    except YingjiError as exc:
        raise problem(exc) from exc


def _plan(session: Any, actor: Any, ref: str) -> Any:
    if ref.isdigit():
        return service.get(session, actor, int(ref))
    return service.get_by_code(session, actor, ref)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="方案 JSON 文件 / plan JSON", exists=True)],
    comment: Annotated[str | None, typer.Option(help="版本说明 / version comment")] = None,
    activate: Annotated[bool, typer.Option(help="导入后启用 / activate after import")] = False,
    as_user: AsUser = None,
) -> None:
    """Create the plan in FILE, or write the next version of the plan with its code.

    FILE is what ``yingji plans export`` writes: ``{"code", "name", "region_code", "rules"}``.
    """
    data = _read_json(file)
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            session.info["actor"] = actor
            plan, created = service.import_plan(session, actor, data, comment)
            if activate:
                service.activate(session, actor, plan.id)
            verb = "已创建 / created" if created else "已更新 / updated"
            typer.echo(f"{verb} {plan.id}\t{plan.code}\tv{plan.version}\t{plan.status}")
    except YingjiError as exc:
        raise problem(exc) from exc


@app.command()
def export(
    plan: Annotated[str, typer.Argument(help="方案编号或 id / plan code or id")],
    out: Annotated[Path | None, typer.Option("--out", help="输出文件 / output file")] = None,
    as_user: AsUser = None,
) -> None:
    """The plan's current version as JSON (stdout, or --out FILE)."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            data = service.export(session, actor, _plan(session, actor, plan).id)
    except YingjiError as exc:
        raise problem(exc) from exc
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", "utf-8")
        typer.echo(f"已导出 / exported {out}")


def _set(plan: str, as_user: str | None, action: Any) -> None:
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            session.info["actor"] = actor
            found = action(session, actor, _plan(session, actor, plan).id)
            typer.echo(f"{found.id}\t{found.code}\t{found.status}")
    except YingjiError as exc:
        raise problem(exc) from exc


@app.command()
def activate(
    plan: Annotated[str, typer.Argument(help="方案编号或 id / plan code or id")],
    as_user: AsUser = None,
) -> None:
    """Let warnings use the plan."""
    _set(plan, as_user, service.activate)


@app.command()
def retire(
    plan: Annotated[str, typer.Argument(help="方案编号或 id / plan code or id")],
    as_user: AsUser = None,
) -> None:
    """Stop warnings using the plan."""
    _set(plan, as_user, service.retire)


@app.command("dry-run")
def dry_run_command(
    warning: Annotated[int | None, typer.Option(help="预警 id / warning id")] = None,
    category: Annotated[str | None, typer.Option(help="草稿灾种 / draft category")] = None,
    level: Annotated[int | None, typer.Option(help="草稿等级 1-4 / draft level")] = None,
    stage: Annotated[str, typer.Option(help="草稿阶段 / draft stage")] = "forecast",
    key_period: Annotated[bool, typer.Option(help="重点时段 / key period")] = False,
    regions: Annotated[str | None, typer.Option(help="草稿区划, 逗号分隔 / region codes")] = None,
    plan: Annotated[str | None, typer.Option(help="试用规则的方案 / plan to try")] = None,
    rules: Annotated[Path | None, typer.Option(help="未保存的规则 JSON / unsaved rules")] = None,
    as_user: AsUser = None,
) -> None:
    """Who a warning (or a draft) would call and why; writes nothing."""
    draft = None
    if warning is None:
        if category is None or level is None or not regions:
            raise fail(
                "请给出 --warning 或草稿 --category --level --regions / give a warning or a draft"
            )
        codes = [c for c in regions.replace("，", ",").split(",") if c.strip()]
        draft = {
            "category": category,
            "level": level,
            "stage": stage,
            "key_period": key_period,
            "area": {"region_codes": [c.strip() for c in codes]},
        }
    trial = _read_json(rules) if rules else None
    if isinstance(trial, dict):
        trial = trial.get("rules")
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            plan_id = _plan(session, actor, plan).id if plan else None
            rows = dry_run.dry_run(
                session, actor, warning_id=warning, draft=draft, rules=trial, plan_id=plan_id
            )
            session.rollback()
    except YingjiError as exc:
        raise problem(exc) from exc
    for r in rows:
        deadline = f"{r.deadline_minutes}min" if r.deadline_minutes else "-"
        typer.echo(
            f"{r.person_id}\t{r.name}\t{','.join(r.roles)}\t{r.region_code} {r.region_name}\t"
            f"L{r.layer}\t{' '.join(r.rules)}\t{','.join(r.channels)}\t{deadline}"
            + ("\t(已叫应 already called)" if r.already_called else "")
        )
    typer.echo(f"共 {len(rows)} 人 / {len(rows)} persons")
