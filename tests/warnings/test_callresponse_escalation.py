"""Unanswered calls: redialled by voice, then escalated up the assignment chain with the
unanswered names, climbing while nobody answers; withdrawn when the warning is cancelled.
The follow-up is timer rows, safe to run twice and on several replicas at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from callresponse_fixtures import (
    T0,
    Chain,
    call,
    chain,
    deliveries,
    instructions,
    new_warning,
    policy,
    quiet,
)
from sqlalchemy import Engine, select, update

from yingji import jobs
from yingji.auth.scope import system_actor
from yingji.db import session_factory
from yingji.jobs.models import Timer
from yingji.notify import outbox
from yingji.people.models import Assignment
from yingji.warnings import service as warnings
from yingji.warnings.callresponse import escalation, service
from yingji.warnings.callresponse.jobs import DUE_JOB, follow_up, schedule_due
from yingji.warnings.instruction_models import Instruction

MIN = dt.timedelta(minutes=1)


def _start(engine: Engine, **pol: object) -> tuple[Chain, int, list[int]]:
    """Both grid members of a village called, deadline T0, the follow-up timer armed."""
    quiet(engine)
    with session_factory(engine)() as s:
        c = chain(s)
        wid = new_warning(s, c.township_code)
        ids = [
            call(s, wid, person, grid, pol=policy(**pol))
            for person, grid in zip(c.grid_members, c.grids, strict=True)
        ]
        schedule_due(s, "warning", wid, T0)
        s.commit()
    return c, wid, ids


def _run(engine: Engine, at: dt.datetime) -> dict[str, int]:
    return jobs.run_due(engine, now=at)


def _pending_timers(engine: Engine, wid: int) -> list[dt.datetime]:
    with session_factory(engine)() as s:
        return list(
            s.scalars(
                select(Timer.due_at)
                .where(Timer.kind == DUE_JOB, Timer.subject_id == wid, Timer.state == "pending")
                .order_by(Timer.due_at)
            )
        )


def _by_round(engine: Engine, wid: int, n: int) -> list[Instruction]:
    return [i for i in instructions(engine, wid) if i.round == n]


def test_redial_n_times_then_escalate(engine: Engine) -> None:
    c, wid, ids = _start(engine, redials=2, redial_minutes=4)
    assert _pending_timers(engine, wid) == [T0]
    assert _run(engine, T0 - MIN)["claimed"] == 0  # not yet

    assert _run(engine, T0)["done"] == 1
    redials = deliveries(engine, purpose="redial")
    assert sorted((r.instruction_id, r.channel, r.key.rsplit(":", 1)[1]) for r in redials) == [
        (i, "voice", "1") for i in ids
    ]
    assert _pending_timers(engine, wid) == [T0 + 2 * MIN]  # 4 minutes over 2 redials

    _run(engine, T0 + 2 * MIN)
    assert len(deliveries(engine, purpose="redial")) == 4
    assert _by_round(engine, wid, 1) == []

    _run(engine, T0 + 4 * MIN)
    assert {i.state for i in _by_round(engine, wid, 0)} == {"escalated"}
    superiors = _by_round(engine, wid, 1)
    assert sorted(i.person_id for i in superiors) == c.village_admins
    for sup in superiors:
        assert sup.region_id == c.village
        assert sorted(a["id"] for a in sup.about or []) == sorted(ids)
        assert all(a["name"] for a in sup.about or [])
        assert sup.deadline_at == T0 + 4 * MIN + 5 * MIN == sup.next_action_at
        assert sup.confirm_code and len(sup.confirm_code) == 6
        assert sup.reasons[0]["kind"] == "escalation"
    sent = deliveries(engine, purpose="escalation")
    assert sorted((r.instruction_id, r.channel) for r in sent) == sorted(
        (s.id, ch) for s in superiors for ch in ("sms", "voice", "inbox")
    )
    assert len(deliveries(engine, purpose="redial")) == 4  # no redial after the last


def test_escalation_climbs_two_levels_with_the_unanswered_names(engine: Engine) -> None:
    c, wid, ids = _start(engine)  # no redials, max 2 rounds
    _run(engine, T0)
    village_calls = _by_round(engine, wid, 1)
    assert sorted(i.person_id for i in village_calls) == c.village_admins
    for sup in village_calls:
        assert sorted(a["id"] for a in sup.about or []) == sorted(ids)
    assert len({i.key for i in village_calls}) == len(c.village_admins)

    _run(engine, T0 + 5 * MIN)  # the village admins do not answer either
    assert {i.state for i in _by_round(engine, wid, 1)} == {"escalated"}
    township_calls = _by_round(engine, wid, 2)
    assert sorted(i.person_id for i in township_calls) == c.township_admins
    for sup in township_calls:
        assert sup.region_id == c.township
        assert sorted(a["id"] for a in sup.about or []) == sorted(i.id for i in village_calls)

    _run(engine, T0 + 10 * MIN)  # the last round: nobody higher is called
    assert _by_round(engine, wid, 3) == []
    last = _by_round(engine, wid, 2)
    assert {i.state for i in last} == {"pending"} and {i.next_action_at for i in last} == {None}
    assert _pending_timers(engine, wid) == []


def test_a_superiors_answer_stops_the_climb(engine: Engine) -> None:
    _c, wid, _ids = _start(engine)
    _run(engine, T0)
    with session_factory(engine)() as s:
        for sup in _by_round(engine, wid, 1):
            assert service.confirm(s, sup.id, "sms_code", T0 + MIN)
        s.commit()
    _run(engine, T0 + 5 * MIN)
    assert _by_round(engine, wid, 2) == []
    assert _pending_timers(engine, wid) == []


def test_a_region_with_nobody_passes_the_search_up(engine: Engine) -> None:
    """The village has no admin today: the grid members' silence goes to the township."""
    quiet(engine)
    with session_factory(engine)() as s:
        c = chain(s)
        s.execute(
            update(Assignment)
            .where(Assignment.target_kind == "region", Assignment.target_id == c.village)
            .values(valid_to=dt.date(2026, 1, 2))
        )
        wid = new_warning(s, c.township_code)
        ids = [call(s, wid, c.grid_members[0], c.grids[0])]
        schedule_due(s, "warning", wid, T0)
        s.commit()
    _run(engine, T0)
    ups = _by_round(engine, wid, 1)
    assert sorted(i.person_id for i in ups) == c.township_admins
    assert {i.region_id for i in ups} == {c.township}
    assert [a["id"] for a in ups[0].about or []] == ids


