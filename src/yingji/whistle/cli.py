"""``yingji whistle``: list reports, and check that every stored identity still opens with
the configured key (run it before and after changing ``secret_key`` or ``whistle_key``)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from yingji.cli_support import actor_named, fail
from yingji.config import get_settings
from yingji.db import session_scope
from yingji.errors import Conflict, YingjiError
from yingji.whistle import crypto, service
from yingji.whistle.models import STATE_LABELS, WhistleReport

app = typer.Typer(help="有奖举报 / whistleblower reports", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]


@app.command("list")
def list_command(
    state: Annotated[list[str] | None, typer.Option(help="状态 / state, repeatable")] = None,
    limit: int = 50,
    as_user: AsUser = None,
) -> None:
    """One line per report: code, state, received, title (never the reporter)."""
    with session_scope() as session:
        actor = actor_named(session, as_user)
        try:
            page = service.list_reports(session, actor, service.ReportFilter(state=state), 0, limit)
        except YingjiError as exc:
            raise fail(exc.message) from None
        for r in page.items:
            typer.echo(f"{r.code}\t{STATE_LABELS[r.state]}\t{r.received_at:%Y-%m-%d}\t{r.title}")
        typer.echo(f"共 {page.total} 条 / {page.total} reports")


@app.command("check-key")
def check_key() -> None:
    """确认举报人信息可用当前密钥解密 / check every stored identity opens with the current key.

    Prints counts only, never an identity; exits 1 if any identity no longer opens.
    """
    if crypto.uses_derived_key(get_settings()):
        typer.secho(
            "警告：未设置 YINGJI_WHISTLE_KEY，举报人信息密钥由 YINGJI_SECRET_KEY 派生，更换后者将"
            "无法解密 / warning: YINGJI_WHISTLE_KEY is unset; identities hang on "
            "YINGJI_SECRET_KEY and are lost if it changes",
            fg=typer.colors.YELLOW,
            err=True,
        )
    good = bad = 0
    with session_scope() as session:
        stmt = select(WhistleReport.identity_cipher).where(
            WhistleReport.identity_cipher.is_not(None)
        )
        for cipher in session.scalars(stmt.execution_options(yield_per=500)):
            try:
                crypto.open_identity(cipher)
            except Conflict:
                bad += 1
            else:
                good += 1
    typer.echo(f"可解密 {good} 条，无法解密 {bad} 条 / {good} open, {bad} do not")
    if bad:
        raise typer.Exit(1)
