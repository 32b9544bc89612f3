from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, text

from set_aside import set_aside_demo_calls
from yingji.notify import events, ratelimit, sender
from yingji.notify.base import OutboundMessage, Recipient
from yingji.notify.simulator import GatewaySimulator
from yingji.people.models import Person
from yingji.warnings.instruction_models import Instruction
from yingji.warnings.models import EarlyWarning


@pytest.fixture(scope="module")
def _running_simulator() -> Iterator[GatewaySimulator]:
    with GatewaySimulator() as sim:
        yield sim


@pytest.fixture
def simulator(_running_simulator: GatewaySimulator) -> GatewaySimulator:
    """The loopback gateway simulator, with no messages and default behaviour."""
    _running_simulator.reset()
    return _running_simulator


def _message(
    key: str = "w1-p1",
    mobile: str | None = "+8613800138000",
    topic: str | None = None,
    confirm_code: str | None = None,
    confirm_link: str | None = None,
) -> OutboundMessage:
    recipient = Recipient(person_id=1, mobile=mobile, mqtt_topic=topic)
    return OutboundMessage(key, recipient, "红色暴雨预警", confirm_code, confirm_link)


MessageFactory = Callable[..., OutboundMessage]


@pytest.fixture
def message() -> MessageFactory:
    """Builds a red rainstorm warning message for person 1; keywords change the parts."""
    return _message


# --- database helpers for the outbox and sender tests ---------------------------------

NOW = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)


def add_warning(engine: Engine, headline: str = "重庆市气象台发布暴雨红色预警") -> int:
    values: dict[str, Any] = {
        "code": f"T{dt.datetime.now(dt.UTC).timestamp()}",
        "category": "rainstorm",
        "level": 1,
        "stage": "imminent",
        "key_period": False,
        "status": "active",
        "area_desc": "渝中区",
        "area": {"region_codes": ["500103"]},
        "valid_from": NOW,
        "authority": "重庆市气象台",
        "headline": headline,
        "identifier": f"id-{dt.datetime.now(dt.UTC).timestamp()}",
        "sender": "test@yingji",
        "sent": NOW,
        "msg_type": "Alert",
        "cap_status": "Actual",
        "cap_scope": "Public",
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Likely",
        "references": [],
        "source": "api",
        "created_by": "test",
        "created_at": NOW,
        "updated_at": NOW,
    }
    with engine.begin() as conn:
        return conn.execute(
            insert(EarlyWarning).values(**values).returning(EarlyWarning.id)
        ).scalar_one()


def add_instructions(
    engine: Engine,
    count: int,
    *,
    warning_id: int | None = None,
    persons: list[int] | None = None,
    deadline: bool = True,
    tag: str = "t",
) -> list[int]:
    """``count`` pending instructions of a warning, cycling over the demo persons."""
    warning_id = warning_id or add_warning(engine)
    with engine.connect() as conn:
        people = persons or list(conn.scalars(select(Person.id).order_by(Person.id)))
        regions = dict(conn.execute(select(Person.id, Person.region_id)).all())
    rows = [
        {
            "key": f"{tag}:w{warning_id}:{n}",
            "warning_id": warning_id,
            "person_id": people[n % len(people)],
            "region_id": regions[people[n % len(people)]],
            "round": 0,
            "reasons": [],
            "layer": 5,
            "measures": "转移危险区群众",
            "policy": {},
            "state": "pending",
            "confirm_code": f"{100000 + n % 900000}",
            "deadline_at": NOW + dt.timedelta(minutes=5) if deadline else None,
            "redials": 0,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for n in range(count)
    ]
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(insert(Instruction), rows[start : start + 2000])
        return list(
            conn.scalars(
                select(Instruction.id)
                .where(Instruction.key.like(f"{tag}:w{warning_id}:%"))
                .order_by(Instruction.id)
            )
        )


def delivery_states(engine: Engine, channel: str | None = None) -> dict[str, int]:
    sql = "SELECT state, count(*) FROM delivery"
    if channel:
        sql += f" WHERE channel = '{channel}'"
    with engine.connect() as conn:
        return dict(conn.execute(text(sql + " GROUP BY state")).all())


@pytest.fixture
def listeners() -> Iterator[tuple[list[Any], list[Any]]]:
    """Record events.replied / key_pressed calls; other listeners are set aside meanwhile."""
    saved = list(events._REPLY), list(events._KEY)
    events._REPLY.clear()
    events._KEY.clear()
    replies: list[Any] = []
    keys: list[Any] = []
    events.on_reply(lambda s, mobile, text, at: replies.append((mobile, text)) or True)
    events.on_key_press(lambda s, iid, digits, at: keys.append((iid, digits)) or True)
    yield replies, keys
    events._REPLY[:] = saved[0]
    events._KEY[:] = saved[1]


@pytest.fixture(autouse=True)
def _no_demo_calls(request: pytest.FixtureRequest) -> None:
    """Deliveries here are each test's own (the demo's red warning leaves some)."""
    for name in ("engine", "sqlite_engine"):
        if name in request.fixturenames:
            set_aside_demo_calls(request.getfixturevalue(name))


@pytest.fixture(autouse=True)
def _fresh_sender_state() -> Iterator[None]:
    """Channels and rate limits are per process; each test starts without any."""
    ratelimit.LIMITERS.clear()
    sender.close_channels()
    yield
    ratelimit.LIMITERS.clear()
    sender.close_channels()
