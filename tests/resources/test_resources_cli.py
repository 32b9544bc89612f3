"""``yingji resources``: the registers, ranking and orders from the command line, and its
errors (exit code 1, the reason on stderr)."""

from __future__ import annotations

import json

from resources_helpers import WANZHOU, actor
from sqlalchemy.orm import Session

from yingji.resources import registry, stock

LON, LAT = WANZHOU


def _stock(engine) -> dict[str, int]:
    with Session(engine) as session, session.begin():
        city = actor(session, "cq_operator")
        registry.create_material(
            session, city, {"code": "TENT", "name": "帐篷", "unit": "顶", "category": "shelter"}
        )
        team = registry.create_team(
            session,
            city,
            {
                "code": "CLI-T1",
                "name": "万州水上救援队",
                "kind": "professional",
                "skills": ["swift_water"],
                "lon": LON + 0.02,
                "lat": LAT,
            },
        )
        boats = registry.create_equipment(
            session,
            city,
            {
                "code": "CLI-E1",
                "name": "冲锋舟",
                "type": "rescue_boat",
                "quantity": 3,
                "team_code": "CLI-T1",
            },
        )
        store = registry.create_warehouse(
            session,
            city,
            {"code": "CLI-W1", "name": "万州库", "level": 3, "lon": LON, "lat": LAT},
        )
        stock.receive(session, city, store.id, "TENT", 120)
        return {"team": team.id, "boats": boats.id}


def test_registers_ranking_and_orders(cli, engine) -> None:
    ids = _stock(engine)
    teams = cli("resources", "teams", "--as-user", "cq_operator")
    assert teams.exit_code == 0, teams.output
    assert "CLI-T1" in teams.output and "共 1 支队伍" in teams.output
    stores = cli("resources", "warehouses", "--as-user", "cq_operator")
    assert "CLI-W1" in stores.output and "120顶" in stores.output
    needs = [{"kind": "team", "what": "swift_water"}, {"kind": "equipment", "what": "rescue_boat"}]
    ranked = cli(
        "resources", "rank", "--lon", str(LON), "--lat", str(LAT), "--needs", json.dumps(needs),
        "--as-user", "cq_operator",
    )  # fmt: skip
    assert ranked.exit_code == 0, ranked.output
    assert ranked.output.count("满足 / met") == 2 and "* " in ranked.output
    where = ["--lon", str(LON), "--lat", str(LAT), "--title", "洪水", "--as-user", "cq_operator"]
    sent = cli("resources", "send-equipment", str(ids["boats"]), "--units", "2", *where)
    assert sent.exit_code == 0, sent.output
    too_many = cli("resources", "send-equipment", str(ids["boats"]), "--units", "2", *where)
    assert too_many.exit_code == 1 and "不足" in too_many.output
    team = cli("resources", "send-team", str(ids["team"]), *where)
    assert team.exit_code == 0 and team.output.startswith("DD-")


def test_bad_needs_and_places_are_named(cli, engine) -> None:
    not_json = cli("resources", "rank", "--lon", "108", "--lat", "30", "--needs", "{x")
    assert not_json.exit_code == 1 and "JSON" in not_json.output
    bad = cli("resources", "rank", "--lon", "108", "--lat", "30", "--needs", '[{"kind": "boat"}]')
    assert bad.exit_code == 1 and "kind" in bad.output
    outside = cli(
        "resources", "send-team", "1", "--lon", "106.55", "--lat", "29.56", "--title", "x",
        "--as-user", "twp_operator",
    )  # fmt: skip
    assert outside.exit_code == 1 and "辖区" in outside.output
