"""One page of a list, and the count that goes with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_LIMIT = 1000


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int

    def as_dict(self, convert: Callable[[T], Any], items_key: str = "items") -> dict[str, Any]:
        """The page as the API returns it: converted items plus total, offset and limit."""
        return {
            items_key: [convert(i) for i in self.items],
            "total": self.total,
            "offset": self.offset,
            "limit": self.limit,
        }


def paginate(session: Session, stmt: Select[Any], offset: int, limit: int) -> Page[Any]:
    """Run ``stmt`` for one page; ``total`` counts every row the filters keep."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(session.scalars(stmt.offset(offset).limit(limit)))
    return Page(items, total or 0, offset, limit)
