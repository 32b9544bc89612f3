"""Responsible persons and escalation chains of 10,000 villages and grids (goal: < 1 s each).

Builds a throw-away SQLite database with China's regions and a demo large enough to have
10,000 places (the ``small`` scale if it has them, else a ``medium`` one), then times
:func:`responsible_for` and :func:`escalation_chains` as a warning or an unanswered call
would use them: all places in one call, as the system actor.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from yingji import migrate
from yingji.auth.scope import system_actor
from yingji.db import make_engine, session_factory
from yingji.demo.generate import SMALL, DemoScale, load_demo
from yingji.people.responsibility import escalation_chains, responsible_for
from yingji.regions.china import load_china
from yingji.regions.models import Region, RegionLevel

PLACES = 10_000
GOAL_S = 1.0
MEDIUM = dataclasses.replace(SMALL, name="medium", townships=10, villages=8, grids=3)
"""38 counties x 10 townships x 8 villages x (1 + 3 grids): about 12,000 places."""
REPEAT = 3


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, first run's seconds, best of ``REPEAT`` runs' seconds)."""
    times, result = [], None
    for _ in range(REPEAT):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, round(times[0], 3), round(min(times), 3)


def _scale(places: int) -> DemoScale:
    return SMALL if SMALL.expected_places() >= places * 1.2 else MEDIUM


def run(places: int = PLACES) -> dict[str, Any]:
    spec = _scale(places)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        started = time.perf_counter()
        with session_factory(engine).begin() as session:
            load_china(session)
            loaded = load_demo(session, scale=spec)
        load_s = round(time.perf_counter() - started, 2)
        actor = system_actor()
        with session_factory(engine)() as session:
            ids = list(
                session.scalars(
                    select(Region.id)
                    .where(Region.level.in_([RegionLevel.village, RegionLevel.grid]))
                    .order_by(Region.id)
                    .limit(places)
                )
            )
            if len(ids) < places:
                raise RuntimeError(f"demo {spec.name} has only {len(ids)} villages and grids")
            found, resp_first, resp_best = _timed(
                lambda: responsible_for(session, actor, "region", ids, roles=None)
            )
            chains, chain_first, chain_best = _timed(lambda: escalation_chains(session, actor, ids))
        engine.dispose()
    links = [link for chain in chains.values() for link in chain]
    return {
        "scale": spec.name,
        "load_s": load_s,
        "persons_loaded": loaded["persons"],
        "places": len(ids),
        "responsible_s": resp_first,
        "responsible_best_s": resp_best,
        "responsible_places_found": len(found),
        "responsible_persons": sum(len(v) for v in found.values()),
        "escalation_s": chain_first,
        "escalation_best_s": chain_best,
        "escalation_links": len(links),
        "escalation_persons": sum(len(link.persons) for link in links),
        "goal_s": GOAL_S,
        "within_goal": max(resp_first, chain_first) < GOAL_S,
    }
