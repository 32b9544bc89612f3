"""Set-based tallies of instructions, shared by the live board and the statistics.

Every figure is one ``GROUP BY`` over the instruction (or delivery) table with conditional
sums, so a call-out of 100,000 instructions is counted in the database, never row by row
in Python. Only the grouped rows (one per region, or per minute) come back, and those are
rolled up to townships or counties through the region paths.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from yingji.regions.models import Region
from yingji.warnings.instruction_models import OPEN_STATES, Instruction, InstructionState

I = Instruction.__table__.c  # noqa: E741 - the instruction table's columns, read often
FIGURES = (
    "targeted",
    "sent",
    "delivered",
    "confirmed",
    "escalated",
    "unanswered",
    "failed",
    "cancelled",
    "asked",
    "attempted",
)
"""What is counted per group. ``asked``: instructions asking for a confirmation (with a
deadline), the denominator of the confirmation rate; ``attempted``: sent, or failed on
every channel, the denominator of the delivery rate; ``unanswered``: still open after
their deadline."""
CHUNK = 5000


def case_flag(condition: ColumnElement[bool]) -> Any:
    """1 where ``condition`` holds, else 0: summed, a count of the rows that match."""
    return case((condition, 1), else_=0)


def _flag(condition: ColumnElement[bool]) -> Any:
    return func.sum(case_flag(condition))


def figure_columns(now: dt.datetime) -> list[Any]:
    """The conditional sums of :data:`FIGURES`, labelled. A confirmation proves the
    message arrived, so a confirmed instruction counts as sent and delivered even when
    no receipt came back."""
    confirmed = I.confirmed_at.is_not(None) | (I.state == InstructionState.confirmed.value)
    delivered = I.delivered_at.is_not(None) | confirmed
    sent = I.sent_at.is_not(None) | delivered
    return [
        func.count().label("targeted"),
        _flag(sent).label("sent"),
        _flag(delivered).label("delivered"),
        _flag(confirmed).label("confirmed"),
        _flag(I.escalated_at.is_not(None) | (I.state == "escalated")).label("escalated"),
        _flag(I.state.in_(OPEN_STATES) & I.deadline_at.is_not(None) & (I.deadline_at < now)).label(
            "unanswered"
        ),
        _flag(I.state == InstructionState.failed.value).label("failed"),
        _flag(I.state == InstructionState.cancelled.value).label("cancelled"),
        _flag(I.deadline_at.is_not(None)).label("asked"),
        _flag(sent | (I.state == InstructionState.failed.value)).label("attempted"),
    ]


def empty() -> dict[str, Any]:
    return {key: 0 for key in FIGURES}


def with_rates(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` plus ``confirm_rate`` (confirmed ÷ asked) and ``delivery_rate`` (delivered
    ÷ attempted); None while a denominator is 0."""
    out = dict(row)
    asked, attempted = row["asked"], row["attempted"]
    out["confirm_rate"] = round(min(row["confirmed"], asked) / asked, 4) if asked else None
    out["delivery_rate"] = round(row["delivered"] / attempted, 4) if attempted else None
    return out


def add(into: dict[str, Any], row: Any) -> None:
    for key in FIGURES:
        into[key] += int(getattr(row, key) or 0)


def minute_of(column: Any, dialect: str) -> Any:
    """The UTC minute of a timestamp as ``YYYY-MM-DD HH:MM`` text, one per backend
    (SQLite stores the UTC time as text; PostgreSQL a timestamptz)."""
    if dialect == "sqlite":
        return func.substr(column, 1, 16)
    return func.to_char(func.timezone("UTC", column), literal("YYYY-MM-DD HH24:MI"))


def seconds_between(start: Any, end: Any, dialect: str) -> Any:
    """``end - start`` in seconds, as a number both backends sort."""
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


