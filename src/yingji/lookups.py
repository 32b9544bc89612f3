"""Batch look-ups by id: a table of 50 rows costs one query per referenced table, not one
per row. ``None`` ids are skipped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def _wanted(ids: Iterable[int | None]) -> list[int]:
    return sorted({i for i in ids if i is not None})


def rows_by_id(session: Session, model: Any, ids: Iterable[int | None]) -> dict[int, Any]:
    """``{id: row}`` of ``model`` for ``ids``."""
    wanted = _wanted(ids)
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}


def values_by_id(
    session: Session, model: Any, column: Any, ids: Iterable[int | None]
) -> dict[int, Any]:
    """``{id: value of column}`` of ``model`` for ``ids``."""
    wanted = _wanted(ids)
    if not wanted:
        return {}
    return dict(session.execute(select(model.id, column).where(model.id.in_(wanted))).all())
