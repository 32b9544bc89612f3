"""§8: killing the sender in the middle of a 10,000-instruction dispatch and restarting it
ends with every delivery sent and every message recorded exactly once at the gateway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import Engine, select

from yingji.db import session_factory
from yingji.notify import outbox
from yingji.notify.models import Delivery
from yingji.notify.simulator import GatewaySimulator

from .conftest import NOW, add_instructions, delivery_states

COUNT = 10_000


def _start(engine: Engine, simulator: GatewaySimulator) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "YINGJI_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "YINGJI_SMS_GATEWAY_URL": simulator.sms_url,
        "YINGJI_SMS_BATCH_URL": simulator.sms_batch_url,
        "YINGJI_DELIVERY_LEASE_SECONDS": "2",
        "YINGJI_CHANNEL_RATES": "{}",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "yingji.notify.run", "sms", "--interval", "0.2", "--batch", "200"],
        env=env,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def _wait(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_kill_nine_mid_dispatch_then_restart(engine: Engine, simulator: GatewaySimulator) -> None:
    ids = add_instructions(engine, COUNT)
    with session_factory(engine).begin() as session:
        assert outbox.enqueue(session, [(i, "sms") for i in ids], "call", NOW) == COUNT
    simulator.set_behaviour(delay_ms=30)  # slow enough to kill it half-way
    first = _start(engine, simulator)
    try:
        # kill while a batch is at the gateway, so its claimed rows are left behind
        assert _wait(lambda: simulator.recorded >= COUNT // 5 and simulator.in_flight > 0, 60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    simulator.wait_idle()
    at_crash = simulator.recorded
    assert 0 < at_crash < COUNT
    states = delivery_states(engine, "sms")
    assert states.get("sending", 0) > 0  # claimed rows left behind by the dead sender
    simulator.set_behaviour(delay_ms=0)
    second = _start(engine, simulator)
    try:
        assert _wait(lambda: delivery_states(engine, "sms") == {"sent": COUNT}, 60), (
            delivery_states(engine, "sms")
        )
    finally:
        second.terminate()
        second.wait(10)
    with session_factory(engine)() as session:
        keys = set(session.scalars(select(Delivery.key)))
    recorded = simulator.messages("sms")
    assert len(recorded) == COUNT
    assert {m.request_id for m in recorded} == keys
    assert simulator.requests > COUNT // 100  # batches of up to 100 per request
