"""Regions (区划) below the county: townships, villages and grids, keyed by code.

Provinces, prefectures and counties come from the national data (:mod:`yingji.regions.china`)
and are not imported here. A region may name as parent an existing region or one on an
earlier row of the same file. Geometry is WKT or GeoJSON (or "lon,lat"); ``lon``/``lat``
give the label point. Blank optional cells keep what is stored, so a sheet of names never
wipes boundaries.

The rules (hierarchy, code formats, scope) belong to :func:`yingji.regions.service.upsert_regions`;
this module only turns sheet cells into its rows and maps its errors back to sheet rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from yingji.auth.scope import Actor
from yingji.errors import ValidationFailed
from yingji.io.tabular import Column
from yingji.regions import geo
from yingji.regions.models import Region, RegionLevel
from yingji.regions.service import upsert_regions
from yingji.upsert import Counts, Errors, Plan, Update, region_index

NAME = "regions"
LABEL = "区划"
ENTITY = "region"
SOURCE = "import"
LEVELS = {
    RegionLevel.township: "乡镇",
    RegionLevel.village: "村",
    RegionLevel.grid: "网格",
}
_LEVEL_WORDS = {
    **{str(int(level)): int(level) for level in LEVELS},
    **{level.name: int(level) for level in LEVELS},
    **{label: int(level) for level, label in LEVELS.items()},
    "乡": 4,
    "镇": 4,
    "街道": 4,
    "乡镇街道": 4,
    "社区": 5,
    "村社区": 5,
}

COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "编码",
        True,
        "500101999",
        "乡镇 9 位、村 12 位统计用区划代码（以上级编码开头）；网格为字母数字，最长 32 位 / "
        "9-digit township, 12-digit village codes starting with the parent's code; grid codes "
        "up to 32 letters or digits",
        ("区划编码", "区划代码"),
    ),
    Column("name", "名称", True, "示例街道", "区划名称 / name", ("区划名称",)),
    Column(
        "level",
        "层级",
        True,
        "township",
        "township（乡镇）、village（村）或 grid（网格）/ township, village or grid",
        ("级别",),
    ),
    Column(
        "parent_code",
        "上级编码",
        True,
        "500101",
        "上级区划编码：已有区划或本文件中靠前的行；须在您的管辖范围内 / parent region: existing "
        "or on an earlier row, inside your scope",
        ("上级区划编码",),
    ),
    Column(
        "geometry",
        "几何",
        False,
        "",
        "边界，WKT 或 GeoJSON（WGS 84 经纬度）；留空则保留原有边界 / boundary as WKT or "
        "GeoJSON (WGS 84); blank keeps the stored one",
        ("边界", "范围", "wkt", "geojson"),
    ),
    Column(
        "lon",
        "经度",
        False,
        "108.38",
        "标注点经度；与纬度成对填写，可代替边界 / label point longitude, with lat; may replace "
        "a boundary",
        ("longitude",),
    ),
    Column("lat", "纬度", False, "30.81", "标注点纬度 / label point latitude", ("latitude",)),
    Column(
        "population",
        "人口",
        False,
        "12000",
        "常住人口；留空则保留原值 / resident population; blank keeps the stored value",
        ("人口数",),
    ),
)
_FIELD_OF = {"point": "lon"}
"""Fields of :func:`upsert_regions` errors that are named differently in the sheet."""


def _number(text: str, field: str, number: int, errors: Errors) -> float | None:
    try:
        value = float(text)
    except ValueError:
        errors.add(number, field, f"不是数字 / not a number: {text!r}")
        return None
    if not math.isfinite(value):
        errors.add(number, field, f"不是有限数字 / not a finite number: {text!r}")
        return None
    return value


def _parse(number: int, row: dict[str, str], errors: Errors) -> dict[str, Any]:
    """A sheet row as :func:`upsert_regions` takes it; cell-level problems go to ``errors``.

    Blank optional cells are left out, so the stored geometry, point or population stays.
    """
    out: dict[str, Any] = {
        "code": row.get("code", ""),
        "name": row.get("name", ""),
        "parent_code": row.get("parent_code", ""),
    }
    word = re.sub(r"[\s()（）/、]", "", row.get("level", "")).lower()
    out["level"] = _LEVEL_WORDS.get(word)
    if out["level"] is None:
        reason = (
            "必填 / required"
            if not row.get("level")
            else "只能导入乡镇、村、网格 / "
            f"level must be township, village or grid: {row['level']!r}"
        )
        errors.add(number, "level", reason)
    if row.get("geometry"):
        try:
            geom = geo.parse_geometry(row["geometry"])
        except ValidationFailed as exc:
            errors.add(number, "geometry", exc.message)
        else:
            if geom.geom_type == "Point":  # "lon,lat" or POINT(...): a label point
                out["point"] = (geom.x, geom.y)
            else:
                out["geometry"] = geom
    lon_text, lat_text = row.get("lon", ""), row.get("lat", "")
    if bool(lon_text) != bool(lat_text):
        errors.add(
            number, "lon" if not lon_text else "lat", "经度和纬度须成对填写 / give both lon and lat"
        )
    elif lon_text:
        lon = _number(lon_text, "lon", number, errors)
        lat = _number(lat_text, "lat", number, errors)
        if lon is not None and lat is not None:
            out["point"] = (lon, lat)
    pop = row.get("population", "").replace(",", "").replace("，", "")
    if pop:
        value = _number(pop, "population", number, errors)
        if value is not None and (value < 0 or not value.is_integer()):
            errors.add(
                number, "population", "人口须为非负整数 / population must be a whole number >= 0"
            )
        elif value is not None:
            out["population"] = int(value)
    return out


def validate(
    session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[Plan, Errors]:
    """Check every row: cells here, the hierarchy and scope by the regions service itself.

    :func:`yingji.regions.service.upsert_regions` owns the rules for regions; it is run in
    a SAVEPOINT that is always rolled back, so validation writes nothing and reports exactly
    what the real run will do.
    """
    errors = Errors()
    numbers: list[int] = []
    parsed: list[dict[str, Any]] = []
    first: dict[str, int] = {}
    for number, row in rows:
        numbers.append(number)
        parsed.append(_parse(number, row, errors))
        code = row.get("code", "")
        if code in first:  # checked here so the message cites sheet rows
            errors.add(
                number, "code", f"与第 {first[code]} 行编码重复 / same code as row {first[code]}"
            )
        elif code:
            first[code] = number
    plan = Plan(NAME, rows=len(parsed))
    bad = {e["row"] for e in errors}
    # rows with bad cells sit out the service's checks; the rest are still checked
    numbers, parsed = (
        [n for n in numbers if n not in bad],
        [p for n, p in zip(numbers, parsed, strict=True) if n not in bad],
    )
    known = region_index(session, (r["code"] for r in parsed))
    for item in parsed:
        if item["code"] not in known:
            item["source"] = SOURCE  # existing rows keep the source they came from
    savepoint = session.begin_nested()
    try:
        result = upsert_regions(session, actor, parsed)
    except ValidationFailed as exc:
        for item in exc.details or []:
            field = _FIELD_OF.get(item["field"], item["field"])
            errors.add(numbers[item["row"]], field, item["reason"])
        return plan, errors
    finally:
        savepoint.rollback()
    plan.creates = [{"code": c} for c in result.created]
    plan.updates = [Update(0, {"code": c}, {}, {}) for c in result.updated]
    plan.unchanged = len(result.unchanged)
    plan.payload = parsed
    return plan, errors


def apply(session: Session, actor: Actor, plan: Plan) -> Counts:
    """Write through the regions service (Core executemany, one audit entry per change)."""
    result = upsert_regions(session, actor, plan.payload)
    return Counts(len(result.created), len(result.updated), len(result.unchanged))


def export_rows(session: Session, actor: Actor, root_path: str) -> Iterator[tuple[Any, ...]]:
    """Townships, villages and grids in ``root_path``, parents before children.

    A region whose parent lies outside the actor's scope (a township operator's own
    township) is left out: the actor could not import it back.
    """
    parent = aliased(Region)
    stmt = (
        select(
            Region.code,
            Region.name,
            Region.level,
            parent.code,
            Region.geometry,
            Region.centroid_lon,
            Region.centroid_lat,
            Region.population,
        )
        .join(parent, parent.id == Region.parent_id)
        .where(Region.path.startswith(root_path, autoescape=True))
        .where(Region.level >= int(RegionLevel.township))
        .where(parent.path.startswith(actor.region_path, autoescape=True))
        .order_by(Region.level, Region.code)
    )
    for code, name, level, parent_code, wkb, lon, lat, pop in session.execute(
        stmt.execution_options(yield_per=1000)
    ):
        wkt = ""
        if wkb is not None:
            wkt = shapely.to_wkt(
                geo.from_wkb(bytes(wkb)), rounding_precision=-1, output_dimension=2
            )
        yield (code, name, RegionLevel(level).name, parent_code, wkt, lon, lat, pop)
