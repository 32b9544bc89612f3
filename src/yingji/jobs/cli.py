"""``yingji worker`` and ``yingji jobs list | run-due``: run and inspect the outbox."""

from __future__ import annotations

import datetime as dt
import signal
from typing import Annotated, Any

import typer
from sqlalchemy import select

from yingji import clock
from yingji.cli_support import fail
from yingji.config import get_settings
from yingji.db import get_engine, session_scope
from yingji.jobs.models import Timer, TimerState
from yingji.jobs.registry import load_handlers
from yingji.jobs.runner import run_due
from yingji.jobs.worker import Worker

app = typer.Typer(help="后台任务 / durable jobs and timers", no_args_is_help=True)
STATES = " | ".join(s.value for s in TimerState)


def parse_now(text: str | None) -> dt.datetime | None:
    """An ISO time; without an offset it is read in the installation's time zone."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"时间格式应为 ISO 8601 / --now must be ISO 8601: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.zone())
    return moment.astimezone(dt.UTC)


def _summary(counts: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items())


@app.command("list")
def list_jobs(
    state: Annotated[str | None, typer.Option(help=STATES)] = None,
    kind: Annotated[str | None, typer.Option(help="e.g. hazard.urge")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """列出任务（按到期时间）/ list jobs by due time."""
    if state is not None and state not in TimerState.__members__:
        raise fail(f"状态须为 / state must be one of: {STATES}")
    stmt = select(Timer).order_by(Timer.due_at, Timer.id).limit(limit)
    if state:
        stmt = stmt.where(Timer.state == state)
    if kind:
        stmt = stmt.where(Timer.kind == kind)
    tz = clock.zone()
    with session_scope() as session:
        rows = list(session.scalars(stmt))
        for t in rows:
            due = t.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            line = (
                f"{t.id:>6}  {t.state:<9}  {due}  {t.kind:<22} "
                f"{t.subject_kind}:{t.subject_id}  attempts {t.attempts}"
            )
            if t.last_error:
                line += f"  error: {t.last_error[:80]}"
            typer.echo(line)
    typer.echo(f"共 {len(rows)} 条 / {len(rows)} jobs")


@app.command("run-due")
def run_due_command(
    now: Annotated[
        str | None, typer.Option(help="pretend it is this time (ISO 8601), e.g. to test")
    ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 1000,
) -> None:
    """立即执行到期任务一次 / run the jobs due now (or at --now) once."""
    load_handlers()
    counts = run_due(get_engine(), now=parse_now(now), limit=limit)
    typer.echo(f"已执行 / ran: {_summary(counts)}")


def worker(
    once: Annotated[bool, typer.Option(help="drain due jobs once, then exit")] = False,
) -> None:
    """运行后台任务进程（可多机同时运行）/ run a job worker (any number, on any machine)."""
    settings = get_settings()
    runner = Worker(get_engine(), settings.worker_poll_seconds)
    load_handlers()
    if once:
        typer.echo(f"已执行 / ran: {_summary(runner.drain())}")
        return
    signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    typer.echo(f"后台任务进程 {runner.name} 已启动 / job worker started; Ctrl-C to stop")
    try:
        runner.loop()
    except KeyboardInterrupt:
        runner.stop()
    typer.echo("后台任务进程已停止 / job worker stopped")
