"""Incremental refreshes end where a full recount ends, and the summary agrees with counts
taken straight from the hazard table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select, update

from yingji.db import session_factory, utcnow
from yingji.hazards.models import Hazard
from yingji.regions.models import Region
from yingji.stats import refresh
from yingji.stats.models import HazardStatFlow, HazardStatOpen
from yingji.stats.periods import Window
from yingji.stats.service import ROOT, Subject, scope
from yingji.stats.sources import RawSource, SummarySource

from .conftest import HAZARDS, TODAY, insert_hazards


def tables(engine: Engine) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Both summary tables without zero rows, as comparable sets."""
    with session_factory(engine)() as s:
        flow = {tuple(r) for r in s.execute(select(HazardStatFlow.__table__)) if any(r[4:])}
        opened = {tuple(r) for r in s.execute(select(HazardStatOpen.__table__)) if any(r[4:])}
    return flow, opened


def test_incremental_equals_rebuild(engine: Engine, hazards: dict[int, int]) -> None:
    refresh.catch_up(engine)
    now = utcnow()
    with session_factory(engine).begin() as s:
        c = s.scalar(select(Region).where(Region.code == "500103001"))
        assert c is not None
        # close 2, transfer 3 to another county, dismiss 5, reopen 1, and add new ones
        s.execute(
            update(Hazard)
            .where(Hazard.id == hazards[2])
            .values(state="closed", closed_at=now, updated_at=now)
        )
        s.execute(
            update(Hazard)
            .where(Hazard.id == hazards[3])
            .values(region_id=c.id, region_path=c.path, department_id=19, updated_at=now)
        )
        s.execute(
            update(Hazard).where(Hazard.id == hazards[5]).values(state="dismissed", updated_at=now)
        )
        s.execute(
            update(Hazard)
            .where(Hazard.id == hazards[1])
            .values(state="confirmed", closed_at=None, updated_at=now)
        )
        insert_hazards(s, [(10 + r[0], *r[1:]) for r in HAZARDS[:4]])
    first = refresh.catch_up(engine)
    assert not first.full and first.hazards >= 8
    again = refresh.catch_up(engine)  # the overlap re-reads the same hazards: no change
    incremental = tables(engine)
    assert again.hazards == 0  # re-read by the overlap, found unchanged, nothing staged
    assert tables(engine) == incremental
    rebuilt = refresh.catch_up(engine, full=True)
    assert rebuilt.full
    assert tables(engine) == incremental


def test_summary_agrees_with_hazard_table(engine: Engine, hazards: dict[int, int]) -> None:
    """Both sources can count a province or the country: they must agree on everything."""
    refresh.catch_up(engine)
    windows = [
        Window(dt.date(2026, 10, 1), dt.date(2026, 11, 30)),
        Window(dt.date(2025, 1, 1), dt.date(2027, 1, 1)),
        Window(dt.date(2026, 9, 30), dt.date(2026, 10, 2)),
        Window(dt.date(2025, 10, 13), dt.date(2026, 10, 16)),
    ]
    with session_factory(engine)() as s:
        region = s.scalar(select(Region).where(Region.code == "500000"))
        assert region is not None
        province = Subject(region.code, region.name, region.level, region.path, region.id)
        for subj in (province, ROOT):
            sc = scope(s, subj, TODAY)
            assert isinstance(sc.source, SummarySource)
            paths = [path for _, _, path in sc.children]
            raw = RawSource(s, subj.path, paths, TODAY)
            for window in windows:
                assert sc.source.totals(window) == raw.totals(window), (subj.code, window)
                assert sc.source.totals(window, now_figures=False) == raw.totals(
                    window, now_figures=False
                )
                assert sc.source.children(window) == raw.children(window)
                for dim in ("ind", "dept"):
                    assert sc.source.breakdown(dim, window) == raw.breakdown(dim, window)
            months = Window(dt.date(2025, 1, 1), dt.date(2027, 1, 1))
            trend = sc.source.months(months)
            assert {k: (t.found, t.rectified) for k, t in trend.items()} == {
                k: (t.found, t.rectified) for k, t in raw.months(months).items()
            }
