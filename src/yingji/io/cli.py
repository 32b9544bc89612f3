"""``yingji import`` and ``yingji export``: each command is one transaction."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import select

from yingji.auth.scope import system_actor
from yingji.cli_support import actor_named, fail
from yingji.db import session_scope
from yingji.errors import ValidationFailed, YingjiError
from yingji.io import service, tabular
from yingji.io.kinds import KINDS
from yingji.regions.models import Region


def _labels(kind: str) -> dict[str, str]:
    module = KINDS.get(kind)
    return {c.name: c.label for c in module.COLUMNS} if module else {}


def print_errors(kind: str, exc: ValidationFailed) -> None:
    """Each problem as ``第 N 行 [列]: 原因``, the way a user finds it in the sheet."""
    typer.secho(exc.message, fg=typer.colors.RED, err=True)
    labels = _labels(kind)
    for item in exc.details or []:
        if not isinstance(item, dict):
            typer.echo(f"  {item}", err=True)
            continue
        column = labels.get(item.get("field") or "", item.get("field") or "")
        row = item.get("row")
        where = f"第 {row} 行 " if row else ""
        typer.echo(f"  {where}[{column}]: {item.get('reason')}", err=True)


def import_command(kind: str, file: Path, as_user: str | None, dry_run: bool) -> None:
    """Import ``file``; on any bad row print every problem and exit 1, writing nothing."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            session.info["actor"] = actor
            report = service.import_file(session, actor, kind, file, file.name, dry_run=dry_run)
            if dry_run:
                session.rollback()
    except ValidationFailed as exc:
        print_errors(kind, exc)
        raise typer.Exit(1) from None
    except YingjiError as exc:
        raise fail(exc.message) from None
    typer.echo(report.summary())
    if report.ignored_columns:
        typer.echo(
            f"已忽略未识别的列 / ignored columns: {'、'.join(report.ignored_columns)}", err=True
        )


def export_command(kind: str, file: Path, under: str | None) -> None:
    """Export ``kind`` to ``file``; CSV or XLSX by the file's extension."""
    try:
        fmt = tabular.format_of(file.name)
        with session_scope() as session:
            actor = system_actor("cli")
            session.info["actor"] = actor
            under_id = None
            if under:
                under_id = session.scalar(select(Region.id).where(Region.code == under))
                if under_id is None:
                    raise fail(f"区划编码不存在 / unknown region code {under}")
            content = service.export(session, actor, kind, fmt, under_region_id=under_id)
    except YingjiError as exc:
        raise fail(exc.message) from None
    file.write_bytes(content)
    typer.echo(
        f"已导出到 {file}（{len(content):,} 字节）/ exported to {file} ({len(content):,} bytes)"
    )
