"""Incident types (事件类型) from ``data/incident_types.csv``: the law's four classes, the
subtypes duty desks use, how each is graded and how long casualty changes are reported."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from yingji import tables
from yingji.errors import invalid


@dataclass(frozen=True)
class IncidentType:
    code: str
    category: str
    name_zh: str
    name_en: str
    grading: str
    """``accident`` (Order 493 thresholds), ``natural`` (response-level thresholds), ``none``."""
    follow_up_days: int


@cache
def all_types() -> dict[str, IncidentType]:
    return {
        row["code"]: IncidentType(
            row["code"],
            row["category"],
            row["name_zh"],
            row["name_en"],
            row["grading"],
            int(row["follow_up_days"]),
        )
        for row in tables.read(Path(__file__).parent / "data" / "incident_types.csv")
    }


def get(code: str, field: str = "type_code") -> IncidentType:
    """The type named ``code`` (its code or its Chinese name); a clear error otherwise."""
    types = all_types()
    if code in types:
        return types[code]
    for t in types.values():
        if code == t.name_zh:
            return t
    raise invalid(field, f"未知事件类型 {code!r} / unknown incident type")
