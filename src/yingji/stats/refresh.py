"""Bring the hazard summary tables up to date, incrementally and exactly.

A refresh takes the hazards whose ``updated_at`` is at or after the last refresh's start
time minus :data:`OVERLAP`, computes each one's *mark* (what it contributes now), and applies
``new mark − old mark`` to the summary rows of every node it counts for. Because the old
mark is subtracted exactly, re-reading a hazard that did not change adds nothing: the
overlap is free, and it covers transactions that flushed a hazard before the previous
refresh started but committed after it (up to :data:`OVERLAP` long). Everything is
set-based SQL: a catch-up of a few rows and a full rebuild (all hazards, no old marks;
``yingji stats refresh --full``) stage and expand the same way.

Staleness: readers of summarised subtrees call :func:`catch_up` first, so figures include
every hazard change committed before the read, except changes written without touching
``updated_at`` (bulk SQL by hand), which a full rebuild picks up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from yingji import jobs
from yingji.db import utcnow
from yingji.hazards.models import Hazard
from yingji.regions.models import Region
from yingji.stats.marks import MARK_COLUMNS, mark_columns, month_start
from yingji.stats.models import (
    DAY,
    DIM_ALL,
    DIM_DEPARTMENT,
    DIM_INDUSTRY,
    MONTH,
    HazardStatDelta,
    HazardStatFlow,
    HazardStatMark,
    HazardStatNode,
    HazardStatOpen,
    HazardStatState,
)

OVERLAP = dt.timedelta(minutes=10)
"""How far before the previous refresh's start a refresh re-reads hazards (see module doc)."""
NODE_MAX_LEVEL = 3
"""Summary nodes are provinces, prefectures and counties (counties so that a province's or
a city's breakdown by child region reads one row per child and day). A county's own
dashboard, and anything below, counts from the hazard table through its indexes: a county
holds few enough hazards for that, and per-day rows for every township would cost about
one row per hazard."""
DETAIL_MAX_LEVEL = 2
"""Industry and department rows are kept for provinces and prefectures only."""
STATE_ID = 1


@dataclass
class RefreshReport:
    full: bool
    hazards: int
    """Hazards whose contribution changed since the last refresh (all, for a rebuild)."""
    seconds: float


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _lock_state(session: Session) -> dt.datetime | None:
    """Take the state row's write lock first, so concurrent refreshes queue up (and on
    SQLite the transaction is a writer from its first statement); returns the watermark.
    Core statements, not the ORM: derived counts are not audited business records."""
    table = HazardStatState.__table__
    locked = session.execute(
        update(table).where(table.c.id == STATE_ID).values(refreshed_at=table.c.refreshed_at)
    )
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(table).values(id=STATE_ID))
    return session.scalar(select(table.c.watermark).where(table.c.id == STATE_ID))


def _stage(session: Session, since: dt.datetime | None) -> int:
    """Delta rows: the new marks (+1) of hazards changed since ``since`` whose mark
    differs from the stored one, then their stored marks (−1). Hazards re-read by the
    overlap but unchanged are left out here, so the overlap costs one indexed read."""
    dialect = _dialect(session)
    cols = mark_columns(dialect)
    h = Hazard.__table__.c
    d = HazardStatDelta.__table__
    names = ["hazard_id", "sign", "counted", *MARK_COLUMNS]
    new = select(h.id, literal(1), *cols.values())
    if since is not None:
        m = HazardStatMark.__table__.c
        unchanged = and_(
            cols["counted"] == 1,
            *(m[name].is_not_distinct_from(cols[name]) for name in MARK_COLUMNS),
        )
        never_counted = and_(cols["counted"] == 0, m.hazard_id.is_(None))
        new = (
            new.outerjoin_from(Hazard.__table__, HazardStatMark.__table__, m.hazard_id == h.id)
            .where(h.updated_at >= since)
            .where(~or_(unchanged, never_counted))
        )
    session.execute(insert(d).from_select(names, new))
    staged = session.scalar(select(func.count()).select_from(d).where(d.c.sign == 1)) or 0
    if since is not None and staged:
        mark = HazardStatMark.__table__
        old = select(
            mark.c.hazard_id, literal(-1), literal(1), *(mark.c[name] for name in MARK_COLUMNS)
        ).where(mark.c.hazard_id.in_(select(d.c.hazard_id).where(d.c.sign == 1)))
        session.execute(insert(d).from_select(names, old))
    return int(staged)


