"""``yingji resources``: list teams and warehouses, stock, expiring batches and reserve
gaps; rank what can reach a place; send a team or equipment; move an order along; import
or clear the road network."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Annotated

import typer

from yingji.cli_support import actor_named, problem
from yingji.db import session_scope
from yingji.errors import YingjiError
from yingji.resources import dispatch, gaps, registry, roads, stock
from yingji.resources.models import TEAM_KIND_LABELS, RescueTeam, Warehouse

app = typer.Typer(help="救援力量与物资 / rescue forces and reserves", no_args_is_help=True)
AsUser = Annotated[str | None, typer.Option("--as-user", help="act as this user")]


@app.command()
def teams(as_user: AsUser = None) -> None:
    """One line per rescue team in scope."""
    with session_scope() as session:
        rows, total = registry.listing(
            session, actor_named(session, as_user), RescueTeam, limit=10_000
        )
        for t in rows:
            kind = TEAM_KIND_LABELS.get(t.kind, t.kind)
            typer.echo(
                f"{t.id}\t{t.code}\t{t.name}\t{kind}\t{t.size}人\t{t.status}\t{','.join(t.skills)}"
            )
        typer.echo(f"共 {total} 支队伍 / {total} teams")


@app.command()
def warehouses(as_user: AsUser = None) -> None:
    """Warehouses in scope with what they hold."""
    with session_scope() as session:
        actor = actor_named(session, as_user)
        rows, total = registry.listing(session, actor, Warehouse, limit=10_000)
        held = defaultdict(list)  # one query for every store's lines, not one per store
        for line in stock.holdings(session, actor):
            held[line.warehouse_id].append(line)
        for w in rows:
            typer.echo(f"{w.id}\t{w.code}\t{w.name}\t级别 {w.level}")
            for line in held[w.id]:
                typer.echo(
                    f"\t{line.material}\t{line.quantity:g}{line.unit}\t¥{line.value_yuan:,.0f}"
                )
        typer.echo(f"共 {total} 个仓库 / {total} warehouses")


@app.command()
def expiring(
    days: Annotated[int, typer.Option(help="天内到期 / within days")] = stock.EXPIRY_WARNING_DAYS,
    as_user: AsUser = None,
) -> None:
    """Batches expiring within ``days``, soonest first."""
    with session_scope() as session:
        for e in stock.expiring(session, actor_named(session, as_user), within_days=days):
            typer.echo(
                f"{e.expires_on}\t{e.days_left} 天\t{e.warehouse}\t{e.material}\t"
                f"{e.quantity:g}{e.unit}\t批次 {e.batch or '-'}"
            )


@app.command("gaps")
def gap_report(as_user: AsUser = None) -> None:
    """Reserve shortfalls against the standards, largest value first."""
    with session_scope() as session:
        for g in gaps.report(session, actor_named(session, as_user)):
            typer.echo(
                f"{g.region_code}\t{g.region_name}\t{g.scope}\t{g.item}\t应储 {g.required:,.0f}"
                f"\t实储 {g.held:,.0f}\t缺口 {g.shortfall:,.0f}{g.unit}\t¥{g.shortfall_yuan:,.0f}"
            )


@app.command()
def rank(
    lon: Annotated[float, typer.Option(help="事发地经度 / longitude")],
    lat: Annotated[float, typer.Option(help="事发地纬度 / latitude")],
    needs: Annotated[str, typer.Option(help='JSON, e.g. [{"kind":"team","what":"swift_water"}]')],
    mode: Annotated[str, typer.Option(help="road / air / foot")] = "road",
    as_user: AsUser = None,
) -> None:
    """What can reach the place soonest, per need."""
    try:
        parsed = dispatch.parse_needs(json.loads(needs))
        with session_scope() as session:
            ranked = dispatch.rank(
                session, actor_named(session, as_user), lon, lat, parsed, mode=mode
            )
    except json.JSONDecodeError as exc:
        raise problem(YingjiError(f"needs 不是 JSON / needs is not JSON: {exc}")) from exc
    except YingjiError as exc:
        raise problem(exc) from exc
    for r in ranked:
        state = "满足 / met" if r.met else "不足 / short"
        typer.echo(f"{r.need.kind} {r.need.what} ×{r.need.amount:g}: {state}")
        for c in r.candidates:
            mark = "*" if c in r.picked else " "
            typer.echo(f" {mark} {c.minutes:6.1f} 分钟\t{c.code}\t{c.name}\t{c.available:g}")


@app.command("send-team")
def send_team(
    team: Annotated[int, typer.Argument(help="队伍 id / team id")],
    lon: Annotated[float, typer.Option()],
    lat: Annotated[float, typer.Option()],
    title: Annotated[str, typer.Option(help="任务 / task")],
    as_user: AsUser = None,
) -> None:
    """Order a team to a place (it must be available)."""
    try:
        with session_scope() as session:
            order = dispatch.send_team(
                session, actor_named(session, as_user), team, lon=lon, lat=lat, title=title
            )
            typer.echo(f"{order.code}\t预计 {order.eta_minutes:g} 分钟 / ETA minutes")
    except YingjiError as exc:
        raise problem(exc) from exc


@app.command("send-equipment")
def send_equipment(
    equipment: Annotated[int, typer.Argument(help="装备 id / equipment id")],
    units: Annotated[int, typer.Option(help="台（套）数 / units")],
    lon: Annotated[float, typer.Option()],
    lat: Annotated[float, typer.Option()],
    title: Annotated[str, typer.Option(help="任务 / task")],
    as_user: AsUser = None,
) -> None:
    """Send units of an equipment lot to a place (its team's contact is told)."""
    try:
        with session_scope() as session:
            order = dispatch.send_equipment(
                session,
                actor_named(session, as_user),
                equipment,
                units,
                lon=lon,
                lat=lat,
                title=title,
            )
            typer.echo(f"{order.code}	预计 {order.eta_minutes:g} 分钟 / ETA minutes")
    except YingjiError as exc:
        raise problem(exc) from exc


@app.command()
def order(
    order_id: Annotated[int, typer.Argument(help="指令 id / order id")],
    state: Annotated[
        str, typer.Argument(help="acknowledged / en_route / arrived / released / cancelled")
    ],
    as_user: AsUser = None,
) -> None:
    """Move a dispatch order to its next state."""
    try:
        with session_scope() as session:
            done = dispatch.advance(session, actor_named(session, as_user), order_id, state)
            typer.echo(f"{done.code}\t{done.state}")
    except YingjiError as exc:
        raise problem(exc) from exc


@app.command("roads-import")
def roads_import(
    file: Annotated[Path, typer.Argument(help="GeoJSON 道路图层或 OSM (.osm/.pbf) / road layer")],
    as_user: AsUser = None,
) -> None:
    """Import the road network that dispatch and coverage then travel on."""
    try:
        with session_scope() as session:
            network = roads.import_file(actor_named(session, as_user), file)
    except YingjiError as exc:
        raise problem(exc) from exc
    typer.echo(f"{network.lon.size} 个节点 / nodes, {network.edge_from.size} 条路段 / edges")


@app.command("roads-clear")
def roads_clear(as_user: AsUser = None) -> None:
    """Forget the imported road network (travel falls back to straight lines)."""
    with session_scope() as session:
        gone = roads.clear(actor_named(session, as_user))
    typer.echo("已清除 / cleared" if gone else "没有导入的道路网 / none imported")
