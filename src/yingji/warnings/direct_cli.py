"""``yingji direct``: send a direct-reach message (一键直达), list messages, and print a
message's board figures — one transaction each."""

from __future__ import annotations

from typing import Annotated

import typer

from yingji.cli_support import actor_named, fail
from yingji.db import session_scope
from yingji.errors import YingjiError
from yingji.warnings import board, direct

app = typer.Typer(help="一键直达 / direct reach", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]


@app.command()
def send(
    text: Annotated[str, typer.Option("--text", help="消息内容 / message text")],
    region: Annotated[list[str], typer.Option("--region", help="区划编码，可多次 / region code")],
    role: Annotated[
        list[str] | None, typer.Option("--role", help="角色，可多次 / role (repeatable)")
    ] = None,
    layer: Annotated[
        list[int] | None, typer.Option("--layer", help="层级 3–6，可多次 / region level")
    ] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", help="渠道，可多次 / channel")
    ] = None,
    deadline: Annotated[
        int | None, typer.Option("--deadline", help="确认时限（分钟）/ minutes to confirm")
    ] = 30,
    no_confirm: Annotated[
        bool, typer.Option("--no-confirm", help="无需确认 / ask no confirmation")
    ] = False,
    as_user: AsUser = None,
) -> None:
    """Send the message now; prints the message id, code and how many persons it reached."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            session.info["actor"] = actor
            message, count = direct.send(
                session,
                actor,
                {
                    "text": text,
                    "region_codes": region,
                    "roles": role or None,
                    "layers": layer or None,
                    "channels": channel or None,
                    "deadline_minutes": None if no_confirm else deadline,
                },
            )
            typer.echo(f"{message.id}\t{message.code}\t通知 / reached {count}")
    except YingjiError as exc:
        raise fail(exc.message) from exc


@app.command("list")
def list_command(limit: int = 50, as_user: AsUser = None) -> None:
    """One line per message: id, code, time, regions, text."""
    with session_scope() as session:
        actor = actor_named(session, as_user)
        rows, total = direct.list_messages(session, actor, limit=limit)
        for m in rows:
            when = m.created_at.isoformat(timespec="minutes")
            typer.echo(f"{m.id}\t{m.code}\t{when}\t{','.join(m.region_codes)}\t{m.text[:40]}")
        typer.echo(f"共 {total} 条 / {total} messages")


@app.command("board")
def board_command(direct_id: int, as_user: AsUser = None) -> None:
    """The message's board figures: totals and by layer."""
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            data = board.board(session, actor, direct.subject(session, actor, direct_id))
    except YingjiError as exc:
        raise fail(exc.message) from exc
    t = data["totals"]
    keys = ("targeted", "sent", "delivered", "confirmed", "unanswered", "escalated", "failed")
    typer.echo("  ".join(f"{k} {t[k]}" for k in keys))
    for row in data["by_layer"]:
        typer.echo(f"  {row['label']}: " + "  ".join(f"{k} {row[k]}" for k in keys))
