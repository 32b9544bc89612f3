"""Subtrees as byte ranges of region paths.

A path lists codes from the root down and ends in ``/`` (``/50/5001/500101/``), so the
subtree at ``p`` is every path from ``p`` up to, not including, ``p`` with its final ``/``
replaced by ``0`` (the next byte). Path columns sort bytewise on every backend
(``db.path_type``), so the range is served by the column's plain index, which a LIKE
prefix is not under SQLite's case folding or a linguistic PostgreSQL collation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_


def under(column: Any, path: str) -> ColumnElement[bool]:
    """``column`` lies in the subtree at ``path`` (``path`` itself included)."""
    if not path.endswith("/"):
        raise ValueError(f"a region path ends in '/': {path!r}")
    return and_(column >= path, column < path[:-1] + "0")
