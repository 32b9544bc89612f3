"""Command line: ``yingji serve | db upgrade | demo load | import | export | user create |
audit verify | config show | regions load-china``. Each command owns its transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yingji.cli_support import fail
from yingji.config import DEFAULT_SECRET, get_settings, masked
from yingji.db import get_engine, session_scope
from yingji.errors import YingjiError
from yingji.hazards import cli as hazards_cli
from yingji.incidents import cli as incidents_cli
from yingji.inspections import cli as inspections_cli
from yingji.io.kinds import KINDS
from yingji.jobs import cli as jobs_cli
from yingji.quake import cli as quake_cli
from yingji.resources import cli as resources_cli
from yingji.stats import cli as stats_cli
from yingji.traceback import cli as traceback_cli
from yingji.warnings import cli as warnings_cli
from yingji.warnings import direct_cli
from yingji.warnings.plans import cli as plans_cli
from yingji.whistle import cli as whistle_cli

app = typer.Typer(help="Yingji 应急 — emergency-management platform", no_args_is_help=True)
db_app = typer.Typer(help="数据库 / database schema", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据 / demo data", no_args_is_help=True)
user_app = typer.Typer(help="用户 / users", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志 / audit log", no_args_is_help=True)
config_app = typer.Typer(help="配置 / configuration", no_args_is_help=True)
regions_app = typer.Typer(help="行政区划 / regions", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (demo_app, "demo"),
    (user_app, "user"),
    (audit_app, "audit"),
    (config_app, "config"),
    (regions_app, "regions"),
):
    app.add_typer(sub, name=name)
app.add_typer(hazards_cli.app, name="hazards")
app.add_typer(traceback_cli.app, name="traceback")
app.add_typer(inspections_cli.app, name="inspections")
app.add_typer(jobs_cli.app, name="jobs")
app.add_typer(stats_cli.app, name="stats")
app.add_typer(whistle_cli.app, name="whistle")
app.add_typer(warnings_cli.app, name="warnings")
app.add_typer(direct_cli.app, name="direct")
app.add_typer(plans_cli.app, name="plans")
app.add_typer(quake_cli.app, name="quake")
app.add_typer(resources_cli.app, name="resources")
app.add_typer(incidents_cli.app, name="incidents")
app.command("worker")(jobs_cli.worker)


KIND_HELP = " | ".join(KINDS)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="listen address")] = None,
    port: Annotated[int | None, typer.Option(help="listen port")] = None,
) -> None:
    """启动 Web 服务 / start the web server."""
    import uvicorn

    from yingji.app import NotMigrated, create_app, require_migrated

    settings = get_settings()
    try:
        require_migrated(get_engine())
    except NotMigrated as exc:
        raise fail(str(exc)) from None
    host, port = host or settings.host, port or settings.port
    if settings.secret_key.get_secret_value() == DEFAULT_SECRET:
        typer.secho(
            "警告：YINGJI_SECRET_KEY 仍为默认值，生产环境请设置 / warning: YINGJI_SECRET_KEY is "
            "the default; set it in production",
            fg=typer.colors.YELLOW,
            err=True,
        )
    typer.echo(f"Yingji 应急 → http://{host}:{port}/  (API: http://{host}:{port}/docs)")
    if settings.broker_url:
        typer.echo("任务与发送由 yingji worker 执行（Celery）/ jobs and sending: `yingji worker`")
    elif settings.worker_mode == "inprocess":
        typer.echo("任务与发送在本进程内运行 / jobs and sending run in this process")
    else:
        typer.echo("本进程不执行任务，请运行 yingji worker / worker_mode off: run `yingji worker`")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """迁移数据库到最新结构 / migrate the database schema."""
    from yingji import migrate

    migrate.upgrade(get_engine(), revision)
    revisions = ", ".join(sorted(migrate.current_revisions(get_engine())))
    typer.echo(f"数据库已迁移 / database at {revisions}")


@regions_app.command("load-china")
def regions_load_china() -> None:
    """导入全国省市县区划与人口 / load mainland China's provinces, prefectures, counties."""
    from yingji.regions.china import load_china

    with session_scope() as session:
        count = load_china(session)
    typer.echo(f"区划已就绪 / regions loaded: {count}")


