"""Test data for the worker tests: ``n`` persons called by one direct message, each with one
SMS delivery, written the way the call-response code writes them (outbox.enqueue, which
kicks the senders after the commit)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

from sqlalchemy import Engine, func, insert, select

from yingji.db import session_factory, utcnow
from yingji.notify import outbox
from yingji.notify.models import Delivery
from yingji.notify.simulator import GatewaySimulator
from yingji.people.models import Person
from yingji.regions.models import Region
from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.instruction_models import Instruction

SENT_STATES = ("sent", "delivered")


def make_calls(engine: Engine, n: int, channel: str = "sms", tag: str = "t") -> list[int]:
    """Write ``n`` instructions with one pending ``channel`` delivery each; returns their ids."""
    now = utcnow()
    with session_factory(engine)() as s:
        region = s.execute(select(Region.id, Region.path).order_by(Region.id).limit(1)).one()
        direct = DirectMessage(
            code=f"bench-{tag}",
            text="测试直达消息",
            region_codes=[],
            roles=[],
            layers=[6],
            policy={},
            region_id=region.id,
            region_path=region.path,
            created_by="test",
        )
        s.add(direct)
        s.flush()
        s.execute(
            insert(Person),
            [
                {"name": f"测试{i}", "mobile": f"+86139{i:08d}", "region_id": region.id}
                for i in range(n)
            ],
        )
        persons = s.scalars(
            select(Person.id).where(Person.mobile.like("+86139%")).order_by(Person.id)
        ).all()
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
                    "policy": {"channels": [channel], "deadline_minutes": None},
                    "state": "pending",
                    "created_at": now,
                    "updated_at": now,
                }
                for pid in persons
            ],
        )
        ids = s.scalars(select(Instruction.id).where(Instruction.direct_id == direct.id)).all()
        outbox.enqueue(s, [(i, channel) for i in ids], "call", now)
        s.commit()
    return list(ids)


def sent_count(engine: Engine, channel: str = "sms") -> int:
    with engine.connect() as conn:
        return conn.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.channel == channel, Delivery.state.in_(SENT_STATES))
        )


def wait_for(check: Callable[[], bool], timeout: float = 60.0, step: float = 0.1) -> bool:
    """Poll ``check`` until true or ``timeout`` seconds passed (never hangs a test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def assert_each_once(sim: GatewaySimulator, engine: Engine, n: int) -> None:
    """Every delivery reached the simulator exactly once, and is recorded as sent."""
    keys = {m.request_id for m in sim.messages("sms")}
    with engine.connect() as conn:
        rows = conn.execute(select(Delivery.key, Delivery.state)).all()
    assert len(rows) == n
    assert keys == {key for key, _ in rows}
    assert sim.requests == n, f"{sim.requests} requests for {n} messages: some sent twice"
    assert {state for _, state in rows} <= set(SENT_STATES)


@contextlib.contextmanager
def simulator_settings(sim: GatewaySimulator, monkeypatch: object) -> Iterator[None]:
    """Point the SMS channel of this process's settings at the simulator."""
    from yingji.config import get_settings
    from yingji.notify import ratelimit, sender

    def forget() -> None:
        get_settings.cache_clear()
        sender.close_channels()
        ratelimit.LIMITERS.clear()

    monkeypatch.setenv("YINGJI_SMS_GATEWAY_URL", sim.sms_url)  # type: ignore[attr-defined]
    forget()
    try:
        yield
    finally:
        forget()


class Process:
    """A ``yingji`` command in a child process, its output collected line by line; always
    stopped (SIGTERM, then SIGKILL after ``grace`` seconds) when the block ends."""

    def __init__(self, args: list[str], env: dict[str, str], grace: float = 60.0) -> None:
        self.args, self.grace = args, grace
        self.env = {**env, "PYTHONUNBUFFERED": "1"}
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Process:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "yingji.cli", *self.args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_line(self, text: str, timeout: float = 120.0) -> bool:
        """Until a line containing ``text`` was printed (or the process ended)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: any(text in line for line in self.lines) or self.proc.poll() is not None,
                timeout,
            ) and any(text in line for line in self.lines)

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(10)
        return self.proc.returncode

    def __exit__(self, *exc: object) -> None:
        self.stop()