def parse_minute(text: str) -> dt.datetime:
    return dt.datetime.strptime(text[:16], "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)


def median_seconds(session: Session, where: Sequence[ColumnElement[bool]]) -> float | None:
    """Median time from the call (sent, else written) to the confirmation over the
    instructions matching ``where``: a count, then one ORDER BY … OFFSET in the database
    (faster on SQLite than ranking every row with a window function)."""
    dialect = session.get_bind().dialect.name
    confirmed = [*where, I.confirmed_at.is_not(None)]
    n = session.execute(select(func.count()).select_from(Instruction).where(*confirmed)).scalar()
    if not n:
        return None
    took = seconds_between(func.coalesce(I.sent_at, I.created_at), I.confirmed_at, dialect)
    middle = [
        float(v)
        for v in session.execute(
            select(took.label("s"))
            .where(*confirmed)
            .order_by(took)
            .offset((n - 1) // 2)
            .limit(1 if n % 2 else 2)
        ).scalars()
    ]
    return round(max(sum(middle) / len(middle), 0.0), 1)


EVENTS = ("sent", "delivered", "confirmed", "escalated")


def timeline(session: Session, where: Sequence[ColumnElement[bool]]) -> list[dict[str, Any]]:
    """Per-minute counts of sends, deliveries, confirmations and escalations (minutes with
    none are left out): one pass over the instructions, each row crossed with the four
    kinds of event, grouped by (minute, kind)."""
    dialect = session.get_bind().dialect.name
    columns = (I.sent_at, I.delivered_at, I.confirmed_at, I.escalated_at)
    kinds = union_all(*(select(literal(i).label("k")) for i in range(len(EVENTS)))).subquery()
    at = case(*((kinds.c.k == i, col) for i, col in enumerate(columns)))
    bucket = minute_of(at, dialect).label("m")
    stmt = (
        select(bucket, kinds.c.k, func.count())
        .select_from(Instruction)
        .join(kinds, literal(True))
        .where(*where, at.is_not(None))
        .group_by(bucket, kinds.c.k)
    )
    minutes: dict[str, dict[str, int]] = {}
    for minute, kind, count in session.execute(stmt):
        row = minutes.setdefault(str(minute)[:16], dict.fromkeys(EVENTS, 0))
        row[EVENTS[int(kind)]] = int(count)
    return [
        {"minute": parse_minute(m).isoformat(), **counts} for m, counts in sorted(minutes.items())
    ]


# --- regions ---------------------------------------------------------------------------------


@dataclass
class Group:
    """A region figures are rolled up to."""

    code: str
    name: str
    level: int
    figures: dict[str, Any] = field(default_factory=empty)


def codes_of(path: str) -> list[str]:
    return [c for c in path.split("/") if c]


def _regions(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str, int, str]]:
    ids = sorted(set(ids))
    out: dict[int, tuple[str, str, int, str]] = {}
    for start in range(0, len(ids), CHUNK):
        stmt = select(Region.id, Region.code, Region.name, Region.level, Region.path).where(
            Region.id.in_(ids[start : start + CHUNK])
        )
        out.update((r[0], (r[1], r[2], r[3], r[4])) for r in session.execute(stmt))
    return out


def _by_code(session: Session, codes: Iterable[str]) -> dict[str, tuple[str, int]]:
    codes = sorted(set(codes))
    out: dict[str, tuple[str, int]] = {}
    for start in range(0, len(codes), CHUNK):
        stmt = select(Region.code, Region.name, Region.level).where(
            Region.code.in_(codes[start : start + CHUNK])
        )
        out.update((r[0], (r[1], r[2])) for r in session.execute(stmt))
    return out


MAX_TOWNSHIPS = 60
"""Above this many townships the regional breakdown is by county, so the map stays legible."""
UNPLACED = Group("", "未定位 / no region", 0)


def roll_up(
    session: Session, rows: Sequence[Any], level: int | None = None
) -> tuple[int, list[Group]]:
    """(the level used, one group per region) from rows carrying ``region_id`` and the
    :data:`FIGURES`: each region goes to its ancestor at ``level`` (itself when it is that
    level or higher). Without a level: townships, or counties when there are more than
    :data:`MAX_TOWNSHIPS` townships."""
    regions = _regions(session, (r.region_id for r in rows if r.region_id is not None))
    ancestry = _by_code(session, (c for info in regions.values() for c in codes_of(info[3])))

    def at(region_id: int | None, wanted: int) -> tuple[str, str, int] | None:
        if region_id is None or region_id not in regions:
            return None
        best = None
        for code in codes_of(regions[region_id][3]):
            name, lvl = ancestry.get(code, (code, 0))
            if lvl <= wanted:
                best = (code, name, lvl)
        return best

    if level is None:
        townships = {at(r.region_id, 4) for r in rows}
        level = 3 if len(townships) > MAX_TOWNSHIPS else 4
    groups: dict[str, Group] = {}
    for r in rows:
        place = at(r.region_id, level)
        key = place[0] if place else ""
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(*place) if place else Group("", UNPLACED.name, 0)
        add(group.figures, r)
    return level, sorted(groups.values(), key=lambda g: (g.code == "", g.code))


def under_clause(path: str | None) -> ColumnElement[bool] | None:
    """Instructions whose region lies in the subtree at ``path`` (None: no narrowing)."""
    if not path or path == "/":
        return None
    inside = select(Region.id).where(Region.path.startswith(path, autoescape=True))
    return I.region_id.in_(inside)


def grouped(session: Session, where: Sequence[ColumnElement[bool]], now: dt.datetime) -> list[Any]:
    """One row per (region, layer) with every figure: the single scan behind the totals,
    the layer breakdown and the regional breakdown."""
    stmt: Select[Any] = (
        select(I.region_id, I.layer, *figure_columns(now))
        .where(*where)
        .group_by(I.region_id, I.layer)
    )
    return list(session.execute(stmt))
