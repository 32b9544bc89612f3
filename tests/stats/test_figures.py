"""Every dashboard figure against numbers worked out by hand (see conftest), on both
backends; roll-up, year-on-year and period-on-period."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from yingji.auth.scope import system_actor
from yingji.db import session_factory
from yingji.stats import service

from .conftest import FIRST, LAST, TODAY


def board(engine: Engine, under: str | None) -> dict[str, Any]:
    with session_factory(engine)() as session:
        return service.dashboard(session, system_actor(), under, FIRST, LAST, today=TODAY)


def rows(table: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in table}


def pick(row: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(row[n] for n in names)


FIGS = ("found", "found_rectified", "rectified", "open", "overdue", "major_open")


def test_province_summary(engine: Engine, hazards: dict[int, int]) -> None:
    data = board(engine, "500000")
    s = data["summary"]
    # found 1,2,3,5,9 (4 is found 30 Sep 23:30 local; 6 dismissed; 7, 8 earlier)
    assert pick(s, *FIGS) == (5, 1, 2, 4, 2, 1)
    assert s["found_major"] == 1
    assert s["rate"] == 0.2
    assert data["window"] == {"from": "2026-10-01", "to": "2026-11-29", "days": 60}


def test_year_on_year_and_period_on_period(engine: Engine, hazards: dict[int, int]) -> None:
    data = board(engine, "500000")
    assert data["yoy"]["window"] == {"from": "2025-10-01", "to": "2025-11-29", "days": 60}
    assert pick(data["yoy"], "found", "found_rectified", "rectified") == (1, 1, 1)
    assert data["pop"]["window"] == {"from": "2026-08-02", "to": "2026-09-30", "days": 60}
    # hazard 4 (found 30 Sep local) and 8; only 8 was closed inside the earlier window
    assert pick(data["pop"], "found", "found_rectified", "rectified") == (2, 2, 1)
    assert "overdue" not in data["pop"]
    assert data["change"]["yoy"] == {"found": 4.0, "rectified": 1.0, "rate_pp": -80.0}
    assert data["change"]["pop"] == {"found": 1.5, "rectified": 1.0, "rate_pp": -80.0}


def test_roll_up_by_child_region(engine: Engine, hazards: dict[int, int]) -> None:
    province = rows(board(engine, "500000")["by_region"])
    assert pick(province["500101"], *FIGS) == (5, 1, 2, 4, 2, 1)
    assert pick(province["500103"], *FIGS) == (0, 0, 0, 0, 0, 0)
    assert "_self" not in province

    county = rows(board(engine, "500101")["by_region"])
    assert pick(county["500101001"], *FIGS) == (3, 1, 1, 2, 1, 1)
    assert pick(county["500101002"], *FIGS) == (1, 0, 1, 1, 0, 0)
    assert pick(county["500101003"], *FIGS) == (0, 0, 0, 0, 0, 0)
    assert pick(county["_self"], *FIGS) == (1, 0, 0, 1, 1, 0)  # hazard 9, at the county


@pytest.mark.parametrize("under", ["500101", "500101001"])
def test_by_industry_and_department(engine: Engine, hazards: dict[int, int], under: str) -> None:
    """County (from the summary) and township (from the hazard table) agree with the hand
    count."""
    data = board(engine, under)
    industry = rows(data["by_industry"])
    assert pick(industry["06"], *FIGS) == (2, 1, 1, 1, 1, 0)
    assert industry["06"]["name"] == "煤炭开采和洗选业"
    assert pick(industry["26"], *FIGS) == (1, 0, 0, 1, 0, 1)
    department = rows(data["by_department"])
    assert pick(department["10"], *FIGS) == (2, 1, 1, 1, 1, 0)
    assert department["10"]["name"] == "万州区应急管理局"
    assert pick(department["13"], *FIGS) == (1, 0, 0, 1, 0, 1)
    if under == "500101":
        assert pick(industry[""], *FIGS) == (2, 0, 1, 2, 1, 0)  # 5, 9 found; 4 rectified
        assert pick(department[""], *FIGS) == (2, 0, 1, 2, 1, 0)
    else:
        assert "" not in industry


def test_township_subtree(engine: Engine, hazards: dict[int, int]) -> None:
    data = board(engine, "500101002")
    # hazard 5 found 1 Oct 00:30 local (30 Sep 16:30 UTC) counts; 4 found 30 Sep does not
    assert pick(data["summary"], *FIGS) == (1, 0, 1, 1, 0, 0)
    assert data["summary"]["rate"] == 0.0


def test_trend(engine: Engine, hazards: dict[int, int]) -> None:
    trend = {m["month"]: m for m in board(engine, "500000")["trend"]}
    assert len(trend) == 12 and "2025-12" in trend and "2026-11" in trend
    assert (trend["2026-10"]["found"], trend["2026-10"]["rectified"]) == (4, 2)
    assert (trend["2026-11"]["found"], trend["2026-11"]["rectified"]) == (1, 0)
    assert (trend["2026-09"]["found"], trend["2026-09"]["rectified"]) == (1, 1)
    assert (trend["2026-08"]["found"], trend["2026-08"]["rectified"]) == (1, 0)


def test_country(engine: Engine, hazards: dict[int, int]) -> None:
    """A system actor without ``under`` sees the country: the sum of its provinces."""
    data = board(engine, None)
    assert data["region"]["code"] == "" and data["region"]["path"] == "/"
    assert pick(data["summary"], *FIGS) == (5, 1, 2, 4, 2, 1)
    provinces = rows(data["by_region"])
    assert len(provinces) >= 31 and pick(provinces["500000"], *FIGS) == (5, 1, 2, 4, 2, 1)
    assert rows(data["by_industry"])["06"]["found"] == 2
