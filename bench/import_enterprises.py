"""Import 100,000 enterprises from CSV on SQLite: validate, apply, re-import, export round trip.

A temporary database gets China's regions, every sector's department in each of 重庆's
counties (through the organisations importer), and 100,000 persons (demo-block numbers)
to name as principals and safety managers. The enterprises (an organisation plus an
enterprise row each, industries spread over every GB/T 4754 division, supervising
department left blank so the 三管三必须 default is found for every row) are imported
through the same code path as an upload, timing validation and writing separately; then
the same file again, and the export of all of them, must change nothing.
``ENTERPRISES`` in the environment scales the run down.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

import yingji.models  # noqa: F401  (all tables and the audit hook)
from yingji import migrate
from yingji.auth.models import AuditEntry
from yingji.auth.scope import system_actor
from yingji.db import make_engine, session_factory
from yingji.enterprises import credit_code, industries
from yingji.enterprises.models import Enterprise
from yingji.io import service, tabular
from yingji.io.kinds import KINDS
from yingji.people.phones import demo_number
from yingji.regions.china import load_china
from yingji.regions.models import Region

ENTERPRISES = int(os.environ.get("ENTERPRISES", "100000"))
GRADES = ("重大", "较大", "一般", "低")
TRADES = ("化工", "建材", "物流", "食品", "机械", "纺织", "电子", "印刷")


def _counties(session: Any) -> list[tuple[str, str, float, float]]:
    return [
        (code, name, lon or 106.5, lat or 29.5)
        for code, name, lon, lat in session.execute(
            select(Region.code, Region.name, Region.centroid_lon, Region.centroid_lat)
            .where(Region.path.startswith("/500000/"), Region.level == 3)
            .order_by(Region.code)
        )
    ]


def _departments(counties: list[tuple[str, str, float, float]]) -> bytes:
    sectors = sorted({industries.supervising_sector(code) for code in industries.divisions()})
    rows = [
        (f"B-{code}-{k:02d}", f"{name}{sector}局", "department", sector, code, "")
        for code, name, _, _ in counties
        for k, sector in enumerate(sectors)
    ]
    return tabular.write_csv([c.name for c in KINDS["organisations"].COLUMNS], rows)


def _persons(counties: list[tuple[str, str, float, float]]) -> bytes:
    rows = [
        (f"负责人{i}", demo_number(i)[3:], "", "", counties[i % len(counties)][0], "", "", "", "")
        for i in range(ENTERPRISES)
    ]
    return tabular.write_csv([c.label for c in KINDS["persons"].COLUMNS], rows)


def _enterprises(counties: list[tuple[str, str, float, float]]) -> bytes:
    divisions = sorted(industries.divisions())
    rows = []
    for i in range(ENTERPRISES):
        code, name, lon, lat = counties[i % len(counties)]
        body = f"91{code}{i:09d}"
        rows.append(
            (
                body + credit_code.check_char(body),
                f"{name}{TRADES[i % len(TRADES)]}{i}有限公司",
                code,
                divisions[i % len(divisions)],
                GRADES[i % len(GRADES)],
                f"{name}某路{i % 500}号",
                round(lon + (i % 97) * 0.001, 6),
                round(lat + (i % 89) * 0.001, 6),
                10 + i % 990,
                demo_number(i)[3:],
                demo_number((i + 1) % ENTERPRISES)[3:],
                "",
            )
        )
    return tabular.write_csv([c.label for c in KINDS["enterprises"].COLUMNS], rows)


def _audit_entries(engine: Any) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {"enterprises": ENTERPRISES}
    actor = system_actor("bench")
    module = KINDS["enterprises"]
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        with session_factory(engine).begin() as session:
            load_china(session)
            counties = _counties(session)
            service.import_file(session, actor, "organisations", _departments(counties), "o.csv")
            service.import_file(session, actor, "persons", _persons(counties), "p.csv")
        started = time.perf_counter()
        data = _enterprises(counties)
        figures["generate_csv_s"] = round(time.perf_counter() - started, 2)
        figures["csv_mb"] = round(len(data) / 1e6, 1)

        with session_factory(engine)() as session:
            session.info["actor"] = actor
            started = time.perf_counter()
            table = tabular.read_table(data, "enterprises.csv", module.COLUMNS)
            plan, errors = module.validate(session, actor, table.rows)
            if errors:
                raise RuntimeError(f"enterprises: {errors[:5]}")
            figures["validate_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            counts = module.apply(session, actor, plan)
            session.commit()
            figures["apply_s"] = round(time.perf_counter() - started, 2)
            figures["created"] = counts.created
            figures["with_supervisor"] = session.scalar(
                select(func.count())
                .select_from(Enterprise)
                .where(Enterprise.supervising_department_id.is_not(None))
            )
        figures["import_s"] = round(figures["validate_s"] + figures["apply_s"], 2)
        figures["enterprises_per_s"] = round(ENTERPRISES / figures["import_s"])

        audit_before = _audit_entries(engine)
        with session_factory(engine).begin() as session:
            started = time.perf_counter()
            report = service.import_file(session, actor, "enterprises", data, "e.csv")
            figures["reimport_s"] = round(time.perf_counter() - started, 2)
            figures["reimport_changed"] = report.created + report.updated
        with session_factory(engine).begin() as session:
            started = time.perf_counter()
            exported = service.export(session, actor, "enterprises", "csv")
            figures["export_s"] = round(time.perf_counter() - started, 2)
            report = service.import_file(session, actor, "enterprises", exported, "e.csv")
            figures["export_reimport_changed"] = report.created + report.updated
        figures["reimport_audit_entries"] = _audit_entries(engine) - audit_before
        figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        figures["load_average"] = round(os.getloadavg()[0], 1)
        engine.dispose()
    return figures
