"""The sitrep and review API and CLI: every format, the review saved and read, corrective
actions added, closed and listed; readers refused, other areas' incidents not found."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pytest
from review_helpers import incident, story
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from yingji import clock


@pytest.fixture
def ids(session: Session) -> dict[str, int]:
    """A story in 万州区 and an incident in 涪陵区, committed for the API to see."""
    here = story(session)
    there = incident(session, region="500102", title="涪陵区洪涝")
    session.commit()
    return {"here": here.id, "there": there.id}


def test_sitrep_in_every_format(api, ids: dict[str, int]) -> None:
    wz = api("wz_operator")
    base = f"/api/v1/incidents/{ids['here']}/sitrep"
    body = wz.get(base).json()
    assert body["kind"] == "follow_up" and body["changes"]["dead"] == 1
    assert body["headline"].endswith("中和街道三组发生地质灾害（Ⅲ级）")
    assert body["previous"]["kind"] == "follow_up" and body["unit"] == "万州区应急管理局"
    assert wz.get(base + ".json").json()["headline"] == body["headline"]

    page = wz.get(base + ".html")
    assert page.headers["content-type"].startswith("text/html")
    assert body["headline"] in page.text and page.headers["content-disposition"] == "inline"

    pdf = wz.get(base + ".pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith("attachment;")

    word = wz.get(base + ".docx", params={"unit": "万州区防汛抗旱指挥部办公室"})
    assert word.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = [p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs]
    assert text[1] == body["headline"] and "报送单位：万州区防汛抗旱指挥部办公室" in text

    assert wz.get(base + ".xml").status_code == 404


def test_other_areas_incidents_are_not_found(api, ids: dict[str, int]) -> None:
    wz = api("wz_operator")
    there = ids["there"]
    for path in ("sitrep", "sitrep.pdf", "sitrep.docx", "review", "review.html"):
        assert wz.get(f"/api/v1/incidents/{there}/{path}").status_code == 404, path
    assert wz.put(f"/api/v1/incidents/{there}/review", json={"findings": "x"}).status_code == 404
    reply = wz.post(f"/api/v1/incidents/{there}/review/actions", json={"title": "a", "owner": "b"})
    assert reply.status_code == 404
    assert api("twp2_operator").get(f"/api/v1/incidents/{ids['here']}/sitrep").status_code == 404
    assert api("twp_operator").get(f"/api/v1/incidents/{ids['here']}/sitrep").status_code == 200


def test_review_saved_and_read(api, ids: dict[str, int]) -> None:
    base = f"/api/v1/incidents/{ids['here']}/review"
    wz = api("wz_operator")
    before = wz.get(base).json()
    assert before["review"] is None and before["actions"] == []
    assert before["live_metrics"]["first_report"]["from_occurred"] == 40.0
    assert api("viewer").put(base, json={"findings": "只读"}).status_code == 403
    saved = wz.put(base, json={"findings": "首报用时偏长。"})
    assert saved.status_code == 200, saved.text
    review = saved.json()["review"]
    assert review["findings"] == "首报用时偏长。"
    assert review["metrics"]["first_arrival"]["from_received"] == 65.0
    assert review["metrics"]["warnings"]["rate"] == 0.8
    assert api("viewer").get(base).json()["review"]["findings"] == "首报用时偏长。"
    too_long = wz.put(base, json={"findings": "长" * 20_001})
    assert too_long.status_code == 422

    for fmt, head in (("pdf", b"%PDF"), ("docx", b"PK"), ("html", b"<!DOCTYPE html>")):
        reply = wz.get(f"{base}.{fmt}")
        assert reply.status_code == 200 and reply.content.startswith(head), fmt
    assert "首报用时偏长。" in wz.get(base + ".html").text


def test_actions_through_the_api(api, ids: dict[str, int]) -> None:
    wz = api("wz_operator")
    base = f"/api/v1/incidents/{ids['here']}/review/actions"
    yesterday = (clock.today() - dt.timedelta(days=1)).isoformat()
    added = wz.post(base, json={"title": "完善接报流程", "owner": "区应急局", "due_on": yesterday})
    assert added.status_code == 201, added.text
    action = added.json()
    assert action["overdue"] is True and action["status"] == "open"
    assert action["incident_id"] == ids["here"]

    empty = wz.post(base, json={"title": " ", "owner": ""})
    assert empty.status_code == 422
    assert {d["field"] for d in empty.json()["error"]["details"]} == {"title", "owner"}
    missing = wz.post(base, json={"owner": "区应急局"})
    assert missing.status_code == 422
    assert api("viewer").post(base, json={"title": "a", "owner": "b"}).status_code == 403

    listed = wz.get("/api/v1/review-actions", params={"open": "true"}).json()
    assert action["id"] in [a["id"] for a in listed["items"]]
    overdue = wz.get("/api/v1/review-actions", params={"overdue": "true"}).json()
    assert [a["overdue"] for a in overdue["items"]] == [True] * len(overdue["items"])
    assert action["id"] in [a["id"] for a in overdue["items"]]
    assert action["id"] not in [
        a["id"] for a in api("twp2_operator").get("/api/v1/review-actions").json()["items"]
    ]

    close = f"/api/v1/review-actions/{action['id']}/close"
    assert wz.post(close, json={"note": ""}).status_code == 422
    assert api("twp2_operator").post(close, json={"note": "完成"}).status_code == 404
    closed = wz.post(close, json={"note": "已修订"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["overdue"] is False
    assert wz.post(close, json={"note": "再次"}).status_code == 409
    still_open = wz.get("/api/v1/review-actions", params={"open": "true"}).json()["items"]
    assert action["id"] not in [a["id"] for a in still_open]
    done = wz.get("/api/v1/review-actions", params={"open": "false"}).json()["items"]
    assert action["id"] in [a["id"] for a in done]
    review = wz.get(f"/api/v1/incidents/{ids['here']}/review").json()
    assert review["review"] is not None and review["actions"][0]["closed_note"] == "已修订"


# --- the CLI --------------------------------------------------------------------------------


@pytest.fixture
def review_cli(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable]:
    """Run ``yingji incidents review ...`` (this module's Typer app) on the test database."""
    from typer.testing import CliRunner

    from yingji.config import get_settings
    from yingji.db import get_engine
    from yingji.incidents.review_cli import app

    monkeypatch.setenv("YINGJI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_cli(review_cli: Callable, ids: dict[str, int], tmp_path: Path) -> None:
    here = str(ids["here"])
    text = review_cli("sitrep", here, "--as-user", "wz_operator")
    assert text.exit_code == 0, text.output
    assert "突发事件情况报告" in text.output and "死亡人数增加1人" in text.output
    out = tmp_path / "s.pdf"
    pdf = review_cli("sitrep", here, "--format", "pdf", "--out", str(out))
    assert pdf.exit_code == 0 and out.read_bytes().startswith(b"%PDF")
    no_out = review_cli("sitrep", here, "--format", "docx")
    assert no_out.exit_code != 0 and "--out" in no_out.output
    hidden = review_cli("sitrep", str(ids["there"]), "--as-user", "wz_operator")
    assert hidden.exit_code != 0 and "事件不存在" in hidden.output

    saved = review_cli("review", here, "--findings", "响应及时。", "--format", "json")
    assert saved.exit_code == 0, saved.output
    assert json.loads(saved.output)["review"]["findings"] == "响应及时。"
    word = tmp_path / "r.docx"
    assert review_cli("review", here, "--format", "docx", "--out", str(word)).exit_code == 0
    assert "响应及时。" in [p.text for p in docx.Document(str(word)).paragraphs]

    added = review_cli(
        "add-action", here, "--title", "完善流程", "--owner", "区应急局", "--due", "2020-01-01"
    )
    assert added.exit_code == 0, added.output
    listed = review_cli("actions")
    assert "完善流程" in listed.output and "逾期 / overdue" in listed.output
    listed_json = json.loads(review_cli("actions", "--json").output)
    action_id = next(a["id"] for a in listed_json if a["title"] == "完善流程")
    viewer = review_cli("close-action", str(action_id), "--note", "完成", "--as-user", "viewer")
    assert viewer.exit_code != 0 and "只读" in viewer.output
    assert review_cli("close-action", str(action_id), "--note", "完成").exit_code == 0
    assert "完善流程" not in review_cli("actions").output
    assert "已完成 / closed" in review_cli("actions", "--all").output
