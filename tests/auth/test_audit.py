"""The audit log records every write and detects tampering."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from yingji.auth import audit
from yingji.auth.models import AuditEntry
from yingji.auth.scope import system_actor
from yingji.db import session_factory
from yingji.people import service
from yingji.regions.models import Region


def _county(session) -> Region:
    return session.scalar(select(Region).where(Region.code == "500101"))


def _last(session) -> dict:
    entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    return json.loads(entry.record)


def test_orm_writes_are_recorded_with_before_and_after(engine: Engine) -> None:
    actor = system_actor("tester")
    with session_factory(engine).begin() as session:
        session.info["actor"] = actor
        person = service.upsert_person(
            session, actor, name="张三", mobile="13800138000", region_id=_county(session).id
        )
        pid = person.id
    with session_factory(engine).begin() as session:
        entry = _last(session)
        assert (entry["action"], entry["entity"], entry["entity_id"]) == (
            "create",
            "person",
            str(pid),
        )
        assert entry["actor"] == "tester"
        assert entry["after"]["mobile"] == "+8613800138000" and entry["before"] is None
    with session_factory(engine).begin() as session:
        session.info["actor"] = actor
        service.upsert_person(
            session, actor, name="张三丰", mobile="+86 138 0013 8000", region_id=_county(session).id
        )
    with session_factory(engine).begin() as session:
        entry = _last(session)
        assert entry["action"] == "update"
        assert entry["before"] == {"name": "张三"} and entry["after"] == {"name": "张三丰"}
        assert audit.verify(session).ok


def test_audit_log_is_append_only_in_the_database(engine: Engine) -> None:
    with session_factory(engine)() as session:
        first = session.scalar(select(func.min(AuditEntry.id)))
        assert first is not None
        for stmt in (
            f"UPDATE audit_entry SET actor='x' WHERE id={first}",
            f"DELETE FROM audit_entry WHERE id={first}",
        ):
            try:
                session.execute(text(stmt))
            except DBAPIError as exc:
                assert "append-only" in str(exc)
                session.rollback()
            else:
                raise AssertionError(f"{stmt} was allowed")


def _bypass_trigger(session, engine: Engine, sql: str) -> None:
    """Tamper as an attacker with database access would: around the guard trigger."""
    if engine.dialect.name == "postgresql":
        session.execute(text("SET session_replication_role = replica"))
        session.execute(text(sql))
        session.execute(text("SET session_replication_role = origin"))
    else:
        session.execute(text("DROP TRIGGER audit_entry_no_update"))
        session.execute(text("DROP TRIGGER audit_entry_no_delete"))
        session.execute(text(sql))
    session.commit()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("record = replace(record, '\"create\"', '\"delete\"')", "hash"),
        ("actor = 'mallory'", "columns differ"),
    ],
)
def test_tampered_entry_is_reported(engine: Engine, cli, change: str, reason: str) -> None:
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    with session_factory(engine)() as session:
        ids = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
        victim = ids[len(ids) // 2]
        _bypass_trigger(session, engine, f"UPDATE audit_entry SET {change} WHERE id={victim}")
        result = audit.verify(session)
        assert not result.ok and result.first_bad_id == victim
        assert reason in result.reason
    out = cli("audit", "verify")
    assert out.exit_code == 1 and f"entry {victim}" in out.output


def test_missing_entry_is_reported(engine: Engine) -> None:
    with session_factory(engine)() as session:
        ids = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
        victim = ids[1]
        _bypass_trigger(session, engine, f"DELETE FROM audit_entry WHERE id={victim}")
        result = audit.verify(session)
        assert not result.ok and result.first_bad_id == victim and "missing" in result.reason


def test_truncated_tail_is_reported(engine: Engine) -> None:
    with session_factory(engine)() as session:
        last = session.scalar(select(func.max(AuditEntry.id)))
        _bypass_trigger(session, engine, f"DELETE FROM audit_entry WHERE id={last}")
        result = audit.verify(session)
        assert not result.ok and result.first_bad_id == last


def test_concurrent_writers_keep_one_chain(engine: Engine) -> None:
    """Writers in parallel transactions queue on the chain's tip instead of forking it."""
    from concurrent.futures import ThreadPoolExecutor

    def write(n: int) -> None:
        actor = system_actor(f"writer{n}")
        for i in range(5):
            with session_factory(engine).begin() as session:
                session.info["actor"] = actor
                region_id = session.scalar(select(Region.id).where(Region.code == "500101"))
                service.upsert_person(
                    session,
                    actor,
                    name=f"并发{n}-{i}",
                    mobile=f"1391{n:03d}{i:04d}",
                    region_id=region_id,
                )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(4)))
    with session_factory(engine)() as session:
        result = audit.verify(session)
        assert result.ok, result
        writers = session.scalar(select(func.count()).where(AuditEntry.actor.like("writer%")))
        assert writers == 20
