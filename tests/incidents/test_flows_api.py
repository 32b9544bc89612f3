"""The flows and tasks API (and CLI): create with row-and-field errors, scope, versions,
the chart as HTML and PDF, an incident's tasks, ad hoc tasks, updates in JSON and multipart
with files, the overdue list and "my tasks"."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from flow_helpers import ZHONGHE, incident, org_id, person_of
from PIL import Image
from sqlalchemy import Engine

from yingji.config import get_settings
from yingji.db import utcnow
from yingji.incidents import tasks

HOURS = dt.timedelta(hours=1)


@pytest.fixture
def storage(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("YINGJI_STORAGE_ROOT", str(tmp_path / "storage"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _flow_body(session, code: str = "WZ-API") -> dict:
    return {
        "code": code,
        "name": "万州区防汛一页纸流程",
        "type_codes": ["flood"],
        "steps": [
            {
                "min_level": 4,
                "organisation_id": org_id(session, "ORG-500101-YJJ"),
                "action": "值班室接报核实",
                "minutes": 15,
            },
            {"min_level": 3, "role": "admin", "action": "乡镇组织群众转移", "minutes": 14400},
        ],
    }


def _post(client, path: str, body: dict, status: int = 201) -> dict:
    reply = client.post(f"/api/v1{path}", json=body)
    assert reply.status_code == status, reply.text
    return reply.json()


def test_flow_crud_and_scope(api, session) -> None:
    county = api("wz_operator")
    made = _post(county, "/flows", _flow_body(session))
    assert made["version"] == 1 and made["may_change"] is True
    assert [s["responsible"] for s in made["steps"]] == ["万州区应急管理局", "行政责任人（事发地）"]
    # errors name the step row and the field
    bad = _flow_body(session, "WZ-BAD")
    bad["steps"][1]["minutes"] = -5
    bad["steps"][0]["role"] = "admin"  # and an organisation: two responsibles
    reply = county.post("/api/v1/flows", json=bad)
    assert reply.status_code == 422
    details = {(d["row"], d["field"]) for d in reply.json()["error"]["details"]}
    assert details == {(0, "responsible"), (1, "minutes")}
    # the township sees its county's flow, read-only
    town = api("twp_operator").get("/api/v1/flows").json()["items"]
    assert [(f["code"], f["may_change"]) for f in town] == [("WZ-API", False)]
    assert api("twp_operator").put(f"/api/v1/flows/{made['id']}", json={}).status_code == 403
    # another county does not see it
    assert api("admin").get("/api/v1/flows").json()["total"] == 1
    # an edit is a new version
    body = _flow_body(session)
    body["name"] = "万州区防汛一页纸流程（修订）"
    edited = county.put(f"/api/v1/flows/{made['id']}", json=body).json()
    assert edited["version"] == 2 and edited["id"] != made["id"]
    detail = county.get(f"/api/v1/flows/{edited['id']}").json()
    assert [(v["version"], v["active"]) for v in detail["versions"]] == [(2, True), (1, False)]
    retired = county.delete(f"/api/v1/flows/{edited['id']}").json()
    assert retired["active"] is False
    assert county.get("/api/v1/flows").json()["total"] == 0
    assert county.get("/api/v1/flows?all=true").json()["total"] == 2
    back = county.post(f"/api/v1/flows/{made['id']}/activate").json()
    assert back["active"] is True and back["version"] == 1
    assert api("viewer").post("/api/v1/flows", json=_flow_body(session, "X")).status_code == 403


def test_chart_html_and_pdf(api, session) -> None:
    county = api("wz_operator")
    made = _post(county, "/flows", _flow_body(session))
    page = county.get(f"/api/v1/flows/{made['id']}/chart.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for s in made["steps"]:
        assert s["action"] in page.text
    assert "@page" in page.text
    en = county.get(f"/api/v1/flows/{made['id']}/chart.html?lang=en").text
    assert "Level IV response" in en
    pdf = api("twp_operator").get(f"/api/v1/flows/{made['id']}/chart.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "WZ-API-v1.pdf" in pdf.headers["content-disposition"]
    assert api("admin").get(f"/api/v1/flows/{made['id']}/chart.pdf").status_code == 200
    assert county.get("/api/v1/flows/999999/chart.html").status_code == 404


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 90, 200)).save(out, format="PNG")
    return out.getvalue()


def test_tasks_through_the_api(api, session, storage) -> None:
    county = api("wz_operator")
    _post(county, "/flows", _flow_body(session))
    inc = incident(session, region_code=ZHONGHE)
    declared = utcnow() - 2 * HOURS  # the 15-minute step is overdue now, the 10-day one not
    created = tasks.apply_level(session, inc, 3, by="duty", now=declared)["created"]
    session.commit()
    listed = county.get(f"/api/v1/incidents/{inc.id}/tasks").json()
    assert listed["total"] == 2 and listed["open"] == 2 and listed["overdue"] == 1
    late = next(i for i in listed["items"] if i["overdue"])
    fine = next(i for i in listed["items"] if not i["overdue"])
    assert {late["id"], fine["id"]} == set(created)
    assert late["responsible"] == "万州区应急管理局" and fine["role"] == "admin"
    assert api("twp2_operator").get(f"/api/v1/incidents/{inc.id}/tasks").status_code == 404

    overdue = county.get("/api/v1/tasks/overdue").json()["items"]
    assert [i["id"] for i in overdue] == [late["id"]]
    assert overdue[0]["incident"]["title"] == inc.title
    assert api("twp2_operator").get("/api/v1/tasks/overdue").json()["total"] == 0

    town = api("twp_operator")  # holds the admin role in the township: the role task is its
    assert [i["id"] for i in town.get("/api/v1/tasks/mine").json()["items"]] == [fine["id"]]
    moved = _post(town, f"/tasks/{fine['id']}/updates", {"status": "in_progress", "text": "出发"})
    assert moved["task"]["status"] == "in_progress" and moved["update"]["by"] == "twp_operator"
    reply = town.post(
        f"/api/v1/tasks/{fine['id']}/updates",
        data={"text": "已转移 30 人", "status": "done"},
        files=[("files", ("scene.png", _png(), "image/png"))],
    )
    assert reply.status_code == 201, reply.text
    done = reply.json()
    assert done["task"]["status"] == "done" and done["task"]["done_at"]
    url = done["update"]["attachments"][0]["url"]
    assert town.get(url).content == _png()
    assert api("twp2_operator").get(url).status_code == 404
    detail = county.get(f"/api/v1/tasks/{fine['id']}").json()
    assert [u["status"] for u in detail["updates"]] == ["in_progress", "done"]
    assert detail["updates"][1]["attachments"][0]["filename"] == "scene.png"
    # a step that cannot happen answers 409; a bad body 422
    again = town.post(f"/api/v1/tasks/{fine['id']}/updates", json={"status": "in_progress"})
    assert again.status_code == 409
    empty = town.post(f"/api/v1/tasks/{late['id']}/updates", json={"text": ""})
    assert empty.status_code == 422
    wrong = town.post(
        f"/api/v1/tasks/{late['id']}/updates",
        content=b"text",
        headers={"Content-Type": "text/plain"},
    )
    assert wrong.status_code == 422

    # ad hoc: writers of the incident's area only
    body = {
        "title": "协调电力抢修",
        "person_id": person_of(session, "twp2_operator"),
        "minutes": 30,
    }
    ad_hoc = _post(county, f"/incidents/{inc.id}/tasks", body)
    assert ad_hoc["step_id"] is None and ad_hoc["responsible"]
    assert api("viewer").post(f"/api/v1/incidents/{inc.id}/tasks", json=body).status_code == 403
    bad = county.post(f"/api/v1/incidents/{inc.id}/tasks", json={"title": "x"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "responsible"
    # the named person sees it among their tasks although the incident is not in their area
    theirs = api("twp2_operator").get("/api/v1/tasks/mine").json()["items"]
    assert [i["id"] for i in theirs] == [ad_hoc["id"]]


# --- CLI ---------------------------------------------------------------------------------------


@pytest.fixture
def flows_cli(engine: Engine, monkeypatch: pytest.MonkeyPatch):
    """``yingji incidents flows ...`` as the lead wires it: the module's Typer app."""
    from typer.testing import CliRunner

    from yingji.db import get_engine
    from yingji.incidents.flow_cli import app

    monkeypatch.setenv("YINGJI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_cli_import_show_chart_and_tasks(flows_cli, session, tmp_path: Path) -> None:
    csv_file = tmp_path / "steps.csv"
    csv_file.write_text(
        "level,organisation_code,role,action,minutes,type_codes\n"
        "Ⅳ,ORG-500101-YJJ,,值班室接报核实,15,\n"
        "Ⅲ,,admin,乡镇组织群众转移,60,flood\n",
        encoding="utf-8",
    )
    out = flows_cli(
        "import", str(csv_file), "--code", "WZ-CSV", "--name", "万州区防汛流程",
        "--region", "500101", "--types", "flood,geological", "--as-user", "wz_operator",
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "WZ-CSV v1" in out.output
    again = flows_cli("import", str(csv_file), "--code", "WZ-CSV", "--as-user", "wz_operator")
    assert again.exit_code == 0 and "WZ-CSV v2" in again.output
    shown = flows_cli("show", "WZ-CSV")
    assert shown.exit_code == 0 and "万州区应急管理局：值班室接报核实（15分钟内）" in shown.output
    listed = flows_cli("list", "--all")
    assert "WZ-CSV\tv2" in listed.output and "WZ-CSV\tv1" in listed.output

    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps({"code": "WZ-BAD", "name": "坏流程", "steps": [{"min_level": 9}]}),
        encoding="utf-8",
    )
    failed = flows_cli("import", str(broken), "--as-user", "wz_operator")
    assert failed.exit_code == 1
    assert "row 0 min_level" in failed.output and "row 0 minutes" in failed.output

    pdf = tmp_path / "chart.pdf"
    drawn = flows_cli("chart", "WZ-CSV", "--out", str(pdf))
    assert drawn.exit_code == 0, drawn.output
    assert pdf.read_bytes().startswith(b"%PDF")

    inc = incident(session, region_code=ZHONGHE)
    t0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)
    created = tasks.apply_level(session, inc, 3, by="duty", now=t0)["created"]
    session.commit()
    listed = flows_cli("tasks", "list", str(inc.id))
    assert listed.exit_code == 0 and f"共 {len(created)} 项任务" in listed.output
    early = flows_cli("tasks", "overdue", "--now", "2026-07-01T10:10:00")  # local: 02:10 UTC
    assert "超时 0 项" in early.output
    late = flows_cli("tasks", "overdue", "--now", "2026-07-01T10:20:00")
    assert "超时 1 项" in late.output and "值班室接报核实" in late.output
    moved = flows_cli("tasks", "update", str(created[0]), "--status", "done", "--note", "已核实")
    assert moved.exit_code == 0, moved.output
    after = flows_cli("tasks", "overdue", "--now", "2026-07-01T12:00:00")
    assert "超时 1 项" in after.output  # the 60-minute step is now late, the done one is not
