"""``yingji warnings``: list warnings, ingest a CAP 1.2 file, export one as CAP (one
transaction each), so a bureau can exchange CAP files without the web UI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yingji.cli_support import actor_named, fail, problem, under_path
from yingji.db import session_scope, utcnow
from yingji.errors import YingjiError
from yingji.warnings import cap_map, service
from yingji.warnings.api import outs

app = typer.Typer(help="预警 / warnings", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]


@app.command("list")
def list_command(
    under: Annotated[str | None, typer.Option(help="区划编码 / region code")] = None,
    active: Annotated[bool, typer.Option(help="仅当前生效 / in force now only")] = False,
    limit: int = 50,
    as_user: AsUser = None,
) -> None:
    """One line per warning: id, code, level, category, status, valid until, headline."""
    with session_scope() as session:
        actor = actor_named(session, as_user)
        rows, total = service.list_warnings(
            session,
            actor,
            limit=limit,
            under_path=under_path(session, under),
            active_at=utcnow() if active else None,
        )
        for w in outs(session, rows):
            until = w.valid_until.isoformat(timespec="minutes") if w.valid_until else "-"
            typer.echo(
                f"{w.id}\t{w.code}\t{w.level_label}\t{w.category_label}\t{w.status_label}\t"
                f"{until}\t{w.headline}"
            )
        typer.echo(f"共 {total} 条 / {total} warnings")


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="CAP 1.2 XML 文件 / file", exists=True)],
    as_user: AsUser = None,
) -> None:
    """Store a CAP 1.2 message (Alert, Update or Cancel); nothing is stored if it is refused."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            session.info["actor"] = actor
            warning = cap_map.ingest(session, actor, file.read_bytes())
            typer.echo(f"{warning.id}\t{warning.code}\t{warning.status}\t{warning.headline}")
    except YingjiError as exc:
        raise problem(exc) from exc


@app.command()
def export(
    warning_id: int,
    file: Annotated[Path, typer.Argument(help="输出 XML 文件 / output file")],
    as_user: AsUser = None,
) -> None:
    """Write one warning as a CAP 1.2 document."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            warning = service.get(session, actor, warning_id)
            file.write_bytes(cap_map.cap_xml(session, warning))
    except YingjiError as exc:
        raise problem(exc) from exc
    typer.echo(f"已导出 / exported {file}")


@app.command("poll")
def poll_command(
    url: Annotated[list[str] | None, typer.Argument(help="ATOM/RSS 地址 / feed URL")] = None,
) -> None:
    """Take in the CAP warnings of a feed now (default: every feed in YINGJI_CAP_FEEDS)."""
    from yingji.config import get_settings
    from yingji.db import get_engine
    from yingji.warnings.polling import poll

    urls = url or get_settings().cap_feeds
    if not urls:
        raise fail("未配置 CAP 订阅源（YINGJI_CAP_FEEDS） / no feed given or configured")
    failed = False
    for feed in urls:
        result = poll(get_engine(), feed)
        typer.echo(f"{feed}: 新增 stored {len(result.stored)}, 已有 known {result.known}")
        for line in result.errors:
            typer.echo(f"  ✗ {line}", err=True)
        failed = failed or bool(result.errors)
    if failed:
        raise typer.Exit(1)


# --- call-response statistics (yingji warnings stats) -------------------------------------
from yingji.warnings.callstats_cli import stats_command  # noqa: E402

app.command("stats")(stats_command)