@demo_app.command("load")
def demo_load(
    scale: Annotated[str, typer.Option(help="tiny | small | large")] = "small",
    if_empty: Annotated[bool, typer.Option(help="only when no demo data exists")] = False,
) -> None:
    """载入重庆市演示数据 / load the 重庆 demo jurisdiction."""
    from yingji.demo.generate import load_demo

    with session_scope() as session:
        result = load_demo(session, scale=scale)
    login = result.pop("login", None)
    if result.get("skipped"):
        if not if_empty:
            typer.echo("演示数据已存在，未改动 / demo data already present, nothing changed")
    else:
        for key, value in result.items():
            typer.echo(f"  {key}: {value}")
    if login:
        typer.echo(
            f"演示账号 / demo users: {', '.join(login['users'])} — 密码 / password "
            f"{login['password']}"
        )


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help=KIND_HELP)],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    as_user: Annotated[str | None, typer.Option("--as-user", help="act as this user")] = None,
    dry_run: Annotated[bool, typer.Option(help="validate only")] = False,
) -> None:
    """从 CSV/XLSX 导入 / import a CSV or XLSX file."""
    from yingji.io.cli import import_command

    import_command(kind, file, as_user, dry_run)


@app.command("export")
def export(
    kind: Annotated[str, typer.Argument(help=KIND_HELP)],
    file: Annotated[Path, typer.Argument(dir_okay=False)],
    under: Annotated[str | None, typer.Option(help="only this region code's subtree")] = None,
) -> None:
    """导出为 CSV/XLSX（按扩展名）/ export to CSV or XLSX (by file extension)."""
    from yingji.io.cli import export_command

    export_command(kind, file, under)


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[
        str, typer.Option(help="system_admin|operator|grid_member|enterprise_user|viewer")
    ],
    region: Annotated[str, typer.Option(help="region code the user belongs to")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    organisation: Annotated[str | None, typer.Option(help="enterprise code")] = None,
) -> None:
    """创建用户 / create a user."""
    from sqlalchemy import select

    from yingji.auth.models import UserRole
    from yingji.auth.scope import system_actor
    from yingji.auth.service import create_user
    from yingji.people.models import Organisation
    from yingji.regions.models import Region

    try:
        role_value = UserRole(role)
    except ValueError:
        raise fail(f"未知角色 / unknown role {role!r}") from None
    try:
        with session_scope() as session:
            session.info["actor"] = system_actor("cli")
            region_id = session.scalar(select(Region.id).where(Region.code == region))
            if region_id is None:
                raise fail(f"区划编码不存在 / unknown region code {region}")
            org_id = None
            if organisation:
                org_id = session.scalar(
                    select(Organisation.id).where(Organisation.code == organisation)
                )
                if org_id is None:
                    raise fail(f"单位编码不存在 / unknown organisation {organisation}")
            user = create_user(
                session,
                system_actor("cli"),
                username=username,
                password=password,
                role=role_value,
                region_id=region_id,
                organisation_id=org_id,
            )
            typer.echo(f"用户已创建 / user created: {user.username} (id {user.id})")
    except YingjiError as exc:
        raise fail(exc.message) from None


@audit_app.command("verify")
def audit_verify() -> None:
    """校验审计日志哈希链 / verify the audit log's hash chain."""
    from yingji.auth.audit import verify

    with session_scope() as session:
        result = verify(session)
    if result.ok:
        typer.echo(f"审计日志完整 / audit log intact: {result.checked} entries")
        return
    raise fail(
        f"审计日志被篡改 / audit log broken at entry {result.first_bad_id}: {result.reason} "
        f"({result.checked} entries verified before it)"
    )


@config_app.command("show")
def config_show() -> None:
    """显示当前配置（密钥已隐藏）/ show the effective configuration, secrets masked."""
    for key, value in masked(get_settings()).items():
        typer.echo(f"YINGJI_{key.upper()}={value}")


if __name__ == "__main__":
    app()