def test_running_twice_or_on_two_replicas_adds_nothing(engine: Engine) -> None:
    _c, wid, _ids = _start(engine, redials=1, redial_minutes=2)

    def replica(at: dt.datetime, batch: str, barrier: threading.Barrier) -> None:
        barrier.wait()
        with session_factory(engine)() as s:
            follow_up(s, "warning", wid, at, batch)
            s.commit()

    for at in (T0, T0 + 2 * MIN):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=replica, args=(at, b, barrier)) for b in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        with session_factory(engine)() as s:  # and once more, later, in sequence
            follow_up(s, "warning", wid, at, "c")
            s.commit()
    assert len(deliveries(engine, purpose="redial")) == 2
    superiors = _by_round(engine, wid, 1)
    assert len(superiors) == len({i.person_id for i in superiors})
    assert len(deliveries(engine, purpose="escalation")) == 3 * len(superiors)


def test_a_crash_mid_escalation_leaves_nothing_and_the_rerun_does_it_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _c, wid, _ids = _start(engine)
    real = outbox.enqueue

    def broken(*args: object, **kwargs: object) -> int:
        raise ConnectionError("database went away")

    monkeypatch.setattr(escalation.outbox, "enqueue", broken)
    assert _run(engine, T0)["retry"] == 1
    assert _by_round(engine, wid, 1) == []
    assert {i.state for i in instructions(engine, wid)} == {"sent"}
    monkeypatch.setattr(escalation.outbox, "enqueue", real)
    assert _run(engine, T0 + 10 * MIN)["done"] == 1  # the retry, after its back-off
    superiors = _by_round(engine, wid, 1)
    assert superiors and len(deliveries(engine, purpose="escalation")) == 3 * len(superiors)


def test_cancelling_the_warning_withdraws_its_calls(engine: Engine) -> None:
    _c, wid, ids = _start(engine, redials=1)
    _run(engine, T0)  # one redial pending now
    assert [r for r in deliveries(engine) if r.state == "pending"]
    with session_factory(engine)() as s:
        assert service.confirm(s, ids[0], "inbox", T0)
        warnings.cancel(s, system_actor(), wid)
        s.commit()
    _run(engine, T0 + MIN)
    states = {i.id: i.state for i in instructions(engine, wid)}
    assert states == {ids[0]: "confirmed", ids[1]: "cancelled"}
    assert [r for r in deliveries(engine) if r.state == "pending"] == []
    assert _pending_timers(engine, wid) == []
    _run(engine, T0 + 30 * MIN)
    assert _by_round(engine, wid, 1) == []


def test_instruction_states_followed_up(engine: Engine) -> None:
    """Confirmed, withdrawn and already escalated rows are never picked up again."""
    _c, wid, ids = _start(engine)
    with session_factory(engine)() as s:
        s.execute(update(Instruction).where(Instruction.id == ids[0]).values(state="cancelled"))
        s.commit()
    _run(engine, T0)
    ups = _by_round(engine, wid, 1)
    assert {a["id"] for u in ups for a in u.about or []} == {ids[1]}
