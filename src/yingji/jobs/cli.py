"""``yingji worker`` and ``yingji jobs list | run-due``: run and inspect the outbox.

``yingji worker`` runs the timers and the senders: in threads of its own without a broker,
as a Celery worker with ``YINGJI_BROKER_URL`` set."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from typing import Annotated, Any

import typer
from sqlalchemy import Engine, select

from yingji import clock
from yingji.cli_support import fail
from yingji.config import get_settings
from yingji.db import get_engine, session_scope
from yingji.jobs.models import Timer, TimerState
from yingji.jobs.registry import load_handlers
from yingji.jobs.runner import run_due
from yingji.jobs.worker import Background, Worker, celery_worker, safe_url

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


def _drain_once(engine: Engine) -> dict[str, int]:
    """Due timers, then every channel's due deliveries, once, in this process."""
    from yingji.jobs.ticker import due_deliveries
    from yingji.notify.sender import drain

    counts = {f"jobs {k}": v for k, v in Worker(engine).drain().items() if v}
    for channel in sorted(due_deliveries(engine)):
        sent = drain(engine, channel)
        counts.update({f"{channel} {k}": v for k, v in sent.items() if v})
    return counts


def _foreground(engine: Engine) -> None:
    """Job worker and senders in threads until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    background = Background(engine, get_settings())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    background.start()
    typer.echo(
        f"后台任务进程 {background.worker.name} 已启动（任务与发送）/ job worker and senders "
        "started; Ctrl-C to stop"
    )
    while not stop.wait(1.0):
        pass
    background.stop()
    typer.echo("后台任务进程已停止 / job worker stopped")


def worker(
    once: Annotated[
        bool, typer.Option(help="run due jobs and send due deliveries once, then exit")
    ] = False,
    queues: Annotated[
        str | None,
        typer.Option(help="with a broker: comma-separated queues (default: all)"),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="with a broker: tasks run at once")] = 8,
    pool: Annotated[
        str, typer.Option(help="with a broker: Celery pool threads | prefork | solo")
    ] = "threads",
    loglevel: Annotated[str, typer.Option(help="with a broker: Celery log level")] = "INFO",
) -> None:
    """运行后台任务与发送进程（可多机同时运行）/ run a worker: timers and sending (any
    number, on any machine sharing the database). With YINGJI_BROKER_URL it is a Celery
    worker; without, threads in this process."""
    settings = get_settings()
    engine = get_engine()
    load_handlers()
    if once:
        typer.echo(f"已执行 / ran: {_summary(_drain_once(engine)) or '-'}")
        return
    if not settings.broker_url:
        _foreground(engine)
        return
    from yingji.jobs.celery_app import get_celery

    app = get_celery(settings.broker_url)
    wanted = [q.strip() for q in queues.split(",") if q.strip()] if queues else None
    typer.echo(f"Celery 工作进程 / Celery worker on {safe_url(settings.broker_url)}")
    code = celery_worker(
        app, engine, queues=wanted, concurrency=concurrency, pool=pool, loglevel=loglevel
    )
    if code:
        raise typer.Exit(code)
