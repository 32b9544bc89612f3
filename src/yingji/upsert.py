"""Set-based upserts, shared by every import kind and by bulk domain services: the plan,
error collection, look-ups by code and the writes.

They are set-based so 100,000 rows take seconds: existing keys are read with one SELECT
per chunk, new rows go in with one executemany INSERT, changed rows with one executemany
UPDATE by id, and each written row gets exactly one audit entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from yingji.auth.audit import Change, record_many, snapshot
from yingji.db import utcnow
from yingji.people.models import Organisation
from yingji.regions.models import Region

CHUNK = 5000
"""Keys per IN list and rows per statement: far below SQLite's 32,766 bound parameters."""
T = TypeVar("T")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Update:
    """A row whose values changed: full new values, and the changed columns before/after."""

    id: int
    values: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class Plan:
    """What applying a validated file will do; ``creates`` hold column values (plus any
    references to rows created in the same file, resolved at apply time)."""

    kind: str
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    rows: int = 0
    payload: Any = None
    """Anything else a kind needs to apply the plan (regions: the parsed rows)."""

    def compare(self, row_id: int, old: dict[str, Any], values: dict[str, Any]) -> None:
        """Plan an update of ``row_id`` if ``values`` differ from ``old``, else count it
        unchanged."""
        before, after = diff(old, values)
        if after:
            self.updates.append(Update(row_id, values, before, after))
        else:
            self.unchanged += 1


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class Errors(list[dict[str, Any]]):
    """Collected problems, each ``{"row", "field", "reason"}``."""

    def add(self, row: int, field_name: str, reason: str) -> None:
        self.append({"row": row, "field": field_name, "reason": reason})


@dataclass(frozen=True)
class RegionRef:
    id: int
    code: str
    path: str
    level: int


@dataclass(frozen=True)
class OrgRef:
    id: int
    code: str
    region_id: int
    region_path: str


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def region_index(session: Session, codes: Iterable[str]) -> dict[str, RegionRef]:
    """Regions by code, one SELECT per chunk of codes."""
    wanted = sorted({c for c in codes if c})
    out: dict[str, RegionRef] = {}
    for part in chunked(wanted):
        rows = session.execute(
            select(Region.id, Region.code, Region.path, Region.level).where(Region.code.in_(part))
        )
        for rid, code, path, level in rows:
            out[code] = RegionRef(rid, code, path, level)
    return out


def organisation_index(session: Session, codes: Iterable[str]) -> dict[str, OrgRef]:
    """Organisations by code with their region's path, one SELECT per chunk of codes."""
    wanted = sorted({c for c in codes if c})
    out: dict[str, OrgRef] = {}
    for part in chunked(wanted):
        rows = session.execute(
            select(Organisation.id, Organisation.code, Organisation.region_id, Region.path)
            .join(Region, Region.id == Organisation.region_id)
            .where(Organisation.code.in_(part))
        )
        for oid, code, region_id, path in rows:
            out[code] = OrgRef(oid, code, region_id, path)
    return out


