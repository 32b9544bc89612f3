"""Enterprises: create or update by credit code, read and list in scope.

An enterprise is an :class:`Organisation` of kind ``enterprise`` (its name, region and the
users tied to it) plus an :class:`Enterprise` row with the production-safety facts. The
supervising department defaults to the department of the industry's sector nearest above
the enterprise (三管三必须), so every enterprise has a regulator from the day it is entered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.bbox import BBox
from yingji.enterprises import credit_code, industries
from yingji.enterprises.models import Enterprise, RiskGrade
from yingji.errors import NotFound, ValidationFailed
from yingji.paging import Page, paginate
from yingji.people import service as people
from yingji.people.models import Organisation, OrganisationKind
from yingji.regions import geo
from yingji.regions.models import Region
from yingji.regions.paths import under


@dataclass(frozen=True)
class EnterpriseView:
    """An enterprise with its organisation's name and region, as lists and pages show it."""

    enterprise: Enterprise
    organisation: Organisation


def _problems(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []

    def bad(field: str, reason: str) -> None:
        out.append({"field": field, "reason": reason})

    try:
        data["credit_code"] = credit_code.normalise(data.get("credit_code", ""))
    except credit_code.CreditCodeError as exc:
        bad("credit_code", str(exc))
    try:
        industries.check(data.get("industry_code", ""))
    except ValueError as exc:
        bad("industry_code", str(exc))
    if data.get("risk_grade") not in RiskGrade.__members__:
        bad("risk_grade", "须为 major/large/general/low / must be major, large, general or low")
    if not (data.get("name") or "").strip():
        bad("name", "必填 / required")
    lon, lat = data.get("lon"), data.get("lat")
    if (lon is None) != (lat is None):
        bad("lon", "经度和纬度须同时填写 / give both lon and lat")
    elif lon is not None:
        try:
            geo.check_lonlat(lon, lat)
        except ValidationFailed as exc:
            bad("lon", exc.message)
    if data.get("employees") is not None and data["employees"] < 0:
        bad("employees", "不能为负 / must not be negative")
    return out


def _departments(
    session: Session, codes: list[str] | None = None, sector: str | None = None
) -> list[Any]:
    """(department id, region code, sector) rows, lowest id first."""
    stmt = (
        select(Organisation.id, Region.code, Organisation.subtype)
        .join(Region, Region.id == Organisation.region_id)
        .where(Organisation.kind == OrganisationKind.department)
        .order_by(Organisation.id)
    )
    if codes is not None:
        stmt = stmt.where(Region.code.in_(codes))
    if sector is not None:
        stmt = stmt.where(Organisation.subtype == sector)
    return list(session.execute(stmt).all())


def _nearest(path: str, by_code: dict[str, int]) -> int | None:
    """The department found for the deepest region code of ``path`` that has one."""
    codes = path.strip("/").split("/")
    return next((by_code[c] for c in reversed(codes) if c in by_code), None)


def default_supervisor(session: Session, region: Region, industry_code: str) -> int | None:
    """The department of the industry's sector in the enterprise's region or the nearest
    region above it."""
    sector = industries.supervising_sector(industry_code)
    rows = _departments(session, region.path.strip("/").split("/"), sector)
    by_code = {code: oid for oid, code, _ in reversed(rows)}
    return _nearest(region.path, by_code)


class Supervisors:
    """:func:`default_supervisor` for many enterprises: all departments read once, so an
    import of 100,000 enterprises asks the database one question instead of 100,000."""

    def __init__(self, session: Session) -> None:
        self._by_sector: dict[str, dict[str, int]] = {}
        for oid, code, sector in reversed(_departments(session)):
            self._by_sector.setdefault(sector or "", {})[code] = oid
        self._memo: dict[tuple[str, str], int | None] = {}

    def default(self, region_path: str, industry_code: str) -> int | None:
        sector = industries.supervising_sector(industry_code)
        key = (region_path, sector)
        if key not in self._memo:
            self._memo[key] = _nearest(region_path, self._by_sector.get(sector, {}))
        return self._memo[key]


def upsert_enterprise(session: Session, actor: Actor, **data: Any) -> EnterpriseView:
    """Create the enterprise with this credit code, or update it in place.

    Keys: credit_code, name, region_id, industry_code, risk_grade, and optionally
    supervising_department_id, principal_id, safety_manager_id, address, lon, lat,
    employees.
    """
    data.setdefault("risk_grade", RiskGrade.general.value)
    problems = _problems(data)
    if problems:
        raise ValidationFailed(
            "企业信息有误 / invalid enterprise: "
            + "; ".join(f"{p['field']}: {p['reason']}" for p in problems),
            problems,
        )
    region = actor.check_region(session, data["region_id"], write=True)
    for key in ("principal_id", "safety_manager_id"):
        if data.get(key) is not None:
            people.get_person(session, actor, data[key])
    supervisor = data.get("supervising_department_id")
    if supervisor is not None:
        dept = people.get_organisation(session, actor, supervisor)
        if dept.kind != OrganisationKind.department:
            raise ValidationFailed(
                "监管部门须为部门 / the supervising body must be a department",
                [{"field": "supervising_department_id", "reason": "not a department"}],
            )
    else:
        supervisor = default_supervisor(session, region, data["industry_code"])
    org = people.upsert_organisation(
        session,
        actor,
        code=data["credit_code"],
        name=data["name"],
        kind=OrganisationKind.enterprise,
        region_id=region.id,
    )
    ent = session.scalar(select(Enterprise).where(Enterprise.organisation_id == org.id))
    if ent is None:
        ent = Enterprise(organisation_id=org.id)
        session.add(ent)
    ent.credit_code, ent.industry_code = data["credit_code"], data["industry_code"]
    ent.risk_grade, ent.supervising_department_id = data["risk_grade"], supervisor
    for key in ("principal_id", "safety_manager_id", "address", "lon", "lat", "employees"):
        setattr(ent, key, data.get(key))
    session.flush()
    return EnterpriseView(ent, org)


def _scoped(actor: Actor) -> Select[Any]:
    stmt = select(Enterprise, Organisation).join(
        Organisation, Organisation.id == Enterprise.organisation_id
    )
    return actor.scoped(stmt, Organisation.region_id, Organisation.id)


def get_enterprise(session: Session, actor: Actor, enterprise_id: int) -> EnterpriseView:
    row = session.execute(_scoped(actor).where(Enterprise.id == enterprise_id)).first()
    if row is None:
        raise NotFound(f"企业不存在 / enterprise {enterprise_id} not found")
    return EnterpriseView(*row)


def list_enterprises(
    session: Session,
    actor: Actor,
    *,
    q: str | None = None,
    industry: str | None = None,
    risk_grade: str | None = None,
    supervising_department_id: int | None = None,
    under_region_id: int | None = None,
    bbox: BBox | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[EnterpriseView]:
    """Enterprises in scope; ``industry`` matches a code prefix (``26`` = all chemicals);
    ``bbox`` keeps those with a position in view (a map layer)."""
    stmt = _scoped(actor)
    if under_region_id is not None:
        root = actor.check_region(session, under_region_id)
        stmt = stmt.where(
            Organisation.region_id.in_(select(Region.id).where(under(Region.path, root.path)))
        )
    if q:
        stmt = stmt.where(or_(Organisation.name.contains(q), Enterprise.credit_code.contains(q)))
    if industry:
        stmt = stmt.where(Enterprise.industry_code.startswith(industry, autoescape=True))
    if risk_grade:
        stmt = stmt.where(Enterprise.risk_grade == risk_grade)
    if supervising_department_id is not None:
        stmt = stmt.where(Enterprise.supervising_department_id == supervising_department_id)
    if bbox is not None:
        stmt = stmt.where(bbox.where(Enterprise.lon, Enterprise.lat))
    page = paginate(
        session, stmt.with_only_columns(Enterprise.id).order_by(Enterprise.id), offset, limit
    )
    rows = session.execute(stmt.where(Enterprise.id.in_(page.items)).order_by(Enterprise.id))
    return Page([EnterpriseView(e, o) for e, o in rows], page.total, page.offset, page.limit)
