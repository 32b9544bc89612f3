"""Incident intake, figures, reports and closing: the checks name each field, the region
follows the place and the actor's scope, every step is on the timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from incident_helpers import T0, WANZHOU, actor, incident

from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yingji.incidents import service, timeline

H = dt.timedelta(hours=1)


@pytest.fixture
def city(session):
    return actor(session, "cq_operator")


def test_intake_places_grades_and_records(session, city) -> None:
    inc = incident(session, city, dead=4, injured=7, place="某煤矿 -350 m 水平")
    assert inc.code.startswith("SJ-20260701-") and inc.region_path.startswith("/500000/")
    assert inc.category == "accident" and inc.grade == 3 and "死亡 4 人 ≥ 3" in inc.grade_basis
    kinds = [e.kind for e in timeline.events(session, inc.id)]
    assert kinds == ["received", "graded"]


def test_bad_intake_names_every_field(session, city) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.create(
            session,
            city,
            {
                "title": " ",
                "type_code": "meteor",
                "lon": 10,
                "lat": 10,
                "dead": -1,
                "injured": 1.5,
                "occurred_at": (T0 + 2 * H).isoformat(),
                "perimeter": {"type": "Point", "coordinates": [1, 2]},
            },
            now=T0,
        )
    fields = {d["field"] for d in caught.value.details}
    assert fields == {"title", "type_code", "lon", "dead", "injured", "occurred_at", "perimeter"}


def test_scope_the_place_and_the_reader(session) -> None:
    township = actor(session, "twp_operator")
    with pytest.raises(ValidationFailed) as caught:
        incident(session, township, lon=106.55, lat=29.56)  # 渝中, not their township
    assert caught.value.details[0]["field"] == "lon"
    inc = incident(session, actor(session, "cq_operator"), lon=106.55, lat=29.56)
    with pytest.raises(NotFound):
        service.get(session, township, inc.id)
    assert inc not in service.listing(session, township)
    with pytest.raises(PermissionDenied):
        service.note(session, actor(session, "viewer"), inc.id, "只读")


def test_updates_regrade_and_the_timeline_says_what_changed(session, city) -> None:
    inc = incident(session, city, dead=2)
    service.update(session, city, inc.id, {"dead": 10, "damage": "井下巷道被淹"}, now=T0 + H)
    assert inc.grade == 2 and inc.damage == "井下巷道被淹"
    texts = [e.text for e in timeline.events(session, inc.id)]
    assert "信息更新：dead 2 → 10" in texts and any(t.startswith("定级：重大") for t in texts)
    with pytest.raises(ValidationFailed):
        service.update(session, city, inc.id, {"missing": "many"})


def test_reports_freeze_the_figures(session, city) -> None:
    inc = incident(session, city, injured=3)
    report = service.add_report(session, city, inc.id, kind="first", to_level=3, now=T0 + H)
    service.update(session, city, inc.id, {"injured": 5}, now=T0 + 2 * H)
    assert report.figures["injured"] == 3 and inc.injured == 5
    with pytest.raises(ValidationFailed) as caught:
        service.add_report(session, city, inc.id, kind="rumour", to_level=7)
    assert {d["field"] for d in caught.value.details} == {"kind", "to_level"}


def test_closing_stops_changes(session, city) -> None:
    inc = incident(session, city)
    service.close(session, city, inc.id, summary="已处置完毕", now=T0 + 5 * H)
    assert inc.status == "closed" and inc.closed_at == T0 + 5 * H
    with pytest.raises(Conflict):
        service.update(session, city, inc.id, {"dead": 1})


def test_one_incident_per_source_event(session, city) -> None:
    incident(session, city, source="alarm", source_ref="alarm:7")
    with pytest.raises(ValidationFailed) as caught:
        incident(session, city, source="alarm", source_ref="alarm:7")
    assert caught.value.details[0]["field"] == "source_ref"


def test_the_api_takes_an_incident_in_and_reads_its_deadlines(api) -> None:
    client = api("cq_operator")
    lon, lat = WANZHOU
    made = client.post(
        "/api/v1/incidents",
        json={"title": "货车侧翻", "type_code": "道路交通事故", "lon": lon, "lat": lat, "dead": 1},
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["type_code"] == "road_traffic" and body["grade_label"] == "一般"
    assert [o["to_level"] for o in body["obligations"]] == [3, 2]
    assert body["obligations"][0]["state"] == "due"
    iid = body["id"]
    reported = client.post(
        f"/api/v1/incidents/{iid}/reports", json={"kind": "first", "to_level": 3}
    )
    assert reported.status_code == 201
    assert client.get(f"/api/v1/incidents/{iid}").json()["obligations"][0]["state"] == "done"
    noted = client.post(f"/api/v1/incidents/{iid}/notes", json={"text": "现场封控"})
    assert noted.status_code == 201
    kinds = [e["kind"] for e in client.get(f"/api/v1/incidents/{iid}/timeline").json()]
    assert kinds == ["received", "graded", "report", "note"]
    assert api("wz_operator").get(f"/api/v1/incidents/{iid}").status_code == 200
    elsewhere = {"title": "渝中火情", "type_code": "fire", "lon": 106.55, "lat": 29.56}
    other = client.post("/api/v1/incidents", json=elsewhere).json()["id"]
    assert api("wz_operator").get(f"/api/v1/incidents/{other}").status_code == 404
    bad = client.post("/api/v1/incidents", json={"title": "x"})
    assert bad.status_code == 422
    assert {"type_code", "lon"} <= {d["field"] for d in bad.json()["error"]["details"]}


def test_a_township_opens_an_incident_from_a_quick_report(session, api, pages) -> None:
    from yingji.incidents import quick

    grid = actor(session, "grid_user")
    report = quick.submit(session, grid, {"dead": 1, "trapped": 4, "text": "山体垮塌压埋民房"})
    with pytest.raises(PermissionDenied):
        service.from_quick_report(session, grid, report.id, type_code="geological")
    township = actor(session, "twp_operator")
    inc = service.from_quick_report(session, township, report.id, type_code="地质灾害")
    assert (inc.source, inc.source_ref) == ("quick_report", f"quick:{report.id}")
    assert (inc.dead, inc.trapped, inc.type_code) == (1, 4, "geological")
    assert report.incident_id == inc.id and inc.summary == "山体垮塌压埋民房"
    with pytest.raises(Conflict):
        service.from_quick_report(session, township, report.id, type_code="geological")
    session.commit()
    other = quick.submit(session, grid, {"injured": 2})
    session.commit()
    listing = pages("twp_operator").get("/quick-reports").text
    assert f'data-testid="quick-open-{other.id}"' in listing
    assert f'data-testid="quick-open-{report.id}"' not in listing  # already an incident
    opened = api("twp_operator").post(
        f"/api/v1/quick-reports/{other.id}/incident", json={"type_code": "flood"}
    )
    assert opened.status_code == 201 and opened.json()["injured"] == 2
    bad = api("twp_operator").post(
        f"/api/v1/quick-reports/{report.id}/incident", json={"type_code": "meteor"}
    )
    assert bad.status_code in (409, 422)
