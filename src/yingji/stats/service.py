"""Hazard statistics for a region subtree: the dashboard figures and quarterly rankings.

Every figure is defined in :mod:`yingji.stats.figures`. A subtree's counts roll up the
hierarchy: a hazard in a township counts for the township, its county, its city, its
province. The country, a province or a prefecture is read from the summary tables, caught up
first (:func:`yingji.stats.refresh.catch_up`) so the figures include every change committed
before the request; a county or anything below is counted from the hazard table
(:mod:`yingji.stats.raw`), current by construction.

An actor sees their own subtree only (``under`` defaults to their region; a region outside
it answers 404 as if missing). Enterprise users have no statistics: the summaries are per
region, not per enterprise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.models import UserRole
from yingji.auth.scope import Actor
from yingji.enterprises import industries
from yingji.errors import NotFound, PermissionDenied, ValidationFailed
from yingji.people.models import Organisation
from yingji.regions.models import Region
from yingji.stats import figures, periods, refresh
from yingji.stats.figures import Tally
from yingji.stats.models import DIM_DEPARTMENT, DIM_INDUSTRY, HazardStatState
from yingji.stats.periods import Window
from yingji.stats.sources import RawSource, Source, SummarySource

TREND_MONTHS = 12
SELF_KEY = "_self"
"""Breakdown row of hazards registered at the subtree's own region, not in a child."""
RANKED_BY = ("region", "department")
RANK_RULE = (
    "按整改率从高到低；整改率相同则逾期隐患少者在前，再按排查数多者在前；本季度未排查隐患的"
    "排在最后 / by rectification rate (high first), then fewer overdue, then more found; "
    "units that found nothing in the quarter come last"
)


@dataclass(frozen=True)
class Subject:
    """The subtree statistics are about: a region, or the whole country (path ``/``)."""

    code: str
    name: str
    level: int
    path: str
    region_id: int | None

    @property
    def summarised(self) -> bool:
        """Whether the summary tables cover this subtree (the country, provinces and
        prefectures); counties and below are counted from the hazard table."""
        return self.level <= refresh.DETAIL_MAX_LEVEL

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "level": self.level, "path": self.path}


ROOT = Subject("", "全国 / China", 0, "/", None)


def subject(session: Session, actor: Actor, code: str | None) -> Subject:
    """The subtree for ``under=code`` (default: the actor's own region), checked in scope."""
    if actor.role == UserRole.enterprise_user:
        raise PermissionDenied("企业账号不提供统计 / statistics are not available to enterprises")
    if code:
        region = session.scalar(select(Region).where(Region.code == code))
    elif actor.region_id is not None:
        region = session.get(Region, actor.region_id)
    else:
        region = None
        if actor.region_path != "/":
            region = session.scalar(select(Region).where(Region.path == actor.region_path))
    if region is None and not code and actor.region_path == "/":
        return ROOT
    if region is None or not actor.covers(region.path):
        raise NotFound(f"区划 {code} 不存在或不在您的管辖范围内 / region not found or out of scope")
    return Subject(region.code, region.name, region.level, region.path, region.id)


@dataclass
class Scope:
    """A subtree with its direct children and the source its figures come from."""

    subject: Subject
    children: list[tuple[str, str, str]]
    """(code, name, path) of each direct child region, by code."""
    source: Source
    today: dt.date


def scope(session: Session, subj: Subject, today: dt.date) -> Scope:
    parent = (
        Region.parent_id.is_(None) if subj.region_id is None else Region.parent_id == subj.region_id
    )
    stmt = select(Region.code, Region.name, Region.path).where(parent).order_by(Region.code)
    children = [(code, name, path) for code, name, path in session.execute(stmt)]
    paths = [path for _, _, path in children]
    source: Source
    if subj.summarised:
        nodes = [subj.path] if subj.region_id is not None else paths
        source = SummarySource(session, nodes, paths, today)
    else:
        source = RawSource(session, subj.path, paths, today)
    return Scope(subj, children, source, today)


def _row(key: str, name: str, tally: Tally, **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": name, **extra, **tally.as_dict()}


def by_region(sc: Scope, window: Window) -> list[dict[str, Any]]:
    """One row per direct child region (rolled up), and one for hazards at the subtree's own
    region when there are any."""
    counts = sc.source.children(window)
    rows = [
        _row(code, name, counts.get(path, Tally()), path=path) for code, name, path in sc.children
    ]
    own = sc.source.totals(window) - figures.total(counts.values())
    if not own.is_empty():
        rows.append(_row(SELF_KEY, f"{sc.subject.name}（本级）", own, path=sc.subject.path))
    return rows


def _ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (-r["found"], -r["open"], r["key"]))


def by_industry(sc: Scope, window: Window) -> list[dict[str, Any]]:
    """One row per GB/T 4754 division (first two digits of the enterprise's code)."""
    names = industries.divisions()
    rows = []
    for value, tally in sc.source.breakdown(DIM_INDUSTRY, window).items():
        division = names.get(value)
        name = division.name if division else (value or "未分类 / unclassified")
        rows.append(_row(value, name, tally))
    return _ordered(rows)


def by_department(session: Session, sc: Scope, window: Window) -> list[dict[str, Any]]:
    """One row per supervising department (三管三必须)."""
    counts = sc.source.breakdown(DIM_DEPARTMENT, window)
    ids = [int(v) for v in counts if v]
    names: dict[int, tuple[str, str]] = {}
    if ids:
        stmt = (
            select(Organisation.id, Organisation.name, Region.name)
            .join(Region, Region.id == Organisation.region_id)
            .where(Organisation.id.in_(ids))
        )
        names = {oid: (name, region) for oid, name, region in session.execute(stmt)}
    rows = []
    for value, tally in counts.items():
        name, region = names.get(int(value), (f"#{value}", "")) if value else ("未指定 / none", "")
        rows.append(_row(value, name, tally, region=region))
    return _ordered(rows)


