"""The import kinds, by the name used in URLs and on the command line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any, Protocol

from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.io.kinds import (
    assignments,
    enterprises,
    equipment,
    materials,
    organisations,
    persons,
    regions,
    rescue_teams,
    risk_points,
    stock,
    warehouses,
)
from yingji.io.tabular import Column
from yingji.upsert import Counts, Errors, Plan


class Kind(Protocol):
    """What a kind module provides (checked by the type checker, not at run time)."""

    NAME: str
    LABEL: str
    ENTITY: str
    COLUMNS: tuple[Column, ...]

    def validate(
        self, session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
    ) -> tuple[Plan, Errors]: ...

    def apply(self, session: Session, actor: Actor, plan: Plan) -> Counts: ...

    def export_rows(
        self, session: Session, actor: Actor, root_path: str
    ) -> Iterator[tuple[Any, ...]]: ...


KINDS: dict[str, ModuleType] = {
    m.NAME: m
    for m in (
        regions,
        organisations,
        persons,
        risk_points,
        enterprises,
        assignments,
        materials,
        rescue_teams,
        warehouses,
        equipment,
        stock,
    )
}
"""In dependency order: regions before the organisations, persons and risk points in them,
enterprises after the persons they name, all before the assignments that point at them;
then the rescue resources: the material catalogue, teams and warehouses (naming persons),
equipment (naming teams) and the stock batches of warehouses × materials."""
