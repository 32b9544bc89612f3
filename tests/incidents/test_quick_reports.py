"""Quick reports (灾情速报): sending (place, position, figures, photos, incident), verifying
and sending back, totals by region without double counting, conflicting figures, scope;
through the service, the API and the CLI, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from incident_helpers_quick import T0, actor, incident, inside, places, png
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from yingji.config import get_settings
from yingji.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yingji.files.models import Attachment
from yingji.incidents import quick, timeline
from yingji.incidents.quick_models import QuickReport

H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Photos go to a storage root of the test's own."""
    monkeypatch.setenv("YINGJI_STORAGE_ROOT", str(tmp_path / "storage"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def send(session: Session, user: str, when: dt.datetime = T0, **data: Any) -> QuickReport:
    """A report sent by ``user`` at ``when`` (``data`` may still name its own ``at``)."""
    return quick.submit(session, actor(session, user), data, now=when)


def fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {d["field"] for d in exc.value.details}


def row(body: dict[str, Any], code: str | None) -> dict[str, Any]:
    return next(r for r in body["rows"] if r["code"] == code)


# --- aggregation ---------------------------------------------------------------------------


def test_latest_verified_report_of_a_place_counts_once(session: Session) -> None:
    p = places(session)
    twp = actor(session, "twp_operator")
    first = send(session, "grid_user", T0, dead=1, injured=4)
    quick.verify(session, twp, first.id, now=T0 + H)
    second = send(session, "grid_user", T0 + 2 * H, dead=3, injured=4, trapped=2)
    quick.verify(session, twp, second.id, now=T0 + 3 * H)

    body = quick.totals(session, twp)
    assert body["verified"]["dead"] == 3  # the place reported twice: 3, not 1 + 3
    assert body["verified"]["injured"] == 4
    assert body["verified"]["trapped"] == 2
    assert body["verified_places"] == 1
    assert body["unverified_places"] == 0
    (place,) = body["places"]
    assert place["region_code"] == p.grid.code and place["verified"]["report_id"] == second.id

    # a newer unverified report is shown apart, not added, until it is verified
    third = send(session, "grid_user", T0 + 4 * H, dead=5, injured=4, trapped=2)
    body = quick.totals(session, twp)
    assert body["verified"]["dead"] == 3
    assert body["unverified"]["dead"] == 5 and body["unverified_places"] == 1
    assert body["places"][0]["unverified"]["report_id"] == third.id
    quick.verify(session, twp, third.id, now=T0 + 5 * H)
    body = quick.totals(session, twp)
    assert body["verified"]["dead"] == 5 and body["unverified_places"] == 0


def test_an_unverified_report_older_than_the_counted_one_is_not_pending(session: Session) -> None:
    twp = actor(session, "twp_operator")
    send(session, "grid_user", T0, dead=1)
    later = send(session, "grid_user", T0 + H, dead=2)
    quick.verify(session, twp, later.id, now=T0 + 2 * H)
    body = quick.totals(session, twp)
    assert body["verified"]["dead"] == 2
    assert body["unverified_places"] == 0 and body["unverified"]["dead"] == 0


def test_places_add_up_into_every_region_above(session: Session) -> None:
    p = places(session)
    county = actor(session, "wz_operator")
    reports = [
        send(session, "grid_user", dead=1, affected=10),
        send(session, "twp_operator", region_code=p.grid2.code, dead=2, affected=20),
        send(session, "twp_operator", region_code=p.village.code, dead=4, affected=40),
        send(session, "twp_operator", region_code=p.township.code, dead=8, affected=80),
        send(session, "twp2_operator", region_code=p.other_village.code, dead=16),
    ]
    for r in reports:
        quick.verify(session, county, r.id, now=T0 + H)

    at_county = quick.totals(session, county)
    assert at_county["region"]["code"] == p.county.code
    assert at_county["verified"]["dead"] == 31 and at_county["verified_places"] == 5
    township = row(at_county, p.township.code)
    assert township["verified"]["dead"] == 15 and township["verified_places"] == 4
    assert township["verified"]["affected"] == 150
    assert row(at_county, p.other_township.code)["verified"]["dead"] == 16

    at_township = quick.totals(session, county, region_path=p.township.path)
    own = row(at_township, p.township.code)
    assert own["own"] and own["verified"]["dead"] == 8  # the township's own place
    assert row(at_township, p.village.code)["verified"]["dead"] == 7  # 4 + 1 + 2
    assert at_township["verified"]["dead"] == 15

    at_village = quick.totals(session, county, region_path=p.village.path)
    assert {r["code"]: r["verified"]["dead"] for r in at_village["rows"]} == {
        p.village.code: 4,
        p.grid.code: 1,
        p.grid2.code: 2,
    }
    # the sum of the rows is the total: nothing counted twice, nothing left out
    for body in (at_county, at_township, at_village):
        assert sum(r["verified"]["dead"] for r in body["rows"]) == body["verified"]["dead"]


def test_rejected_reports_never_count_and_need_a_reason(session: Session) -> None:
    twp = actor(session, "twp_operator")
    report = send(session, "grid_user", dead=9)
    with pytest.raises(ValidationFailed) as exc:
        quick.reject(session, twp, report.id, "  ")
    assert fields(exc) == {"note"}
    quick.reject(session, twp, report.id, "重复上报，已电话核实无人员死亡")
    assert report.status == "rejected" and report.verified_by == "twp_operator"
    body = quick.totals(session, twp)
    assert body["verified"]["dead"] == 0 and body["unverified"]["dead"] == 0
    with pytest.raises(Conflict):
        quick.verify(session, twp, report.id)


def test_totals_per_incident_and_across_incidents(session: Session) -> None:
    p = places(session)
    twp = actor(session, "twp_operator")
    flood = incident(session, p.township, code="T-FLOOD")
    slide = incident(session, p.township, code="T-SLIDE")
    a = send(session, "grid_user", incident_id=flood.id, dead=1)
    b = send(session, "grid_user", T0 + H, incident_id=slide.id, dead=2)
    c = send(session, "grid_user", T0 + 2 * H, incident_id=flood.id, dead=3)
    for r in (a, b, c):
        quick.verify(session, twp, r.id, now=T0 + 3 * H)
    assert quick.totals(session, twp, incident_id=flood.id)["verified"]["dead"] == 3
    assert quick.totals(session, twp, incident_id=slide.id)["verified"]["dead"] == 2
    # one place, two incidents: each incident's latest figures, added
    assert quick.totals(session, twp)["verified"]["dead"] == 5


# --- conflicts -----------------------------------------------------------------------------


def test_differing_figures_for_one_place_are_flagged(session: Session) -> None:
    p = places(session)
    twp = actor(session, "twp_operator")
    grid_report = send(session, "grid_user", T0, dead=1, missing=2, injured=5)
    village_user_report = send(
        session, "twp_operator", T0 + 2 * H, region_code=p.grid.code, dead=1, missing=4, injured=6
    )
    (found,) = quick.conflicts(session, twp)
    assert found["region_code"] == p.grid.code and found["open"]
    assert (found["a"]["id"], found["b"]["id"]) == (grid_report.id, village_user_report.id)
    assert {f["field"]: (f["a"], f["b"]) for f in found["fields"]} == {
        "missing": (2, 4),
        "injured": (5, 6),
    }
    assert found["minutes_apart"] == 120

    # the same figures from someone else agree; a report outside the window is no conflict
    send(session, "twp_operator", T0 + 3 * H, region_code=p.grid2.code, dead=1)
    send(session, "grid_user", T0 + 3 * H, dead=1, missing=4, injured=6)  # agrees with b
    send(session, "twp_operator", T0 + 20 * H, region_code=p.grid.code, dead=7)
    pairs = {(c["a"]["id"], c["b"]["id"]) for c in quick.conflicts(session, twp)}
    assert (grid_report.id, village_user_report.id) in pairs
    assert all(c["b"]["dead"] != 7 for c in quick.conflicts(session, twp))


def test_one_reporter_updating_is_flagged_only_against_verified_figures(session: Session) -> None:
    twp = actor(session, "twp_operator")
    first = send(session, "grid_user", T0, dead=1)
    second = send(session, "grid_user", T0 + H, dead=2)
    assert quick.conflicts(session, twp) == []  # an update, both unverified

    quick.verify(session, twp, first.id, now=T0 + 90 * dt.timedelta(minutes=1))
    (found,) = quick.conflicts(session, twp)  # verified 1 vs unverified 2
    assert found["open"] and found["fields"] == [
        {"field": "dead", "label": quick.FIGURE_LABELS["dead"], "a": 1, "b": 2}
    ]
    quick.verify(session, twp, second.id, now=T0 + 2 * H)
    assert quick.conflicts(session, twp) == []  # one reporter, both verified: an update


def test_verified_disagreement_stays_listed_as_settled(session: Session) -> None:
    p = places(session)
    county = actor(session, "wz_operator")
    a = send(session, "grid_user", T0, dead=1)
    b = send(session, "twp_operator", T0 + H, region_code=p.grid.code, dead=2)
    quick.verify(session, county, a.id, now=T0 + 2 * H)
    quick.verify(session, county, b.id, now=T0 + 2 * H)
    (found,) = quick.conflicts(session, county)
    assert not found["open"]
    assert quick.conflicts(session, county, open_only=True) == []
    assert quick.totals(session, county)["verified"]["dead"] == 2  # the later one counts


# --- scope and who may do what -------------------------------------------------------------


def test_a_township_sees_and_verifies_only_its_own_subtree(session: Session) -> None:
    p = places(session)
    mine = send(session, "grid_user", dead=1)
    theirs = send(session, "twp2_operator", region_code=p.other_village.code, dead=2)
    twp, twp2 = actor(session, "twp_operator"), actor(session, "twp2_operator")

    assert [r.id for r in quick.listing(session, twp2).items] == [theirs.id]
    assert [r.id for r in quick.listing(session, twp).items] == [mine.id]
    with pytest.raises(NotFound):
        quick.get(session, twp2, mine.id)
    with pytest.raises(NotFound):
        quick.verify(session, twp2, mine.id)
    with pytest.raises(NotFound):
        quick.totals(session, twp2, region_path=p.township.path)
    assert quick.totals(session, twp2)["unverified"]["dead"] == 2
    assert quick.conflicts(session, twp2) == []


def test_a_grid_member_reports_only_in_their_grid(session: Session) -> None:
    p = places(session)
    for code in (p.grid2.code, p.village.code, p.other_village.code):
        with pytest.raises(ValidationFailed) as exc:
            send(session, "grid_user", region_code=code, dead=1)
        assert fields(exc) == {"region_code"}
    lon, lat = inside(p.grid2)
    with pytest.raises(ValidationFailed) as exc:
        send(session, "grid_user", lon=lon, lat=lat, dead=1)  # standing in the next grid
    assert fields(exc) == {"lon"}
    report = send(session, "grid_user", region_code=p.grid.code, dead=1)
    assert report.region_id == p.grid.id and report.reporter == "grid_user"
    grid = actor(session, "grid_user")
    assert [r.id for r in quick.listing(session, grid).items] == [report.id]
    with pytest.raises(PermissionDenied):
        quick.verify(session, grid, report.id)


def test_readers_and_enterprises_do_not_send(session: Session) -> None:
    p = places(session)
    for user in ("viewer", "ent_user"):
        with pytest.raises(PermissionDenied):
            send(session, user, region_code=p.township.code, dead=1)


def test_the_reporter_cannot_verify_their_own_report(session: Session) -> None:
    p = places(session)
    report = send(session, "twp_operator", region_code=p.village.code, dead=1)
    twp = actor(session, "twp_operator")
    with pytest.raises(PermissionDenied) as exc:
        quick.verify(session, twp, report.id)
    assert "本人" in exc.value.message
    assert quick.as_dicts(session, twp, [report])[0]["can_verify"] is False
    county = actor(session, "wz_operator")
    assert quick.as_dicts(session, county, [report])[0]["can_verify"] is True
    quick.verify(session, county, report.id)
    assert report.status == "verified" and report.verified_by == "wz_operator"
    with pytest.raises(Conflict):
        quick.verify(session, actor(session, "admin"), report.id)


# --- input ---------------------------------------------------------------------------------


def test_bad_input_names_every_field(session: Session) -> None:
    with pytest.raises(ValidationFailed) as exc:
        send(
            session,
            "grid_user",
            dead=-1,
            injured="abc",
            trapped=1.5,
            missing=True,
            affected="12",
            lon=108.5,
            text="x" * (quick.MAX_TEXT + 1),
            at=(T0 + 2 * H).isoformat(),
        )
    assert fields(exc) == {"dead", "injured", "trapped", "missing", "lat", "text", "at"}
    assert "dead" in next(d for d in exc.value.details if d["field"] == "dead")["reason"]

    with pytest.raises(ValidationFailed) as exc:
        send(session, "twp_operator", region_code="no-such-place")
    assert fields(exc) == {"region_code"}
    with pytest.raises(ValidationFailed) as exc:
        send(session, "wz_operator")  # neither place nor position, and a county is none
    assert fields(exc) == {"region_code"}
    with pytest.raises(ValidationFailed) as exc:
        send(session, "twp_operator", region_code=places(session).village.code, incident_id=999999)
    assert fields(exc) == {"incident_id"}
    assert session.scalar(select(QuickReport.id)) is None


def test_a_county_or_city_is_not_a_place(session: Session) -> None:
    p = places(session)
    with pytest.raises(ValidationFailed) as exc:
        send(session, "wz_operator", region_code=p.county.code, dead=1)
    assert fields(exc) == {"region_code"}


def test_an_integral_number_in_any_form_is_a_figure(session: Session) -> None:
    report = send(session, "grid_user", dead="2", missing=3.0, injured=" 4 ", trapped="")
    assert (report.dead, report.missing, report.injured, report.trapped) == (2, 3, 4, 0)


def test_position_checks_and_derives_the_place(session: Session) -> None:
    p = places(session)
    lon, lat = inside(p.village2)
    with pytest.raises(ValidationFailed) as exc:
        send(session, "twp_operator", region_code=p.village.code, lon=lon, lat=lat)
    assert fields(exc) == {"lon"}
    at_village2 = send(session, "twp_operator", region_code=p.village2.code, lon=lon, lat=lat)
    assert (at_village2.lon, at_village2.lat) == (lon, lat)

    # only a position: the grid member's own grid, the township for a township or county user
    g_lon, g_lat = inside(p.grid)
    assert send(session, "grid_user", lon=g_lon, lat=g_lat).region_id == p.grid.id
    assert send(session, "twp_operator", lon=lon, lat=lat).region_id == p.township.id
    assert send(session, "wz_operator", lon=lon, lat=lat).region_id == p.township.id
    o_lon, o_lat = inside(p.other_village)
    with pytest.raises(ValidationFailed) as exc:
        send(session, "twp_operator", lon=o_lon, lat=o_lat)
    assert fields(exc) == {"lon"}
    with pytest.raises(ValidationFailed) as exc:
        send(session, "twp_operator", lon=10.0, lat=10.0)  # in no region at all
    assert fields(exc) == {"lon"}


def test_a_late_report_keeps_the_time_it_was_observed(session: Session) -> None:
    seen = T0 - 3 * H
    report = send(session, "grid_user", T0, at=seen.isoformat(), dead=1)
    assert report.at == seen


# --- incidents, timeline, photos -----------------------------------------------------------


def test_linked_reports_write_the_incident_timeline(session: Session) -> None:
    p = places(session)
    event = incident(session, p.township)
    report = send(session, "grid_user", incident_id=event.id, dead=2, trapped=3)
    (sent,) = timeline.events(session, event.id, kinds=["quick_report"])
    assert sent.data["quick_report_id"] == report.id and sent.data["figures"]["trapped"] == 3
    assert "死亡 2" in sent.text and sent.by == "grid_user"
    quick.verify(session, actor(session, "twp_operator"), report.id, now=T0 + H)
    events = timeline.events(session, event.id, kinds=["quick_report"])
    assert [e.data["status"] for e in events] == ["submitted", "verified"]
    assert "核实" in events[1].text and events[1].by == "twp_operator"

    unlinked = send(session, "grid_user", dead=1)
    quick.verify(session, actor(session, "twp_operator"), unlinked.id)
    assert len(timeline.events(session, event.id)) == 2


def test_which_incidents_a_report_may_name(session: Session) -> None:
    p = places(session)
    own = incident(session, p.township, code="T-OWN")  # above the grid member: still theirs
    other = incident(session, p.other_township, code="T-OTHER")
    closed = incident(session, p.township, code="T-CLOSED", status="closed")
    grid = actor(session, "grid_user")
    assert {i.id for i in quick.incident_choices(session, grid)} == {own.id}
    assert send(session, "grid_user", incident_id=own.id).incident_id == own.id
    for bad in (other.id, closed.id):
        with pytest.raises(ValidationFailed) as exc:
            send(session, "grid_user", incident_id=bad)
        assert fields(exc) == {"incident_id"}


def test_photos_are_kept_with_the_report(session: Session) -> None:
    p = places(session)
    lon, lat = inside(p.grid)
    photos = [quick.Photo("a.png", png("red")), quick.Photo("b.png", png("blue"))]
    report = quick.submit(
        session, actor(session, "grid_user"), {"lon": lon, "lat": lat, "dead": 1}, photos, now=T0
    )
    kept = session.scalars(
        select(Attachment).where(
            Attachment.owner_kind == "quick_report", Attachment.owner_id == report.id
        )
    ).all()
    assert sorted(a.filename for a in kept) == ["a.png", "b.png"]
    assert all(a.content_type == "image/png" and a.lon == lon for a in kept)
    with pytest.raises(ValidationFailed) as exc:
        quick.submit(
            session,
            actor(session, "grid_user"),
            {"dead": 1, "region_code": p.grid.code},
            [quick.Photo("notes.txt", b"not a picture")],
        )
    assert fields(exc) == {"photos"}
    with pytest.raises(ValidationFailed) as exc:
        quick.submit(
            session,
            actor(session, "grid_user"),
            {"region_code": p.grid.code},
            [quick.Photo(f"{i}.png", png()) for i in range(quick.MAX_PHOTOS + 1)],
        )
    assert fields(exc) == {"photos"}


# --- API -----------------------------------------------------------------------------------


def test_api_sends_lists_verifies_and_adds_up(api, engine: Engine) -> None:
    from yingji.db import session_factory

    with session_factory(engine)() as s:
        p = places(s)
        g_lon, g_lat = inside(p.grid)
    grid, twp, twp2 = api("grid_user"), api("twp_operator"), api("twp2_operator")

    reply = grid.post(
        "/api/v1/quick-reports",
        data={
            "lon": str(g_lon),
            "lat": str(g_lat),
            "dead": "1",
            "injured": "2",
            "text": "山体滑坡",
        },
        files=[
            ("photos", ("p.png", png(), "image/png")),
            ("photos", ("q.png", png("blue"), "image/png")),
        ],
    )
    assert reply.status_code == 201, reply.text
    sent = reply.json()
    assert sent["region_code"] == p.grid.code and sent["status"] == "submitted"
    assert len(sent["photos"]) == 2 and sent["can_verify"] is False
    photo_url = sent["photos"][0]["url"]
    assert twp.get(photo_url).status_code == 200
    assert twp2.get(photo_url).status_code == 404

    reply = twp.post(
        "/api/v1/quick-reports", json={"region_code": p.grid.code, "dead": 3, "injured": 2}
    )
    assert reply.status_code == 201, reply.text
    second = reply.json()

    bad = grid.post("/api/v1/quick-reports", json={"region_code": p.grid.code, "dead": -2})
    assert bad.status_code == 422
    assert [d["field"] for d in bad.json()["error"]["details"]] == ["dead"]
    assert grid.post("/api/v1/quick-reports", json=[1]).status_code == 422
    assert api("viewer").post("/api/v1/quick-reports", json={"dead": 1}).status_code == 403

    listed = twp.get("/api/v1/quick-reports", params={"status": "submitted"}).json()
    assert {r["id"] for r in listed["items"]} == {sent["id"], second["id"]}
    assert twp2.get("/api/v1/quick-reports").json()["total"] == 0
    assert twp.get("/api/v1/quick-reports", params={"status": "nonsense"}).status_code == 422

    conflicts = twp.get("/api/v1/quick-reports/conflicts").json()
    assert [c["fields"][0]["field"] for c in conflicts["items"]] == ["dead"]
    assert conflicts["window_hours"] == 6

    own = twp.post(f"/api/v1/quick-reports/{second['id']}/verify")
    assert own.status_code == 403
    assert twp2.post(f"/api/v1/quick-reports/{sent['id']}/verify").status_code == 404
    verified = twp.post(f"/api/v1/quick-reports/{sent['id']}/verify", json={"note": "已电话核实"})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    no_reason = api("wz_operator").post(f"/api/v1/quick-reports/{second['id']}/reject", json={})
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["details"][0]["field"] == "note"

    totals = api("wz_operator").get("/api/v1/quick-reports/totals").json()
    assert totals["verified"]["dead"] == 1 and totals["unverified"]["dead"] == 3
    assert totals["verified_places"] == 1 and totals["unverified_places"] == 1
    by_township = (
        api("wz_operator")
        .get("/api/v1/quick-reports/totals", params={"under": p.township.code})
        .json()
    )
    assert by_township["region"]["code"] == p.township.code
    assert (
        twp2.get("/api/v1/quick-reports/totals", params={"under": p.township.code}).status_code
        == 404
    )
    assert twp.get(f"/api/v1/quick-reports/{sent['id']}").json()["note"] == "已电话核实"
    assert twp2.get(f"/api/v1/quick-reports/{sent['id']}").status_code == 404


# --- CLI -----------------------------------------------------------------------------------


@pytest.fixture
def quick_cli(engine: Engine, monkeypatch: pytest.MonkeyPatch):
    """Run the ``quick`` sub-app against the per-test database (as ``yingji incidents
    quick ...`` would)."""
    from typer.testing import CliRunner

    from yingji.db import get_engine
    from yingji.incidents.quick_cli import app

    monkeypatch.setenv("YINGJI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_cli_lists_adds_up_and_verifies(quick_cli, engine: Engine) -> None:
    from yingji.db import session_factory

    with session_factory(engine)() as s:
        p = places(s)
        a = send(s, "grid_user", T0, dead=1)
        b = send(s, "twp_operator", T0 + H, region_code=p.grid.code, dead=4)
        s.commit()
        a_id, b_id = a.id, b.id

    listed = quick_cli("list", "--as-user", "twp_operator")
    assert listed.exit_code == 0, listed.output
    assert "共 2 条" in listed.output and "第1网格" in listed.output

    conflicts = quick_cli("conflicts", "--as-user", "wz_operator")
    assert conflicts.exit_code == 0 and "死亡 1→4" in conflicts.output

    own = quick_cli("verify", str(b_id), "--as-user", "twp_operator")
    assert own.exit_code == 1 and "本人" in own.output
    refused = quick_cli("verify", str(a_id), "--as-user", "twp_operator", "--reject")
    assert refused.exit_code == 1 and "note" in refused.output
    ok = quick_cli("verify", str(a_id), "--as-user", "twp_operator")
    assert ok.exit_code == 0 and "已核实" in ok.output

    totals = quick_cli("totals", "--as-user", "wz_operator")
    assert totals.exit_code == 0, totals.output
    line = next(x for x in totals.output.splitlines() if x.startswith(p.township.name))
    assert line.split("\t")[1:3] == ["1", "1 0 0 0 0 0 0 0"]
    assert (
        quick_cli("list", "--as-user", "twp2_operator")
        .output.strip()
        .endswith("共 0 条 / 0 reports")
    )