def trend(sc: Scope, window: Window) -> list[dict[str, Any]]:
    """Found and rectified per calendar month, for the twelve months up to the month of the
    window's last day."""
    months = periods.months_back(window.last, TREND_MONTHS)
    counts = sc.source.months(Window(months[0], figures.next_month(months[-1])))
    return [
        {
            "month": f"{first:%Y-%m}",
            "found": counts.get(first, Tally()).found,
            "rectified": counts.get(first, Tally()).rectified,
        }
        for first in months
    ]


def _change(now: Tally, before: Tally) -> dict[str, float | None]:
    """Relative change of counts (0.25 = +25 %) and the rate's change in percentage points."""

    def rel(a: int, b: int) -> float | None:
        return None if b == 0 else round((a - b) / b, 4)

    rate = None
    if now.rate is not None and before.rate is not None:
        rate = round((now.rate - before.rate) * 100, 2)
    return {
        "found": rel(now.found, before.found),
        "rectified": rel(now.rectified, before.rectified),
        "rate_pp": rate,
    }


def _refreshed_at(session: Session) -> str | None:
    at = session.scalar(select(HazardStatState.refreshed_at))
    return at.isoformat() if at else None


def dashboard(
    session: Session,
    actor: Actor,
    under: str | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
    *,
    today: dt.date | None = None,
    catch_up: bool = True,
) -> dict[str, Any]:
    """Summary with year-on-year and period-on-period change, and breakdowns by child
    region, industry and department, for ``first``..``last`` (default: this year so far)."""
    subj = subject(session, actor, under)
    today = today or clock.today()
    window = _window(first, last, today)
    if catch_up and subj.summarised:
        refresh.catch_up(session.get_bind())  # type: ignore[arg-type]
    sc = scope(session, subj, today)
    whole = sc.source.totals(window)
    yoy_w, pop_w = window.year_on_year(), window.period_on_period()
    yoy = sc.source.totals(yoy_w, now_figures=False)
    pop = sc.source.totals(pop_w, now_figures=False)
    return {
        "region": subj.as_dict(),
        "window": window.as_dict(),
        "today": today.isoformat(),
        "source": "summary" if subj.summarised else "hazards",
        "refreshed_at": _refreshed_at(session) if subj.summarised else None,
        "summary": whole.as_dict(),
        "yoy": {"window": yoy_w.as_dict(), **yoy.as_dict(now_figures=False)},
        "pop": {"window": pop_w.as_dict(), **pop.as_dict(now_figures=False)},
        "change": {"yoy": _change(whole, yoy), "pop": _change(whole, pop)},
        "by_region": by_region(sc, window),
        "by_industry": by_industry(sc, window),
        "by_department": by_department(session, sc, window),
        "trend": trend(sc, window),
    }


def _window(first: dt.date | None, last: dt.date | None, today: dt.date) -> Window:
    if first is None and last is None:
        return periods.default_window(today)
    last = last or today
    first = first or last.replace(month=1, day=1)
    if (last - first).days > 366 * 20:
        raise ValidationFailed(
            "时间范围不能超过 20 年 / the window may span at most 20 years",
            [{"field": "from", "reason": "too long"}],
        )
    return Window.inclusive(first, last)


def _score(row: dict[str, Any]) -> tuple[Any, ...]:
    rate = row["rate"]
    return (rate is None, -(rate or 0.0), row["overdue"], -row["found"], row["key"])


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ordered = sorted(rows, key=_score)
    for position, row in enumerate(ordered, start=1):
        row["rank"] = position
    return ordered


def _rank_rows(session: Session, sc: Scope, by: str, window: Window) -> list[dict[str, Any]]:
    if by == "region":
        return [r for r in by_region(sc, window) if r["key"] != SELF_KEY]
    return [r for r in by_department(session, sc, window) if r["key"]]


def ranking(
    session: Session,
    actor: Actor,
    quarter: str | None = None,
    by: str = "region",
    under: str | None = None,
    *,
    today: dt.date | None = None,
    catch_up: bool = True,
) -> dict[str, Any]:
    """Quarterly ranking (晾晒) of the child regions or of the supervising departments, with
    each one's move since the previous quarter (positive: moved up)."""
    if by not in RANKED_BY:
        raise ValidationFailed(
            "by 须为 region 或 department / by must be region or department",
            [{"field": "by", "reason": "region | department"}],
        )
    subj = subject(session, actor, under)
    today = today or clock.today()
    name, window = periods.quarter(quarter or periods.quarter_of(today))
    prev_name, prev_window = periods.quarter(periods.previous_quarter(name))
    if catch_up and subj.summarised:
        refresh.catch_up(session.get_bind())  # type: ignore[arg-type]
    sc = scope(session, subj, today)
    rows = _ranked(_rank_rows(session, sc, by, window))
    before = {r["key"]: r["rank"] for r in _ranked(_rank_rows(session, sc, by, prev_window))}
    for row in rows:
        prev = before.get(row["key"])
        row["previous_rank"] = prev
        row["rank_change"] = None if prev is None else prev - row["rank"]
    return {
        "region": subj.as_dict(),
        "quarter": name,
        "window": window.as_dict(),
        "previous_quarter": prev_name,
        "by": by,
        "rule": RANK_RULE,
        "today": today.isoformat(),
        "rows": rows,
    }
