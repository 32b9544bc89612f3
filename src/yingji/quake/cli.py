"""``yingji quake``: assess an earthquake now (works on an empty database), store it,
list stored assessments, write their map and reports, poll catalogue feeds."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yingji.cli_support import actor_named, fail, problem
from yingji.db import get_engine, session_scope
from yingji.errors import YingjiError, invalid
from yingji.quake import assess as assessing
from yingji.quake import polling, reach, service
from yingji.quake.source import Event

app = typer.Typer(help="地震烈度速判与灾情评估 / earthquake rapid assessment", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]


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
    trace: Annotated[
        str | None, typer.Option(help="断层迹线 / fault trace 'lon,lat;lon,lat;...'")
    ] = None,
    model: Annotated[str, typer.Option(help="gb18306 (default) or wang2000")] = "gb18306",
    output: Annotated[Format, typer.Option("--format", help="json or text")] = Format.text,
    name: Annotated[str | None, typer.Option(help="地震名称 / event name")] = None,
    save: Annotated[bool, typer.Option(help="存档 / store the assessment")] = False,
    as_user: AsUser = None,
) -> None:
    """Intensity, isoseismals, exposure, deaths, losses and response level of one event.

    Without --save nothing touches the database."""
    try:
        event = Event(
            lat=lat,
            lon=lon,
            magnitude=mag,
            depth_km=depth,
            magnitude_type=mag_type,
            strike=strike,
            rupture_length_km=rupture_km,
            fault_trace=_trace(trace),
            name=name,
        )
        if save:
            with session_scope() as session:
                record, _ = service.run(session, actor_named(session, as_user), event, model=model)
                data = service.document(record)
        else:
            if model not in assessing.attenuation.MODELS:
                raise assessing.invalid_model(model)
            data = assessing.assess(event, service.pool(), model).as_dict()
    except YingjiError as exc:
        raise problem(exc) from exc
    data.pop("isoseismals_geojson", None)
    if output is Format.json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    typer.echo(summary(data))


def _trace(text: str | None) -> tuple[tuple[float, float], ...] | None:
    """``lon,lat;lon,lat`` as points; a malformed trace is a field error."""
    if not text:
        return None
    try:
        points = tuple(
            (float(lon), float(lat))
            for lon, lat in (pair.split(",") for pair in text.split(";") if pair.strip())
        )
    except ValueError as exc:
        raise invalid(
            "fault_trace", "断层迹线格式为 lon,lat;lon,lat / use lon,lat;lon,lat"
        ) from exc
    return points


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


@app.command("list")
def list_command(as_user: AsUser = None) -> None:
    """One line per stored assessment, newest first."""
    with session_scope() as session:
        rows, total = service.list_assessments(session, actor_named(session, as_user), limit=1000)
        for r in rows:
            level = r.response_level or "-"
            typer.echo(
                f"{r.id}\t{r.created_at:%Y-%m-%d %H:%M}\tM{r.magnitude}\t({r.lat}, {r.lon})"
                f"\t{r.max_intensity}度\t死亡 {r.deaths_median}\t{r.alert_level}\t响应 {level}"
                f"\t{r.name or ''}"
            )
        typer.echo(f"共 {total} 次评估 / {total} assessments")


@app.command()
def report(
    assessment_id: Annotated[int, typer.Argument(help="评估 id / assessment id")],
    out: Annotated[Path, typer.Option(help="输出目录 / output folder")] = Path("."),
    as_user: AsUser = None,
) -> None:
    """Write the map (PNG), the report (PDF, HTML) and the isoseismals (GeoJSON)."""
    try:
        with session_scope() as session:
            record = service.get(session, actor_named(session, as_user), assessment_id)
            files = service.outputs(record, ("png", "pdf", "html"))
            geojson = json.dumps(record.result["isoseismals_geojson"], ensure_ascii=False)
    except YingjiError as exc:
        raise problem(exc) from exc
    out.mkdir(parents=True, exist_ok=True)
    names = {"png": "map.png", "pdf": "report.pdf", "html": "report.html"}
    for kind, content in files.items():
        path = out / f"quake-{assessment_id}-{names[kind]}"
        path.write_bytes(content)
        typer.echo(str(path))
    path = out / f"quake-{assessment_id}-isoseismals.geojson"
    path.write_text(geojson, encoding="utf-8")
    typer.echo(str(path))


@app.command()
def call(
    assessment_id: Annotated[int, typer.Argument(help="评估 id / assessment id")],
    channels: Annotated[str, typer.Option(help="渠道 / channels, comma separated")] = "",
    deadline: Annotated[int, typer.Option(help="确认时限（分钟）/ minutes to confirm")] = 30,
    as_user: AsUser = None,
) -> None:
    """Instruct the responsible persons of the townships at VII and above (叫应)."""
    chosen = [c.strip() for c in channels.split(",") if c.strip()] or None
    try:
        with session_scope() as session:
            actor = actor_named(session, as_user)
            record = service.get(session, actor, assessment_id)
            message, places, written = reach.call(
                session, actor, record, channels=chosen, deadline_minutes=deadline
            )
            typer.echo(
                f"{message.code}: {places} 个地区 / places, {written} 条指令 / instructions; "
                f"看板 / board: /direct/{message.id}"
            )
    except YingjiError as exc:
        raise problem(exc) from exc


@app.command()
def poll(
    url: Annotated[str | None, typer.Argument(help="目录地址 / feed URL or file")] = None,
    min_magnitude: Annotated[float | None, typer.Option(help="起评震级 / threshold")] = None,
) -> None:
    """Poll a catalogue feed now (default: every YINGJI_QUAKE_FEEDS feed) and assess each
    new event at or above the threshold."""
    from yingji.config import get_settings

    urls = [url] if url else get_settings().quake_feeds
    if not urls:
        raise fail("未配置地震目录 / no feed given and YINGJI_QUAKE_FEEDS is empty")
    failed = False
    for feed_url in urls:
        result = polling.poll(get_engine(), feed_url, min_magnitude)
        typer.echo(
            f"{feed_url}: 新评估 {len(result.assessed)} / assessed, 已有 {result.known} / known, "
            f"跳过 {result.skipped} / skipped"
        )
        for line in result.errors:
            typer.secho(f"  {line}", fg=typer.colors.YELLOW, err=True)
        failed = failed or (bool(result.errors) and not result.assessed and not result.known)
    if failed:
        raise typer.Exit(1)