def parse_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD, else ValueError with a reason a user can act on."""
    if not _ISO_DATE.match(text):
        raise ValueError(f"日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD: {text!r}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"不存在的日期 / no such date: {text!r}") from None


def diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The columns of ``new`` whose value differs from ``old``: (before, after)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in new.items():
        if old.get(key) != value:
            before[key] = old.get(key)
            after[key] = value
    return before, after


def _executemany(
    session: Session,
    stmt: Any,
    binds: dict[str, Any],
    rows: Iterable[dict[str, Any]],
    constants: dict[str, Any] | None = None,
) -> None:
    """Run ``stmt`` once per row through the driver's executemany.

    Parameters are converted by each column type's bind processor, exactly as SQLAlchemy
    would, but without its per-row statement machinery, which costs several times more
    than SQLite itself for 100,000 rows. ``constants`` (timestamps) are converted once.
    """
    conn = session.connection()
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect)
    procs = {
        name: column.type.dialect_impl(dialect).bind_processor(dialect)
        for name, column in binds.items()
    }
    fixed = {}
    for name, value in (constants or {}).items():
        proc = procs.pop(name)
        fixed[name] = proc(value) if proc is not None and value is not None else value
    plain = [name for name, proc in procs.items() if proc is None]
    typed = [(name, proc) for name, proc in procs.items() if proc is not None]

    def converted(row: dict[str, Any]) -> dict[str, Any]:
        out = {name: row.get(name) for name in plain}
        for name, proc in typed:
            value = row.get(name)
            out[name] = None if value is None else proc(value)
        out.update(fixed)
        return out

    if dialect.positional:
        pick = itemgetter(*(compiled.positiontup or []))
        params: list[Any] = [pick(converted(row)) for row in rows]
    else:
        params = [converted(row) for row in rows]
    if params:
        conn.exec_driver_sql(compiled.string, params)


def _stamped(table: Table, columns: Iterable[str]) -> list[str]:
    return [c for c in columns if c in table.c]


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]
) -> list[int]:
    """Insert ``rows`` (all with the same columns) and return their ids in the order given.

    Ids are read back by the natural ``key`` with one SELECT per chunk: cheaper than
    RETURNING, which SQLAlchemy runs one statement per row on SQLite when order matters.
    """
    if not rows:
        return []
    now = utcnow()
    stamps = _stamped(table, ("created_at", "updated_at"))
    columns = [c for c in rows[0] if c not in stamps] + stamps
    stmt = insert(table).inline().values({c: bindparam(c) for c in columns})
    binds = {c: table.c[c] for c in columns}
    ids: list[int] = []
    for part in chunked(rows):
        _executemany(session, stmt, binds, part, dict.fromkeys(stamps, now))
        ids.extend(_ids_by_key(session, table, part, key))
    return ids


def _ids_by_key(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]
) -> list[int]:
    first = table.c[key[0]]
    wanted = sorted({row[key[0]] for row in rows})
    result = session.execute(
        select(table.c.id, *(table.c[k] for k in key)).where(first.in_(wanted))
    )
    found = {tuple(r[1:]): r[0] for r in result}
    return [found[tuple(row[k] for k in key)] for row in rows]


def update_rows(session: Session, table: Table, updates: Sequence[Update]) -> None:
    """Executemany UPDATE by id, setting every managed column of each changed row."""
    if not updates:
        return
    now = utcnow()
    stamps = _stamped(table, ("updated_at",))
    columns = sorted(updates[0].values) + stamps
    managed = sorted(updates[0].values)
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({c: bindparam(f"b_{c}") for c in columns})
    )
    binds = {"b_id": table.c.id, **{f"b_{c}": table.c[c] for c in columns}}
    for part in chunked(updates):
        params = ({"b_id": u.id, **{f"b_{c}": u.values.get(c) for c in managed}} for u in part)
        _executemany(session, stmt, binds, params, {f"b_{c}": now for c in stamps})


_EMPTY = (None, "", {})


def _audit_view(values: dict[str, Any], *, drop_empty: bool) -> dict[str, Any]:
    """Values as JSON-ready audit data; a created row leaves out what it does not set,
    which keeps 100,000 audit entries small."""
    out = {k: v for k, v in values.items() if v not in _EMPTY} if drop_empty else dict(values)
    for key, value in out.items():
        kind = type(value)
        if kind is dt.date:
            out[key] = value.isoformat()
        elif kind is bytes:
            out[key] = snapshot({key: value})[key]
    return out


def audit(
    session: Session,
    entity: str,
    created: Sequence[tuple[int, dict[str, Any]]],
    updated: Sequence[Update],
) -> None:
    """One audit entry per created or updated row, written with :func:`record_many`."""
    changes = [
        Change(
            "create", entity, str(rid), None, _audit_view({"id": rid, **values}, drop_empty=True)
        )
        for rid, values in created
    ]
    changes.extend(
        Change(
            "update",
            entity,
            str(u.id),
            _audit_view(u.before, drop_empty=False),
            _audit_view(u.after, drop_empty=False),
        )
        for u in updated
    )
    for part in chunked(changes, 20000):
        record_many(session, part)


def write_plan(
    session: Session, table: Table, entity: str, plan: Plan, key: Sequence[str]
) -> Counts:
    """Write a plan whose creates need no ids from one another: executemany INSERT and
    UPDATE, one audit entry per written row; ``key`` finds the new rows' ids."""
    ids = insert_rows(session, table, plan.creates, key)
    update_rows(session, table, plan.updates)
    audit(session, entity, list(zip(ids, plan.creates, strict=True)), plan.updates)
    return Counts(len(ids), len(plan.updates), plan.unchanged)


def generations(
    creates: Sequence[dict[str, Any]], key: str, parent_key: str
) -> list[list[dict[str, Any]]]:
    """Split new rows so each row's parent (if also new) is in an earlier generation, letting
    each generation be inserted in one statement once its parents have ids."""
    new_keys = {row[key] for row in creates}
    depth: dict[str, int] = {}
    out: list[list[dict[str, Any]]] = []
    for row in creates:  # validation guarantees parents come earlier in the file
        parent = row.get(parent_key)
        level = depth[parent] + 1 if parent in new_keys and parent in depth else 0
        depth[row[key]] = level
        while len(out) <= level:
            out.append([])
        out[level].append(row)
    return out
