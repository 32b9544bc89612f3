"""HTTP API for enterprises and the industry classification."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from yingji.api_deps import CurrentActor, DbSession, under_region_id
from yingji.bbox import parse as parse_bbox
from yingji.enterprises import industries, service
from yingji.enterprises.models import RiskGrade

router = APIRouter(tags=["enterprises"])


class EnterpriseIn(BaseModel):
    credit_code: str = Field(description="统一社会信用代码 (GB 32100)")
    name: str = Field(min_length=1, max_length=200)
    region_id: int
    industry_code: str = Field(description="GB/T 4754-2017, 2-4 digits")
    risk_grade: RiskGrade = RiskGrade.general
    supervising_department_id: int | None = Field(
        None, description="omitted: the department of the industry's sector (三管三必须)"
    )
    principal_id: int | None = None
    safety_manager_id: int | None = None
    address: str | None = Field(None, max_length=300)
    lon: float | None = None
    lat: float | None = None
    employees: int | None = None


class EnterpriseOut(BaseModel):
    id: int
    organisation_id: int
    credit_code: str
    name: str
    region_id: int
    industry_code: str
    industry: str
    risk_grade: str
    supervising_department_id: int | None
    principal_id: int | None
    safety_manager_id: int | None
    address: str | None
    lon: float | None
    lat: float | None
    employees: int | None

    @classmethod
    def of(cls, view: service.EnterpriseView) -> EnterpriseOut:
        e, o = view.enterprise, view.organisation
        return cls(
            id=e.id,
            organisation_id=o.id,
            credit_code=e.credit_code,
            name=o.name,
            region_id=o.region_id,
            industry_code=e.industry_code,
            industry=industries.check(e.industry_code).name,
            risk_grade=e.risk_grade,
            supervising_department_id=e.supervising_department_id,
            principal_id=e.principal_id,
            safety_manager_id=e.safety_manager_id,
            address=e.address,
            lon=e.lon,
            lat=e.lat,
            employees=e.employees,
        )


@router.get("/industries")
def list_industries() -> list[dict[str, str]]:
    """GB/T 4754-2017 divisions with their sections and default supervising sector."""
    return [
        {**d.__dict__, "supervising_sector": industries.supervising_sector(d.code)}
        for d in industries.divisions().values()
    ]


@router.get("/enterprises")
def list_enterprises(
    session: DbSession,
    actor: CurrentActor,
    q: str | None = None,
    industry: str | None = None,
    risk_grade: RiskGrade | None = None,
    supervising_department_id: int | None = None,
    under: str | None = None,
    bbox: str | None = Query(None, description="west,south,east,north (WGS 84)"),
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    """A page of enterprises; ``bbox`` keeps those with a position in the map's view."""
    under_id = under_region_id(session, under or None)
    page = service.list_enterprises(
        session,
        actor,
        q=q,
        industry=industry,
        risk_grade=risk_grade.value if risk_grade else None,
        supervising_department_id=supervising_department_id,
        under_region_id=under_id,
        bbox=parse_bbox(bbox),
        offset=offset,
        limit=limit,
    )
    return page.as_dict(EnterpriseOut.of)


@router.get("/enterprises/{enterprise_id}")
def get_enterprise(enterprise_id: int, session: DbSession, actor: CurrentActor) -> EnterpriseOut:
    return EnterpriseOut.of(service.get_enterprise(session, actor, enterprise_id))


@router.post("/enterprises", status_code=201)
def upsert_enterprise(body: EnterpriseIn, session: DbSession, actor: CurrentActor) -> EnterpriseOut:
    data = body.model_dump()
    data["risk_grade"] = body.risk_grade.value
    return EnterpriseOut.of(service.upsert_enterprise(session, actor, **data))
