"""``yingji quake``: assess an earthquake now (works on an empty database)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from yingji.cli_support import problem
from yingji.config import get_settings
from yingji.errors import YingjiError
from yingji.quake import assess as assessing
from yingji.quake import units
from yingji.quake.source import Event

app = typer.Typer(help="地震烈度速判与灾情评估 / earthquake rapid assessment", no_args_is_help=True)


class Format(StrEnum):
    json = "json"
    text = "text"


@app.command()
def assess(
    lat: Annotated[float, typer.Option(help="震中纬度 / epicentre latitude")],
    lon: Annotated[float, typer.Option(help="震中经度 / epicentre longitude")],
    mag: Annotated[float, typer.Option(help="震级 / magnitude")],
    depth: Annotated[float, typer.Option(help="震源深度 km / depth km")] = 10.0,
    strike: Annotated[float | None, typer.Option(help="发震断层走向 / strike, degrees")] = None,
    mag_type: Annotated[str, typer.Option(help="M (=Ms, CENC) or Mw")] = "M",
    rupture_km: Annotated[float | None, typer.Option(help="破裂长度 / rupture length km")] = None,
    model: Annotated[str, typer.Option(help="gb18306 (default) or wang2000")] = "gb18306",
    output: Annotated[Format, typer.Option("--format", help="json or text")] = Format.text,
) -> None:
    """Intensity, isoseismals, exposure, deaths, losses and response level of one event."""
    try:
        event = Event(
            lat=lat,
            lon=lon,
            magnitude=mag,
            depth_km=depth,
            magnitude_type=mag_type,
            strike=strike,
            rupture_length_km=rupture_km,
        )
        if model not in assessing.attenuation.MODELS:
            raise assessing.invalid_model(model)
        result = assessing.assess(event, units.counties(get_settings().cache_dir), model)
    except YingjiError as exc:
        raise problem(exc) from exc
    data = result.as_dict()
    if output is Format.json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    typer.echo(summary(data))


def summary(data: dict) -> str:
    """A few lines a duty officer reads first."""
    e = data["event"]
    lines = [
        f"M{e['magnitude']} ({e['lat']}, {e['lon']}) 深度 {e['depth_km']} km",
        f"最高烈度 / max intensity: {data['max_intensity']}",
    ]
    for z in data["isoseismals"]:
        lines.append(
            f"  {z['intensity']}度及以上 {z['area_km2']:.0f} km²"
            f"  长轴 {z['long_axis_km']:.0f} km × 短轴 {z['short_axis_km']:.0f} km"
        )
    d = data["deaths"]
    lines.append(f"死亡估计 / deaths: {d['median']} ({d['low']}–{d['high']})")
    lines.append(f"PAGER 警报 / alert: {data['alert_level']}")
    level = data["response_level"]
    lines.append(f"建议响应级别 / response level: {level if level else '无 / none'}")
    lines.append(f"用时 / elapsed: {data['elapsed_s']} s")
    return "\n".join(lines)
