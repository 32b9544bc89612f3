from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select, text

from yingji.db import session_factory
from yingji.jobs import backend
from yingji.notify import outbox, sender
from yingji.notify.models import Delivery

from .conftest import NOW, add_instructions, delivery_states


def test_enqueue_is_idempotent_and_kicks_after_commit(engine: Engine) -> None:
    ids = add_instructions(engine, 3)
    kicked: list[frozenset[str]] = []
    backend.on_kick(kicked.append)
    try:
        with session_factory(engine)() as session:
            rows = [(i, "sms") for i in ids] + [(ids[0], "inbox")]
            assert outbox.enqueue(session, rows, "call", NOW) == 4
            assert kicked == []  # nothing visible to senders before the commit
            session.commit()
        assert kicked == [frozenset({"sms", "inbox"})]
        with session_factory(engine)() as session:
            assert outbox.enqueue(session, [(i, "sms") for i in ids], "call", NOW) == 0
            assert outbox.enqueue(session, [(ids[0], "sms")], "redial", NOW, batch="1") == 1
            session.rollback()
        assert len(kicked) == 1  # a rollback kicks nobody
    finally:
        backend.off_kick(kicked.append)
    with session_factory(engine)() as session:
        keys = sorted(session.scalars(select(Delivery.key)))
    assert keys == sorted([f"i{i}:sms:call" for i in ids] + [f"i{ids[0]}:inbox:call"])


def test_cancel_pending_by_ids_and_by_select(engine: Engine) -> None:
    ids = add_instructions(engine, 4)
    with session_factory(engine).begin() as session:
        outbox.enqueue(session, [(i, c) for i in ids for c in ("sms", "voice")], "call", NOW)
    with session_factory(engine).begin() as session:
        session.execute(
            text("UPDATE delivery SET state = 'sent' WHERE key = :k"), {"k": f"i{ids[1]}:sms:call"}
        )
        assert outbox.cancel_pending(session, [ids[0], ids[1]]) == 3
        from yingji.warnings.instruction_models import Instruction

        assert (
            outbox.cancel_pending(session, select(Instruction.id).where(Instruction.id == ids[2]))
            == 2
        )
    assert delivery_states(engine) == {"cancelled": 5, "sent": 1, "pending": 2}


def test_claims_of_two_workers_are_disjoint(engine: Engine) -> None:
    ids = add_instructions(engine, 30)
    factory = session_factory(engine)
    with factory.begin() as session:
        outbox.enqueue(session, [(i, "sms") for i in ids], "call", NOW)
    first, second = factory(), factory()
    try:
        a = sender.claim(first, "sms", "a", NOW, 20, 60)
        first.flush()
        if engine.dialect.name == "postgresql":  # really concurrent: SKIP LOCKED
            b = sender.claim(second, "sms", "b", NOW, 20, 60)
            first.commit()
            second.commit()
        else:  # SQLite serialises writers
            first.commit()
            b = sender.claim(second, "sms", "b", NOW, 20, 60)
            second.commit()
    finally:
        first.close()
        second.close()
    assert len(a) == 20 and len(b) == 10
    assert not set(a) & set(b)
    # A lease that ran out is taken again, by another worker.
    with factory.begin() as session:
        later = NOW + dt.timedelta(seconds=61)
        again = sender.claim(session, "sms", "c", later, 100, 60)
    assert sorted(again) == sorted(a + b)
    with factory() as session:
        attempts = set(session.scalars(select(Delivery.attempts)))
    assert attempts == {2}


def test_rows_of_confirmed_instructions_are_never_claimed(engine: Engine) -> None:
    ids = add_instructions(engine, 3)
    with session_factory(engine).begin() as session:
        outbox.enqueue(session, [(i, "sms") for i in ids], "call", NOW)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE instruction SET state = 'confirmed' WHERE id = :i"), {"i": ids[0]}
        )
        conn.execute(
            text("UPDATE instruction SET state = 'cancelled' WHERE id = :i"), {"i": ids[1]}
        )
    with session_factory(engine).begin() as session:
        claimed = sender.claim(session, "sms", "w", NOW, 10, 60)
        swept = sender.sweep(session, "sms", NOW)
    with session_factory(engine)() as session:
        [only] = claimed
        assert session.get(Delivery, only).instruction_id == ids[2]
    assert swept == 2
    assert delivery_states(engine) == {"sending": 1, "cancelled": 2}
