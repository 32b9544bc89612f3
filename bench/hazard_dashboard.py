"""Hazard dashboard at provincial scale: province, city, county and township subtrees.

Builds a fresh database (migrations, China's regions, 20 synthetic townships under each of
四川's 183 counties, 6 supervising departments per county), generates hazards with numpy
(found over five years, industry, department, grade, state by age, closing dates and
deadlines) and bulk-loads them (SQLite ``executemany``, PostgreSQL ``COPY``). Then times a
full summary rebuild, the dashboard (summary, year-on-year, period-on-period, breakdowns by
child region, industry and department, trend) and the quarterly rankings for each subtree,
an incremental catch-up after 1,000 hazard changes, and for comparison the province's
figures counted straight from the hazard table (what a county's dashboard does).

``HAZARDS`` (default 1,000,000) sets the SQLite size; ``PG_HAZARDS`` (default 10,000,000)
the PostgreSQL size, run when ``YINGJI_BENCH_PG_URL`` or the local test server
(``postgresql+psycopg://postgres@127.0.0.1:5432/test``) answers; ``BACKENDS=sqlite`` or
``postgresql`` runs one only.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.engine import make_url

import yingji.models  # noqa: F401  (all tables)
from bench._pg import pg_admin, pg_url
from yingji import migrate
from yingji.auth.scope import system_actor
from yingji.db import make_engine, session_factory
from yingji.hazards.models import Hazard
from yingji.people.models import Organisation
from yingji.regions.china import load_china
from yingji.regions.models import Region
from yingji.stats import raw, refresh, service
from yingji.stats.periods import Window

TODAY = dt.date(2026, 11, 29)
YEARS = 5
TOWNSHIPS_PER_COUNTY = 20
SECTORS = ("应急", "住房城乡建设", "交通运输", "市场监管", "消防救援", "经济信息")
DIVISIONS = ("06", "07", "08", "09", "10", "13", "17", "22", "25", "26", "30", "31", "33",
             "36", "44", "45", "47", "48", "54", "59", "61", "72", "80", "87")  # fmt: skip
SUBJECTS = {"province": "510000", "city": "510100", "county": "510104", "township": "510104001"}
REPEAT = 5
COLUMNS = (
    "title", "state", "grade", "source", "region_id", "region_path", "department_id",
    "industry_code", "found_at", "deadline", "closed_at", "created_at", "updated_at",
)  # fmt: skip


def _places(engine: Engine) -> dict[str, Any]:
    """Townships and departments in 四川; returns arrays the generator draws from."""
    with session_factory(engine).begin() as s:
        load_china(s)
        counties = s.execute(
            select(Region.id, Region.code, Region.path)
            .where(Region.path.startswith("/510000/"), Region.level == 3)
            .order_by(Region.code)
        ).all()
        towns = [
            {
                "code": f"{code}{n:03d}",
                "name": f"{code}第{n}镇",
                "level": 4,
                "parent_id": rid,
                "path": f"{path}{code}{n:03d}/",
            }
            for rid, code, path in counties
            for n in range(1, TOWNSHIPS_PER_COUNTY + 1)
        ]
        s.execute(insert(Region), towns)
        orgs = [
            {
                "code": f"bench-{code}-{i}",
                "name": f"{code}{sector}局",
                "kind": "department",
                "subtype": sector,
                "region_id": rid,
            }
            for rid, code, _ in counties
            for i, sector in enumerate(SECTORS)
        ]
        s.execute(insert(Organisation), orgs)
        town_rows = s.execute(
            select(Region.id, Region.path, Region.parent_id)
            .where(Region.path.startswith("/510000/"), Region.level == 4)
            .order_by(Region.id)
        ).all()
        dept_rows = s.execute(
            select(Organisation.region_id, Organisation.id)
            .where(Organisation.code.startswith("bench-"))
            .order_by(Organisation.region_id, Organisation.id)
        ).all()
    by_county: dict[int, list[int]] = {}
    for county_id, org_id in dept_rows:
        by_county.setdefault(county_id, []).append(org_id)
    return {
        "town_id": np.array([r[0] for r in town_rows]),
        "town_path": np.array([r[1] for r in town_rows], dtype=object),
        "town_depts": np.array([by_county[r[2]] for r in town_rows]),
    }


def _generate(places: dict[str, Any], n: int, seed: int) -> dict[str, np.ndarray]:
    """Column arrays for ``n`` hazards (strings already formatted for the database)."""
    rng = np.random.default_rng(seed)
    now = np.datetime64(f"{TODAY.isoformat()}T04:00:00", "s")  # noon in China
    span = YEARS * 365 * 86400
    found = now - rng.integers(0, span, n).astype("timedelta64[s]")
    age_days = (now - found).astype("timedelta64[D]").astype(np.int64)
    town = rng.integers(0, len(places["town_id"]), n)
    depts = places["town_depts"][town, rng.integers(0, len(SECTORS), n)]
    department = np.where(rng.random(n) < 0.9, depts, -1)
    division = np.array(DIVISIONS)[rng.integers(0, len(DIVISIONS), n)]
    industry = np.where(rng.random(n) < 0.9, np.char.add(division, "10"), "")
    grade = np.where(rng.random(n) < 0.05, "major", "general")
    closed_p = np.where(age_days > 90, 0.97, np.where(age_days > 15, 0.6, 0.2))
    roll = rng.random(n)
    state = np.where(roll < closed_p, "closed", "rectifying")
    state = np.where(roll > 0.985, "dismissed", state)
    open_mix = np.array(["reported", "assigned", "rectifying", "submitted", "suspended"])
    state = np.where(state == "rectifying", open_mix[rng.integers(0, 5, n)], state)
    grade = np.where(state == "reported", "", grade)
    closed = found + rng.integers(86400, 60 * 86400, n).astype("timedelta64[s]")
    closed = np.minimum(closed, now)
    days = np.where(grade == "major", 90, 15).astype("timedelta64[D]")
    deadline = found.astype("datetime64[D]") + days
    return {
        "state": state,
        "grade": grade,
        "region_id": places["town_id"][town],
        "region_path": places["town_path"][town],
        "department_id": department,
        "industry_code": industry,
        "found_at": found,
        "deadline": np.where(state == "reported", np.datetime64("NaT"), deadline),
        "closed_at": np.where(state == "closed", closed, np.datetime64("NaT")),
    }


def _text(values: np.ndarray, sep: str = " ") -> list[str | None]:
    """Timestamps as UTC text (``sep`` between date and time), NaT as None."""
    out = np.datetime_as_string(values, unit="us").tolist()
    return [None if v == "NaT" else v.replace("T", sep) for v in out]


def _rows(cols: dict[str, np.ndarray], first: int, pg: bool) -> Iterator[tuple[Any, ...]]:
    suffix = "+00" if pg else ""
    found = [f"{v}{suffix}" for v in _text(cols["found_at"])]
    closed = [v and f"{v}{suffix}" for v in _text(cols["closed_at"])]
    deadline = [None if v == "NaT" else v for v in np.datetime_as_string(cols["deadline"]).tolist()]
    grade = cols["grade"].tolist()
    dept = cols["department_id"].tolist()
    industry = cols["industry_code"].tolist()
    for i, (state, rid, path) in enumerate(
        zip(cols["state"].tolist(), cols["region_id"].tolist(), cols["region_path"], strict=True)
    ):
        yield (
            f"隐患{first + i}",
            state,
            grade[i] or None,
            "inspection",
            rid,
            path,
            dept[i] if dept[i] >= 0 else None,
            industry[i] or None,
            found[i],
            deadline[i],
            closed[i],
            found[i],
            closed[i] or found[i],
        )


def _indexes(engine: Engine) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the hazard table's secondary indexes."""
    if engine.dialect.name == "postgresql":
        sql = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'hazard' "
            "AND indexname NOT LIKE 'pk_%' AND indexname NOT LIKE 'uq_%'"
        )
    else:
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'hazard'"
        sql += " AND sql IS NOT NULL"
    with engine.connect() as conn:
        return [(name, ddl) for name, ddl in conn.execute(text(sql))]


