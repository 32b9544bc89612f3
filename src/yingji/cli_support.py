"""What every CLI command needs: a red error exit, the acting user, a region filter."""

from __future__ import annotations

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor, system_actor
from yingji.auth.service import actor_for
from yingji.errors import YingjiError
from yingji.regions.models import Region


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` in red on stderr; raise the result to exit with ``code``."""
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def problem(exc: YingjiError) -> typer.Exit:
    """The error, then each rejected field (with its row, if any) on its own line, then a
    red exit."""
    lines = [exc.message]
    details = exc.details if isinstance(exc.details, list) else []
    for detail in (d for d in details if isinstance(d, dict)):
        row = f"row {detail['row']} " if detail.get("row") is not None else ""
        lines.append(f"  {row}{detail.get('field', '')}: {detail.get('reason', '')}")
    return fail("\n".join(lines))


def actor_named(session: Session, as_user: str | None) -> Actor:
    """The user ``--as-user`` names (with their scope), else the installation's operator."""
    if as_user is None:
        return system_actor("cli")
    user = session.scalar(select(User).where(User.username == as_user))
    if user is None or not user.active:
        raise fail(f"用户不存在或已停用 / no active user {as_user!r}")
    return actor_for(session, user)


def under_path(session: Session, code: str | None) -> str | None:
    """The region path of an ``--under`` code (None when not given), or an error exit."""
    if not code:
        return None
    path = session.scalar(select(Region.path).where(Region.code == code))
    if path is None:
        raise fail(f"区划不存在 / region {code} not found")
    return path
