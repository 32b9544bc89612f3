"""Send rate through Celery workers: N SMS to the gateway simulator with 1 and 2
``yingji worker`` processes on RabbitMQ and on Redis, sharing PostgreSQL.

A throw-away PostgreSQL database gets N persons called by one direct message. Per run the
workers are started (``yingji worker``, thread pool) and wait; then one transaction writes
N SMS deliveries and its commit publishes the drain tasks (one per 500 rows, capped at 16),
as ``yingji serve`` does. The clock runs from that commit until all N deliveries are recorded
as sent in the database (``at_gateway_s``: until the N-th reached the simulator, a real HTTP
server on loopback in this process), so it counts claiming, composing, HTTP sending and
recording the results. Every run checks that each delivery
reached the simulator exactly once. Rate limits are lifted (``channel_rates`` 1,000,000/s).

Modes: ``single`` (one HTTP request per message, 4 connections per drain task) and
``batch`` (the gateway's batch endpoint, 100 messages per request).

Environment: ``SEND_N`` (default 20,000), ``BROKERS`` (``rabbitmq,redis``), ``WORKERS``
(``1,2``), ``MODES`` (``batch``; ``batch,single`` adds one request per message),
``CONCURRENCY`` (threads per worker, default 4), ``YINGJI_BENCH_AMQP_URL`` /
``YINGJI_BENCH_REDIS_URL``; PostgreSQL as for the other benchmarks (``YINGJI_BENCH_PG_URL``
or the local test server).
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from kombu import Connection
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.engine import make_url

from bench._pg import pg_admin, pg_url
from yingji import migrate
from yingji.db import make_engine, session_factory, utcnow
from yingji.jobs.celery_app import all_queues, create_celery
from yingji.jobs.ticker import publishing
from yingji.notify import outbox
from yingji.notify.models import Delivery
from yingji.notify.simulator import GatewaySimulator
from yingji.people.models import Person
from yingji.regions.models import Region
from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.instruction_models import Instruction

BROKERS = {
    "rabbitmq": os.environ.get("YINGJI_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
    "redis": os.environ.get("YINGJI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
}
CHUNK = 5000


def _list(name: str, default: str) -> list[str]:
    return [p.strip() for p in os.environ.get(name, default).split(",") if p.strip()]


def _reachable(url: str) -> str | None:
    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
        return None
    except Exception as exc:  # report why the broker is left out
        return f"{type(exc).__name__}: {exc}"


def _population(engine: Engine, n: int) -> list[int]:
    """One region, ``n`` persons, one direct message calling them all; instruction ids."""
    now = utcnow()
    with session_factory(engine)() as s:
        region = Region(code="500000", name="重庆市", level=1, path="/500000/")
        s.add(region)
        s.flush()
        direct = DirectMessage(
            code="bench",
            text="【测试】暴雨红色预警，请立即组织转移。",
            region_codes=["500000"],
            roles=[],
            layers=[6],
            region_id=region.id,
            region_path=region.path,
            created_by="bench",
        )
        s.add(direct)
        s.flush()
        for start in range(0, n, CHUNK):
            s.execute(
                insert(Person),
                [
                    {"name": f"责任人{i}", "mobile": f"+86139{i:08d}", "region_id": region.id}
                    for i in range(start, min(n, start + CHUNK))
                ],
            )
        persons = s.scalars(select(Person.id).order_by(Person.id)).all()
        for start in range(0, n, CHUNK):
            s.execute(
                insert(Instruction),
                [
                    {
                        "key": f"d{direct.id}:p{pid}",
                        "direct_id": direct.id,
                        "person_id": pid,
                        "region_id": region.id,
                        "reasons": [{"kind": "direct"}],
                        "layer": 6,
                        "policy": {"channels": ["sms"], "deadline_minutes": None},
                        "state": "pending",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for pid in persons[start : start + CHUNK]
                ],
            )
        ids = s.scalars(select(Instruction.id).order_by(Instruction.id)).all()
        s.commit()
    return list(ids)


def _recorded(engine: Engine) -> int:
    """Deliveries whose sending is recorded (sent or delivered)."""
    with engine.connect() as conn:
        return conn.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.state.in_(("sent", "delivered")))
        )


@contextlib.contextmanager
def _workers(count: int, env: dict[str, str], concurrency: int) -> Iterator[None]:
    """``count`` ``yingji worker`` processes, started and ready; stopped by SIGTERM."""
    procs: list[subprocess.Popen[str]] = []
    ready: queue.Queue[int] = queue.Queue()

    def watch(proc: subprocess.Popen[str], index: int) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if " ready." in line:
                ready.put(index)

    try:
        for index in range(count):
            proc = subprocess.Popen(
                [sys.executable, "-m", "yingji.cli", "worker", "--concurrency", str(concurrency)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            procs.append(proc)
            threading.Thread(target=watch, args=(proc, index), daemon=True).start()
        for _ in range(count):
            ready.get(timeout=60)
        yield
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _one_run(
    engine: Engine,
    sim: GatewaySimulator,
    broker: str,
    workers: int,
    mode: str,
    ids: list[int],
    concurrency: int,
) -> dict[str, Any]:
    n = len(ids)
    sim.reset()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM delivery"))
        conn.execute(text("UPDATE instruction SET state = 'pending', sent_at = NULL"))
    app = create_celery(BROKERS[broker], prefix=f"yingji-bench-{uuid.uuid4().hex[:8]}")
    env = {
        **os.environ,
        "YINGJI_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "YINGJI_BROKER_URL": BROKERS[broker],
        "YINGJI_BROKER_QUEUE_PREFIX": app.main,
        "YINGJI_SMS_GATEWAY_URL": sim.sms_url,
        "YINGJI_CHANNEL_RATES": '{"sms": 1000000}',
    }
    if mode == "batch":
        env["YINGJI_SMS_BATCH_URL"] = sim.sms_batch_url
    try:
        with _workers(workers, env, concurrency):
            with publishing(app, engine), session_factory(engine)() as s:
                outbox.enqueue(s, [(i, "sms") for i in ids], "call", utcnow())
                s.commit()  # publishes the drain tasks
            started = time.perf_counter()
            deadline = started + max(120.0, n / 50)
            while len(sim.messages("sms")) < n and time.perf_counter() < deadline:
                time.sleep(0.02)
            at_gateway = time.perf_counter() - started
            while _recorded(engine) < n and time.perf_counter() < deadline:
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            got = len(sim.messages("sms"))
            recorded = _recorded(engine)
            sim.wait_idle()
    finally:
        with contextlib.suppress(Exception), app.connection_for_write() as conn:
            for name in all_queues(app):
                with contextlib.suppress(Exception):
                    conn.default_channel.queue_delete(name)
        app.close()
    once = got == n and recorded == n and (mode != "single" or sim.requests == n)
    return {
        "broker": broker,
        "workers": workers,
        "mode": mode,
        "messages": got,
        "at_gateway_s": round(at_gateway, 2),
        "recorded_s": round(elapsed, 2),
        "per_second": round(recorded / elapsed) if elapsed else None,
        "exactly_once": once,
    }


def run() -> dict[str, Any]:
    n = int(os.environ.get("SEND_N", "20000"))
    concurrency = int(os.environ.get("CONCURRENCY", "4"))
    base = pg_url()
    if base is None:
        return {"skipped": "PostgreSQL not reachable"}
    name = f"yingji_bench_send_{os.getpid()}"
    pg_admin(base, f'DROP DATABASE IF EXISTS "{name}"')
    pg_admin(base, f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    runs: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    try:
        migrate.upgrade(engine)
        ids = _population(engine, n)
        with GatewaySimulator() as sim:
            for broker in _list("BROKERS", "rabbitmq,redis"):
                reason = _reachable(BROKERS[broker])
                if reason:
                    skipped[broker] = reason
                    continue
                for mode in _list("MODES", "batch"):
                    for workers in (int(w) for w in _list("WORKERS", "1,2")):
                        result = _one_run(engine, sim, broker, workers, mode, ids, concurrency)
                        print(result, file=sys.stderr, flush=True)
                        runs.append(result)
    finally:
        engine.dispose()
        pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {"n": n, "concurrency": concurrency, "runs": runs, "skipped": skipped}