def _load(engine: Engine, places: dict[str, Any], n: int) -> float:
    """Bulk load with the secondary indexes dropped and rebuilt afterwards (and, on
    PostgreSQL, foreign-key triggers off: the generated rows are valid by construction)."""
    pg = engine.dialect.name == "postgresql"
    started = time.perf_counter()
    indexes = _indexes(engine)
    with engine.begin() as conn:
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    chunk = 1_000_000
    for first in range(0, n, chunk):
        cols = _generate(places, min(chunk, n - first), seed=first + 1)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            if pg:
                cur.execute("SET session_replication_role = replica")
                with cur.copy(f"COPY hazard ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in _rows(cols, first, pg):
                        copy.write_row(row)
                cur.execute("SET session_replication_role = DEFAULT")
            else:
                marks = ", ".join("?" * len(COLUMNS))
                cur.executemany(
                    f"INSERT INTO hazard ({', '.join(COLUMNS)}) VALUES ({marks})",
                    _rows(cols, first, pg),
                )
            raw.commit()
        finally:
            raw.close()
    with engine.begin() as conn:
        if pg:
            conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for _, ddl in indexes:
            conn.execute(text(ddl))
    if pg:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE hazard"))
    return time.perf_counter() - started


def _time(fn: Any) -> float:
    """Median of ``REPEAT`` runs, in milliseconds, after one warm-up."""
    fn()
    runs = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return round(statistics.median(runs) * 1000, 1)


def _measure(engine: Engine, n: int, tag: str) -> dict[str, Any]:
    figures_out: dict[str, Any] = {f"{tag}_hazards": n}
    places = _places(engine)
    figures_out[f"{tag}_load_s"] = round(_load(engine, places, n), 1)
    started = time.perf_counter()
    report = refresh.catch_up(engine, full=True)
    figures_out[f"{tag}_rebuild_s"] = round(time.perf_counter() - started, 1)
    assert report.hazards == n
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    actor = system_actor("bench")
    first, last = dt.date(2026, 1, 1), TODAY
    factory = session_factory(engine)
    for name, code in SUBJECTS.items():

        def board(code: str = code) -> None:
            with factory() as s:
                service.dashboard(s, actor, code, first, last, today=TODAY)

        def rank(code: str = code, by: str = "region") -> None:
            with factory() as s:
                service.ranking(s, actor, "2026Q3", by, code, today=TODAY)

        figures_out[f"{tag}_{name}_dashboard_ms"] = _time(board)
        figures_out[f"{tag}_{name}_ranking_ms"] = _time(rank)
        figures_out[f"{tag}_{name}_dept_ranking_ms"] = _time(lambda c=code: rank(c, "department"))
    with factory() as s:
        data = service.dashboard(s, actor, "510000", first, last, today=TODAY)
        figures_out[f"{tag}_province_found_2026"] = data["summary"]["found"]
    # an incremental catch-up after 1,000 changes (closings)
    with factory.begin() as s:
        ids = s.scalars(select(Hazard.id).where(Hazard.state == "rectifying").limit(1000)).all()
        now = dt.datetime.now(dt.UTC)
        s.execute(
            update(Hazard)
            .where(Hazard.id.in_(ids))
            .values(state="closed", closed_at=now, updated_at=now)
        )
    started = time.perf_counter()
    refresh.catch_up(engine)
    figures_out[f"{tag}_catch_up_1000_ms"] = round((time.perf_counter() - started) * 1000, 1)
    figures_out[f"{tag}_catch_up_idle_ms"] = _time(lambda: refresh.catch_up(engine))
    with factory() as s:
        province = s.scalar(select(Region.path).where(Region.code == "510000")) or ""

        def counted() -> None:
            with factory() as s2:
                raw.groups(s2, province, Window(first, TODAY), TODAY)

        figures_out[f"{tag}_province_from_hazard_table_ms"] = _time(counted)
    return figures_out


def run() -> dict:
    backends = os.environ.get("BACKENDS", "sqlite,postgresql").split(",")
    out: dict[str, Any] = {}
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            migrate.upgrade(engine)
            out |= _measure(engine, int(os.environ.get("HAZARDS", 1_000_000)), "sqlite")
            engine.dispose()
    url = pg_url() if "postgresql" in backends else None
    if url:
        name = f"yingji_bench_{os.getpid()}"
        pg_admin(url, f'CREATE DATABASE "{name}"')
        try:
            db_url = make_url(url).set(database=name).render_as_string(hide_password=False)
            engine = make_engine(db_url)
            migrate.upgrade(engine)
            out |= _measure(engine, int(os.environ.get("PG_HAZARDS", 10_000_000)), "pg")
            engine.dispose()
        finally:
            pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False))
