"""Import 100,000 persons and one assignment each from CSV on SQLite (goal: < 30 s in all).

A temporary database gets China's regions, then 1,000 townships under 重庆's counties
through the regions importer. Persons (demo-block numbers, so nobody real is ever listed)
and their assignments (grid_member or admin of a township) are then imported, timing
validation and writing separately, and imported again to time a re-import that changes
nothing.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import yingji.models  # noqa: F401  (all tables and the audit hook)
from yingji import migrate, upsert
from yingji.auth.models import AuditEntry
from yingji.auth.scope import Actor, system_actor
from yingji.db import make_engine, session_factory
from yingji.io import service, tabular
from yingji.io.kinds import KINDS
from yingji.people.phones import demo_number
from yingji.regions.china import load_china
from yingji.regions.models import Region

PERSONS = 100_000
TOWNSHIPS = 1_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def _townships(session: Session) -> bytes:
    counties = session.execute(
        select(Region.code, Region.name, Region.centroid_lon, Region.centroid_lat)
        .where(Region.path.startswith("/500000/"), Region.level == 3)
        .order_by(Region.code)
    ).all()
    rows = []
    for i in range(TOWNSHIPS):
        code, name, lon, lat = counties[i % len(counties)]
        seq = i // len(counties) + 1
        rows.append(
            (
                f"{code}{seq:03d}",
                f"{name}第{seq}街道",
                "township",
                code,
                "",
                round((lon or 106.5) + seq * 0.001, 6),
                round((lat or 29.5) + seq * 0.001, 6),
                5000 + i,
            )
        )
    return tabular.write_csv([c.name for c in KINDS["regions"].COLUMNS], rows)


def _persons(townships: list[str]) -> tuple[bytes, bytes]:
    people, duties = [], []
    for i in range(PERSONS):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 20) % len(GIVEN)] + GIVEN[i % 7]
        mobile = demo_number(i).removeprefix("+86")
        township = townships[i % len(townships)]
        role = "grid_member" if i % 4 else "admin"
        people.append((name, mobile, "", "网格员" if i % 4 else "镇长", township, "", "", "", ""))
        duties.append((mobile, role, "region", township, "2025-01-01", "", ""))
    header_p = [c.label for c in KINDS["persons"].COLUMNS]
    header_a = [c.label for c in KINDS["assignments"].COLUMNS]
    return tabular.write_csv(header_p, people), tabular.write_csv(header_a, duties)


class _AuditClock:
    """Wraps the audit writer the importer calls, to show how much of "apply" it takes."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self._real = upsert.record_many

    def __call__(self, session: Session, changes: Any) -> int:
        started = time.process_time()
        try:
            return self._real(session, changes)
        finally:
            self.cpu += time.process_time() - started


def _timed_import(
    engine: Any, actor: Actor, kind: str, data: bytes, figures: dict[str, Any]
) -> None:
    """Validate and apply separately (each timed), then commit."""
    module = KINDS[kind]
    clock = _AuditClock()
    upsert.record_many = clock
    with session_factory(engine)() as session:
        session.info["actor"] = actor
        started, cpu = time.perf_counter(), time.process_time()
        table = tabular.read_table(data, f"{kind}.csv", module.COLUMNS)
        plan, errors = module.validate(session, actor, table.rows)
        if errors:
            raise RuntimeError(f"{kind}: {errors[:5]}")
        figures[f"{kind}_validate_s"] = round(time.perf_counter() - started, 2)
        figures[f"{kind}_validate_cpu_s"] = round(time.process_time() - cpu, 2)
        started, cpu = time.perf_counter(), time.process_time()
        counts = module.apply(session, actor, plan)
        session.commit()
        figures[f"{kind}_apply_s"] = round(time.perf_counter() - started, 2)
        figures[f"{kind}_apply_cpu_s"] = round(time.process_time() - cpu, 2)
        figures[f"{kind}_created"] = counts.created
        figures[f"{kind}_apply_audit_cpu_s"] = round(clock.cpu, 2)
    upsert.record_many = clock._real


def _reimport(engine: Any, actor: Actor, kind: str, data: bytes, figures: dict[str, Any]) -> None:
    with session_factory(engine).begin() as session:
        started = time.perf_counter()
        report = service.import_file(session, actor, kind, data, f"{kind}.csv")
        figures[f"{kind}_reimport_s"] = round(time.perf_counter() - started, 2)
        figures[f"{kind}_reimport_changed"] = report.created + report.updated


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {"persons": PERSONS, "townships": TOWNSHIPS}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        actor = system_actor("bench")
        started = time.perf_counter()
        with session_factory(engine).begin() as session:
            load_china(session)
        figures["load_china_s"] = round(time.perf_counter() - started, 2)

        with session_factory(engine).begin() as session:
            regions_csv = _townships(session)
            started = time.perf_counter()
            service.import_file(session, actor, "regions", regions_csv, "regions.csv")
            figures["regions_import_s"] = round(time.perf_counter() - started, 2)
            townships = list(
                session.scalars(select(Region.code).where(Region.level == 4).order_by(Region.code))
            )

        started = time.perf_counter()
        persons_csv, assignments_csv = _persons(townships)
        figures["generate_csv_s"] = round(time.perf_counter() - started, 2)
        figures["persons_csv_mb"] = round(len(persons_csv) / 1e6, 1)

        _timed_import(engine, actor, "persons", persons_csv, figures)
        _timed_import(engine, actor, "assignments", assignments_csv, figures)
        steps = [f"{k}_{s}" for k in ("persons", "assignments") for s in ("validate", "apply")]
        figures["import_total_s"] = round(sum(figures[f"{s}_s"] for s in steps), 2)
        figures["import_total_cpu_s"] = round(sum(figures[f"{s}_cpu_s"] for s in steps), 2)
        with session_factory(engine)() as session:
            audit_before = session.scalar(select(func.count()).select_from(AuditEntry))
        _reimport(engine, actor, "persons", persons_csv, figures)
        _reimport(engine, actor, "assignments", assignments_csv, figures)
        with session_factory(engine)() as session:
            audit_after = session.scalar(select(func.count()).select_from(AuditEntry))
            figures["reimport_audit_entries"] = (audit_after or 0) - (audit_before or 0)
            started = time.perf_counter()
            exported = service.export(session, actor, "persons", "csv")
            figures["persons_export_csv_s"] = round(time.perf_counter() - started, 2)
            figures["persons_export_mb"] = round(len(exported) / 1e6, 1)
        figures["load_average"] = round(os.getloadavg()[0], 1)
        figures["cpus"] = os.cpu_count()
        figures["goal_met"] = figures["import_total_s"] < 30
        engine.dispose()
    return figures
