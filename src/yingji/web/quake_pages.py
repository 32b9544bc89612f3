"""Earthquake assessment pages (地震速判): the form with the list of past assessments, and one
assessment's result with its map, tables, downloads and the call to the shaken townships.

The form posts to the JSON API (``quake.js``), which runs the model and stores the result;
the list and the result render on the server through the same service and scope checks as
the API, so they read without JS. The result's map loads the isoseismals and the affected
counties as GeoJSON from the API and draws them with the Leaflet shipped in this install.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from yingji.api_deps import DbSession
from yingji.errors import NotFound
from yingji.quake import isoseismals, losses, service
from yingji.quake.assess import PRIORITY_FROM
from yingji.quake.attenuation import MODELS
from yingji.quake.labels import ZONE_COLOURS, yi_amount
from yingji.quake.models import QuakeAssessment
from yingji.web.pages import (
    PAGE_SIZE,
    Me,
    _error_page,
    _pager,
    picker_config,
    render,
    settings_of,
)
from yingji.web.templating import templates

router = APIRouter(include_in_schema=False)

LOWEST = isoseismals.LOWEST
"""Zones, legend and county tables start at Ⅵ: below it nothing is damaged."""
CALL_FROM = PRIORITY_FROM
"""The call to the townships (叫应) is offered from Ⅶ, where the API finds places to call."""
INTENSITY_COLOURS = ZONE_COLOURS
"""The same ramp as the PNG map and the report, so a screen and a printout read alike."""

ALERT_LEVELS = losses.ALERTS
"""PAGER alert levels, each with a ``quake.alert.<level>`` text and a badge colour."""
MAGNITUDE_TYPES = ("M", "Mw")
"""What the form offers; the API also takes ``Ms`` (the same scale as ``M``)."""


def roman(value: int | None) -> str:
    """An intensity or response level as its Roman numeral (7 → Ⅶ); "—" when unknown."""
    return "—" if value is None else isoseismals.roman(value)


def place(record: QuakeAssessment) -> str:
    """The name given to the event, else its epicentre's coordinates."""
    if record.name:
        return record.name
    ns = "N" if record.lat >= 0 else "S"
    ew = "E" if record.lon >= 0 else "W"
    return f"{abs(record.lat):.2f}°{ns} {abs(record.lon):.2f}°{ew}"


def colour(intensity: int) -> str:
    """The zone fill of ``intensity``; below Ⅵ a neutral grey."""
    if intensity < LOWEST:
        return "#eef1f5"
    return INTENSITY_COLOURS.get(intensity, INTENSITY_COLOURS[12])


templates.env.filters["roman"] = roman
templates.env.filters["yi"] = yi_amount


def zone_rows(result: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """One row per intensity from Ⅵ (area and axes of its isoseismal, people at exactly that
    intensity, as the report counts them) and the total of people at Ⅵ and above."""
    zones = {int(z["intensity"]): z for z in result.get("isoseismals", [])}
    exposure = {int(k): int(v) for k, v in result.get("exposure", {}).items()}
    levels = sorted({i for i in (*zones, *exposure) if i >= LOWEST})
    rows = [
        {
            "intensity": i,
            "area_km2": zones.get(i, {}).get("area_km2"),
            "long_axis_km": zones.get(i, {}).get("long_axis_km"),
            "short_axis_km": zones.get(i, {}).get("short_axis_km"),
            "population": exposure.get(i, 0),
            "colour": colour(i),
        }
        for i in levels
    ]
    return rows, sum(r["population"] for r in rows)


@router.get("/quake", name="quake")
def quake_page(
    request: Request, session: DbSession, me: Me, offset: Annotated[int, Query(ge=0)] = 0
) -> Response:
    rows, total = service.list_assessments(session, me.actor, limit=PAGE_SIZE, offset=offset)
    ctx = {
        "nav": "quake",
        "rows": rows,
        "places": {r.id: place(r) for r in rows},
        "pager": _pager(request, total, offset, PAGE_SIZE),
        "can_write": me.actor.can_write,
        "models": MODELS,
        "magnitude_types": MAGNITUDE_TYPES,
    }
    return render(request, "quake.html", me, ctx, js=picker_config(request, me))


@router.get("/quake/{assessment_id}", name="quake_detail")
def quake_detail_page(request: Request, session: DbSession, me: Me, assessment_id: int) -> Response:
    try:
        record = service.get(session, me.actor, assessment_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    doc = service.document(record)
    zones, total_vi = zone_rows(doc)
    api = f"/api/v1/quake/assessments/{record.id}"
    ctx = {
        "nav": "quake",
        "record": record,
        "doc": doc,
        "place": place(record),
        "zones": zones,
        "total_vi": total_vi,
        "legend": [(i, colour(i)) for i in range(LOWEST, doc["max_intensity"] + 1)],
        "top_colour": colour(doc["max_intensity"]),
        "api": api,
        "downloads": (
            ("quake.report_pdf", f"{api}/report.pdf"),
            ("quake.report_html", f"{api}/report.html"),
            ("quake.map_png", f"{api}/map.png"),
            ("quake.geojson", f"{api}/isoseismals.geojson"),
            ("quake.counties_geojson", f"{api}/counties.geojson"),
        ),
        "can_call": me.actor.can_write and doc["max_intensity"] >= CALL_FROM,
    }
    js = {
        "tiles": settings_of(request).base_tile_url,
        "quake": {
            "id": record.id,
            "isoseismals": f"/quake/assessments/{record.id}/isoseismals.geojson",
            "counties": f"/quake/assessments/{record.id}/counties.geojson",
            "call": f"/quake/assessments/{record.id}/call",
            "epicentre": [record.lat, record.lon],
            "colours": {str(k): v for k, v in INTENSITY_COLOURS.items()},
        },
    }
    return render(request, "quake_detail.html", me, ctx, js=js)
