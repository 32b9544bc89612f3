"""Bulk region writes, shared by the China loader and the region service.

Rows are upserted by code, level by level so parents have ids before their children;
rows that already match are left alone (no write, no audit entry); every insert and update
gets one audit entry; when a region moves, its subtree's paths are re-rooted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from yingji.auth.audit import Change, record_many
from yingji.regions.models import Region
from yingji.regions.paths import under

_T = Region.__table__
CHUNK = 5000
"""Codes per IN (...) query: SQLite allows 32,766 bound parameters per statement."""
COLUMNS = (
    "code",
    "name",
    "level",
    "parent_id",
    "path",
    "geometry",
    "centroid_lon",
    "centroid_lat",
    "area_km2",
    "population",
    "source",
)


@dataclass
class WriteResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    """Database id of every region written or named as a parent."""


def existing(session: Session, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{code: stored row (id and COLUMNS)} for the codes that exist."""
    wanted = sorted(set(codes))
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        stmt = select(_T.c.id, *(_T.c[c] for c in COLUMNS)).where(
            _T.c.code.in_(wanted[start : start + CHUNK])
        )
        for row in session.execute(stmt):
            values = row._asdict()
            if values["geometry"] is not None and not isinstance(values["geometry"], bytes):
                values["geometry"] = bytes(values["geometry"])  # some drivers: memoryview
            out[values["code"]] = values
    return out


def audit_view(values: dict[str, Any], parent_code: str | None) -> dict[str, Any]:
    """What the audit log keeps of a region: identity and figures, never geometry bytes."""
    return {
        "code": values["code"],
        "name": values["name"],
        "level": values["level"],
        "parent": parent_code,
        "population": values["population"],
        "area_km2": values["area_km2"],
    }


def write(
    session: Session, records: list[dict[str, Any]], stored: dict[str, dict[str, Any]]
) -> WriteResult:
    """Upsert ``records`` (each: COLUMNS without ``parent_id``, plus ``parent_code``).

    ``stored`` holds the existing rows of these codes and of their parents (see
    :func:`existing`).
    """
    ids = {code: row["id"] for code, row in stored.items()}
    code_of = {row["id"]: code for code, row in stored.items()}
    result = WriteResult()
    changes: list[Change] = []
    moved: list[tuple[str, str]] = []
    for level in sorted({r["level"] for r in records}):
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for rec in (r for r in records if r["level"] == level):
            parent_code = rec["parent_code"]
            values = {c: rec[c] for c in COLUMNS if c != "parent_id"}
            values["parent_id"] = ids[parent_code] if parent_code else None
            old = stored.get(rec["code"])
            if old is None:
                inserts.append(values)
                result.created.append(rec["code"])
                continue
            if all(old[c] == values[c] for c in COLUMNS):
                result.unchanged.append(rec["code"])
                continue
            if old["path"] != values["path"]:
                moved.append((old["path"], values["path"]))
            updates.append({"b_id": old["id"], **{f"b_{c}": values[c] for c in COLUMNS}})
            result.updated.append(rec["code"])
            before = audit_view(old, code_of.get(old["parent_id"]))
            changes.append(
                Change("update", "region", str(old["id"]), before, audit_view(values, parent_code))
            )
        if inserts:
            stmt = insert(_T).returning(_T.c.id, _T.c.code, sort_by_parameter_order=True)
            for (new_id, code), values in zip(session.execute(stmt, inserts), inserts, strict=True):
                ids[code] = new_id
                code_of[new_id] = code
                parent = code_of.get(values["parent_id"])
                changes.append(
                    Change("create", "region", str(new_id), None, audit_view(values, parent))
                )
        if updates:
            stmt = (
                update(_T)
                .where(_T.c.id == bindparam("b_id"))
                .values({c: bindparam(f"b_{c}") for c in COLUMNS})
            )
            session.connection().execute(stmt, updates)
    written = {r["code"] for r in records}
    for old_path, new_path in moved:
        changes.extend(_rewrite_descendant_paths(session, old_path, new_path, written))
    record_many(session, changes)
    result.ids = ids
    return result


def _rewrite_descendant_paths(
    session: Session, old_path: str, new_path: str, skip_codes: set[str]
) -> list[Change]:
    """Re-root the subtree below a region whose path changed (rare: a region moved)."""
    rows = session.execute(
        select(_T.c.id, _T.c.code, _T.c.path).where(
            under(_T.c.path, old_path), _T.c.path != old_path
        )
    ).all()
    rows = [r for r in rows if r.code not in skip_codes]
    if not rows:
        return []
    session.connection().execute(
        update(_T).where(_T.c.id == bindparam("b_id")).values(path=bindparam("b_path")),
        [{"b_id": r.id, "b_path": new_path + r.path[len(old_path) :]} for r in rows],
    )
    return [
        Change(
            "update",
            "region",
            str(r.id),
            {"code": r.code, "path": r.path},
            {"code": r.code, "path": new_path + r.path[len(old_path) :]},
        )
        for r in rows
    ]
