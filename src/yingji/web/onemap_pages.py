"""The incident's one map (一张图) page: a full-height Leaflet map of every layer the
incident API offers, toggles with counts and legends, a popup per feature, and a live
indicator fed by the map stream (the page reloads the layers a timeline event changed).

The page is a shell: the script reads the layers from ``/api/v1/incidents/{id}/map/...``
under the same scope checks as every other client. The colours live here, once, and reach
the legend (rendered on the server) and the script (through the page config) alike.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yingji.api_deps import DbSession
from yingji.errors import NotFound
from yingji.hazards.models import GRADE_HEX
from yingji.incidents import map_layers, service, types
from yingji.quake.isoseismals import roman
from yingji.quake.labels import ZONE_COLOURS
from yingji.risk.models import LEVEL_HEX
from yingji.web.pages import Me, _error_page, locale_of, render, settings_of

router = APIRouter(include_in_schema=False)

DEFAULT_ON = frozenset(
    {
        "incident",
        "dispatch",
        "quick_reports",
        "teams",
        "warehouses",
        "hazards",
        "risk_points",
        "warning_areas",
        "isoseismals",
    }
)
"""Layers shown when the page opens; population (a fill under everything) and equipment
(kept with the teams, at the same points) are a click away."""

POINT_HEX = {
    "incident": "#b71c1c",
    "teams": "#1565c0",
    "equipment": "#00838f",
    "warehouses": "#6d4c41",
    "quick_reports": "#6a1b9a",
    "dispatch": "#d84315",
    "population": "#5596cb",
    "warning_areas": "#ef6c00",
    "isoseismals": "#fed06a",
    "risk_points": "#fb8c00",
    "hazards": "#e53935",
}
"""One colour per layer for its toggle's swatch, and the marker colour of single-colour layers."""

TEAM_STATUS_HEX = {
    "available": "#2e7d32",
    "deployed": "#c62828",
    "resting": "#9e9e9e",
    "maintenance": "#757575",
}
"""Team markers are ringed by status: 待命 green, 执行任务 red, 休整/维修 grey."""

DENSITY_BREAKS = (100, 300, 600, 1000)
DENSITY_RAMP = ("#eaf2fa", "#c6dbef", "#93bfe0", "#5596cb", "#2a6aa8")
"""Population density classes (people per km²) and their fills, lightest first."""
MAX_LEGEND_INTENSITY = 10
"""The isoseismal legend stops at Ⅹ: stronger zones are rare enough to read from the popup."""


def _row(hex_: str, key: str, **values: str) -> dict[str, Any]:
    return {"hex": hex_, "key": key, "values": values}


def legends() -> dict[str, list[dict[str, Any]]]:
    """Per classed layer, its legend rows: a colour and a text key with its values."""
    density = [_row(DENSITY_RAMP[0], "onemap.density.below", upper=str(DENSITY_BREAKS[0]))]
    for lower, upper, fill in zip(
        DENSITY_BREAKS, DENSITY_BREAKS[1:], DENSITY_RAMP[1:], strict=False
    ):
        density.append(_row(fill, "onemap.density.between", lower=str(lower), upper=str(upper)))
    density.append(_row(DENSITY_RAMP[-1], "onemap.density.above", lower=str(DENSITY_BREAKS[-1])))
    return {
        "population": density,
        "warning_areas": [
            _row(hex_, f"warning_level.{level}")
            for level, hex_ in sorted(map_layers.WARNING_HEX.items())
        ],
        "isoseismals": [
            _row(hex_, "onemap.intensity", roman=roman(i))
            for i, hex_ in sorted(ZONE_COLOURS.items())
            if i <= MAX_LEGEND_INTENSITY
        ],
        "risk_points": [_row(hex_, f"risk_level.{k}") for k, hex_ in LEVEL_HEX.items()],
        "hazards": [
            _row(GRADE_HEX[k], f"map.hazard.{k or 'unconfirmed'}")
            for k in ("major", "general", None)
        ],
        "teams": [_row(hex_, f"resources.status.{k}") for k, hex_ in TEAM_STATUS_HEX.items()],
    }


def layer_rows() -> list[dict[str, Any]]:
    """The toggles, top of the map first (the API lists layers bottom first)."""
    return [
        {"key": key, "kind": kind, "on": key in DEFAULT_ON, "hex": POINT_HEX[key]}
        for key, (kind, _cut, _build) in reversed(map_layers.LAYERS.items())
    ]


@router.get("/incidents/{incident_id}/map", name="incident_map")
def onemap_page(request: Request, session: DbSession, me: Me, incident_id: int) -> Response:
    try:
        incident = service.get(session, me.actor, incident_id)
    except NotFound:
        return _error_page(request, me, "error.not_found", 404)
    kind = types.all_types().get(incident.type_code)
    type_name = incident.type_code
    if kind is not None:
        type_name = kind.name_en if locale_of(request) == "en" else kind.name_zh
    api = f"/incidents/{incident.id}/map"
    ctx = {
        "nav": "incidents",
        "incident": incident,
        "type_name": type_name,
        "level_roman": roman(incident.response_level) if incident.response_level else None,
        "layers": layer_rows(),
        "legends": legends(),
        "omitted": map_layers.OMITTED,
    }
    js = {
        "tiles": settings_of(request).base_tile_url,
        "onemap": {
            "id": incident.id,
            "api": api,
            "stream": f"/api/v1{api}/stream",
            "page": f"/incidents/{incident.id}",
            "point": [incident.lat, incident.lon],
            "layers": [
                {"key": key, "kind": kind_, "in_box": cut}
                for key, (kind_, cut, _b) in map_layers.LAYERS.items()
            ],
            "on": sorted(DEFAULT_ON),
            "hex": POINT_HEX,
            "teamHex": TEAM_STATUS_HEX,
            "densityBreaks": list(DENSITY_BREAKS),
            "densityRamp": list(DENSITY_RAMP),
        },
    }
    return render(request, "onemap.html", me, ctx, js=js)
