"""Who is acting and what they may see: a region subtree, and for enterprise users one
enterprise. Every service takes an :class:`Actor` and checks it; no route can forget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from yingji.auth.models import UserRole
from yingji.errors import NotFound, PermissionDenied
from yingji.regions.models import Region
from yingji.regions.paths import under

WRITER_ROLES = {UserRole.system_admin, UserRole.operator}


@dataclass(frozen=True)
class Actor:
    """The acting user, reduced to what permission checks need."""

    username: str
    role: UserRole
    region_path: str
    """Path of the user's own region; everything whose path starts with it is in scope."""
    user_id: int | None = None
    region_id: int | None = None
    organisation_id: int | None = None
    person_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.system_admin

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES

    def covers(self, path: str) -> bool:
        return path.startswith(self.region_path)

    def region_ids(self) -> ColumnElement[bool]:
        """Subquery-based filter: ``column.in_(actor.region_subquery())``."""
        return under(Region.path, self.region_path)

    def region_subquery(self) -> Select[tuple[int]]:
        return select(Region.id).where(self.region_ids())

    def in_scope(self, column: ColumnElement[int] | object) -> ColumnElement[bool]:
        """A WHERE clause keeping rows whose region column lies in the actor's subtree."""
        return column.in_(self.region_subquery())  # type: ignore[attr-defined]

    def scoped(self, stmt: Select, region_col: object, org_col: object | None = None) -> Select:
        """``stmt`` narrowed to the actor's subtree, and to their enterprise if they have one."""
        if self.region_path != "/":
            stmt = stmt.where(self.in_scope(region_col))
        if self.role == UserRole.enterprise_user:
            if org_col is None:
                return stmt.where(False)
            stmt = stmt.where(org_col == self.organisation_id)  # type: ignore[operator]
        return stmt

    def by_path(self, stmt: Select, path_col: Any) -> Select:
        """``stmt`` narrowed to the subtree through a region-path column the rows carry
        (hazards, notices...), which needs no join to the region table."""
        if self.region_path == "/":
            return stmt
        return stmt.where(under(path_col, self.region_path))

    def require_write(self) -> None:
        if not self.can_write:
            raise PermissionDenied("当前账号只读 / this account is read-only")

    def check_region(self, session: Session, region_id: int, *, write: bool = False) -> Region:
        """The region, if the actor may see it (and change things in it when ``write``)."""
        region = session.get(Region, region_id)
        if region is None or not self.covers(region.path):
            # Out-of-scope records are reported as missing so their existence does not leak.
            raise NotFound(f"区划不存在 / region {region_id} not found")
        if write:
            self.require_write()
        return region


def system_actor(name: str = "system") -> Actor:
    """The actor for CLI commands and jobs run by the operator of the installation."""
    return Actor(username=name, role=UserRole.system_admin, region_path="/")