def ancestors(path: str) -> list[str]:
    """``/50/5001/`` → ``["/50/", "/50/5001/"]``: the nodes a hazard there counts for."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _ensure_nodes(session: Session) -> None:
    """Node rows for region paths seen for the first time."""
    d, n = HazardStatDelta.__table__, HazardStatNode.__table__
    leaves = session.scalars(
        select(d.c.region_path)
        .distinct()
        .where(d.c.sign == 1, ~exists().where(n.c.leaf_path == d.c.region_path))
    ).all()
    if not leaves:
        return
    nodes = {p for leaf in leaves for p in ancestors(leaf)}
    levels: dict[str, int] = {}
    ordered = sorted(nodes)
    for i in range(0, len(ordered), 500):
        chunk = ordered[i : i + 500]
        stmt = select(Region.path, Region.level).where(Region.path.in_(chunk))
        levels.update({path: level for path, level in session.execute(stmt)})
    rows = [
        {"leaf_path": leaf, "node_path": node, "detail": int(levels[node] <= DETAIL_MAX_LEVEL)}
        for leaf in leaves
        for node in ancestors(leaf)
        if levels.get(node, NODE_MAX_LEVEL + 1) <= NODE_MAX_LEVEL
    ]
    if rows:
        session.execute(insert(n), rows)


def _contributions() -> Any:
    """Per delta row, what it adds to flow rows at its leaf: found on the found day, closed
    on the closed day (signs carried)."""
    d = HazardStatDelta.__table__.c
    closed_now = case((d.closed_day.is_not(None), 1), else_=0)
    found = select(
        d.region_path.label("leaf"),
        d.division,
        d.department,
        d.found_day.label("day"),
        d.sign.label("found"),
        (d.sign * closed_now).label("found_closed"),
        (d.sign * d.major).label("found_major"),
        literal(0).label("closed"),
    ).where(d.counted == 1)
    closed = select(
        d.region_path,
        d.division,
        d.department,
        d.closed_day,
        literal(0),
        literal(0),
        literal(0),
        d.sign,
    ).where(d.counted == 1, d.closed_day.is_not(None))
    return union_all(found, closed).subquery("c")


def _open_contributions() -> Any:
    d = HazardStatDelta.__table__.c
    return (
        select(
            d.region_path.label("leaf"),
            d.division,
            d.department,
            d.open_deadline.label("day"),
            d.sign.label("open"),
            (d.sign * d.major).label("open_major"),
        )
        .where(d.counted == 1, d.open_deadline.is_not(None))
        .subquery("c")
    )


def _expanded(contrib: Any, values: list[str], grain: str, dialect: str) -> Any:
    """Contributions copied to every node of their leaf, as ``all`` rows and, at detail
    nodes, as industry and department rows, on days or on months."""
    n = HazardStatNode.__table__.c
    day = contrib.c.day if grain == DAY else month_start(contrib.c.day, dialect)
    parts = []
    for dim, value, detail_only in (
        (DIM_ALL, literal(""), False),
        (DIM_INDUSTRY, contrib.c.division, True),
        (DIM_DEPARTMENT, contrib.c.department, True),
    ):
        stmt = select(
            n.node_path,
            literal(dim).label("dim"),
            literal(grain).label("grain"),
            day.label("day"),
            value.label("dim_value"),
            *(contrib.c[v] for v in values),
        ).join_from(contrib, HazardStatNode.__table__, n.leaf_path == contrib.c.leaf)
        if detail_only:
            stmt = stmt.where(n.detail == 1)
        parts.append(stmt)
    return union_all(*parts).subquery("e")


def _apply(
    session: Session,
    table: Any,
    day_column: str,
    contrib: Any,
    values: list[str],
    *,
    full: bool,
) -> None:
    """Add the aggregated contributions to ``table`` on both grains: insert, or add to the
    existing rows and drop touched rows that fell to zero. A full rebuild inserts the day
    rows into the emptied table and sums them into month rows, which is cheaper than
    expanding every hazard twice."""
    dialect = _dialect(session)
    keys = ["node_path", "dim", "grain", day_column, "dim_value"]
    for grain in (DAY,) if full else (DAY, MONTH):
        e = _expanded(contrib, values, grain, dialect)
        group = (e.c.node_path, e.c.dim, e.c.grain, e.c.day, e.c.dim_value)
        agg: Select[Any] = (
            select(*group, *(func.sum(e.c[v]).label(v) for v in values))
            .where(true())
            .group_by(*group)
            .having(or_(*(func.sum(e.c[v]) != 0 for v in values)))
        )
        if full:
            # in key order, so on PostgreSQL too a node's window is contiguous pages
            ordered = agg.order_by(*group)
            session.execute(insert(table).from_select(keys + values, ordered))
            continue
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = dialect_insert(table).from_select(keys + values, agg)
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={v: table.c[v] + stmt.excluded[v] for v in values}
        )
        session.execute(stmt)
        session.execute(
            delete(table).where(
                *(table.c[v] == 0 for v in values),
                tuple_(*(table.c[k] for k in keys)).in_(select(*group)),
            )
        )
    if full:
        t = table.c
        month = month_start(t[day_column], dialect).label("month")
        rolled = (
            select(
                t.node_path,
                t.dim,
                literal(MONTH),
                month,
                t.dim_value,
                *(func.sum(t[v]) for v in values),
            )
            .where(t.grain == DAY)
            .group_by(t.node_path, t.dim, month, t.dim_value)
            .order_by(t.node_path, t.dim, month, t.dim_value)
        )
        session.execute(insert(table).from_select(keys + values, rolled))


def _empty(session: Session, table: Any) -> None:
    """Delete every row; on PostgreSQL by TRUNCATE, so no dead rows are left for the next
    refresh to wade through (a rebuild stages millions)."""
    if _dialect(session) == "postgresql":
        session.execute(text(f"TRUNCATE {table.name}"))
    else:
        session.execute(delete(table))


def refresh(session: Session, *, full: bool = False) -> RefreshReport:
    """Catch the summaries up with hazard changes (``full``: recount everything). Runs in
    the caller's transaction; the caller commits."""
    started = utcnow()
    watermark = _lock_state(session)
    full = full or watermark is None
    since = None if full or watermark is None else watermark - OVERLAP
    if full:
        if _dialect(session) == "postgresql":
            # one big aggregation: sort/hash in memory, no JIT compile of a one-off query
            session.execute(text("SET LOCAL work_mem = '256MB'"))
            session.execute(text("SET LOCAL jit = off"))
        for model in (
            HazardStatFlow,
            HazardStatOpen,
            HazardStatMark,
            HazardStatDelta,
            HazardStatNode,
        ):
            _empty(session, model.__table__)
    staged = _stage(session, since)
    if staged:
        _ensure_nodes(session)
        flow_values = ["found", "found_closed", "found_major", "closed"]
        _apply(
            session,
            HazardStatFlow.__table__,
            "day",
            _contributions(),
            flow_values,
            full=full,
        )
        _apply(
            session,
            HazardStatOpen.__table__,
            "deadline",
            _open_contributions(),
            ["open", "open_major"],
            full=full,
        )
        m, d = HazardStatMark.__table__, HazardStatDelta.__table__
        if not full:
            changed = select(d.c.hazard_id).where(d.c.sign == 1)
            session.execute(delete(m).where(m.c.hazard_id.in_(changed)))
        kept = select(d.c.hazard_id, *(d.c[c] for c in MARK_COLUMNS)).where(
            d.c.sign == 1, d.c.counted == 1
        )
        session.execute(insert(m).from_select(["hazard_id", *MARK_COLUMNS], kept))
        _empty(session, d)
    table = HazardStatState.__table__
    stamps = {"watermark": started, "refreshed_at": started}
    if full:
        stamps["rebuilt_at"] = started
    session.execute(update(table).where(table.c.id == STATE_ID).values(**stamps))
    return RefreshReport(full, staged, round((utcnow() - started).total_seconds(), 3))


def catch_up(engine: Engine, *, full: bool = False) -> RefreshReport:
    """Refresh in a transaction of its own, so a reader's request neither holds the refresh
    lock while it works nor reads the summaries from a snapshot older than the refresh."""
    with Session(engine) as session, session.begin():
        return refresh(session, full=full)


KEEP_FRESH_SECONDS = 300


@jobs.every(KEEP_FRESH_SECONDS, "stats.catch_up")
def keep_fresh(engine: Engine) -> None:
    """Workers catch the summaries up every few minutes, so the first dashboard read after a
    busy spell does not pay for it; the refresh lock keeps concurrent runs apart."""
    catch_up(engine)
