"""Trace-back report (JSON, PDF, page) and the flag queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from yingji import clock
from yingji.auth.models import User
from yingji.auth.service import actor_for
from yingji.db import session_factory, utcnow
from yingji.enterprises.models import Enterprise
from yingji.fonts import missing_glyphs
from yingji.hazards import service
from yingji.traceback import flags, pdf
from yingji.traceback import service as traceback

DAY = dt.timedelta(days=1)


def _ent_and_actor(session: Any, username: str = "cq_operator") -> tuple[Enterprise, Any]:
    users = {u.username: u for u in session.scalars(select(User))}
    enterprise = session.scalar(
        select(Enterprise).where(Enterprise.organisation_id == users["ent_user"].organisation_id)
    )
    return enterprise, actor_for(session, users[username])


def _late_hazard(session: Any, actor: Any, enterprise: Enterprise, **extra: Any) -> int:
    """Found 40 days ago, assigned with the default 15-day deadline: 25 days overdue."""
    found = utcnow() - 40 * DAY
    hazard = service.report(
        session,
        actor,
        {"title": "防爆电气失效", "enterprise_id": enterprise.id, **extra},
        now=found,
    )
    service.act(session, actor, hazard.id, "confirm", {"grade": "general"}, now=found)
    owner = {"owner_person_id": enterprise.safety_manager_id or enterprise.principal_id}
    service.act(session, actor, hazard.id, "assign", owner, now=found)
    return hazard.id


def test_report_collects_hazards_steps_and_missed_deadlines(engine: Engine) -> None:
    with session_factory(engine)() as s:
        enterprise, actor = _ent_and_actor(s)
        hazard_id = _late_hazard(s, actor, enterprise)
        today = clock.today()
        report = traceback.build(s, actor, "enterprise", enterprise.id, today - 60 * DAY, today)
        trace = next(h for h in report.hazards if h.id == hazard_id)
        assert trace.missed_deadline and trace.days_late in (24, 25, 26)
        assert [step.action for step in trace.steps] == ["上报", "确认定级", "交办"]
        assert trace.owner and trace.found_by == "cq_operator"
        assert report.summary["hazards"] == len(report.hazards)
        assert report.summary["missed_deadlines"] >= 1
        roles = {r.role for r in report.responsible}
        assert {"主要负责人", "安全管理负责人"} <= roles
        document = pdf.render(report)
        assert document.startswith(b"%PDF") and b"NotoSansCJK" in document
        text = str(report.as_dict())
        assert missing_glyphs(text) == set()


def test_window_and_scope_errors(api: Any, demo: dict[str, Any]) -> None:
    ent = demo["enterprise_id"]
    bad = api("cq_operator").get(
        f"/api/v1/traceback?enterprise_id={ent}&from=2026-05-01&to=2026-01-01"
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "to"
    both = api("cq_operator").get(f"/api/v1/traceback?enterprise_id={ent}&risk_point_id=1")
    assert both.status_code == 422
    assert api("twp2_operator").get(f"/api/v1/traceback?enterprise_id={ent}").status_code in (
        200,
        404,
    )
    reply = api("cq_operator").get(f"/api/v1/traceback?enterprise_id={ent}&format=pdf")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/pdf"


def test_flags_overdue_false_closure_and_unreported_major(engine: Engine) -> None:
    with session_factory(engine)() as s:
        enterprise, actor = _ent_and_actor(s)
        verifier = _ent_and_actor(s, "admin")[1]
        late = _late_hazard(s, actor, enterprise)
        assert late in {r["hazard_id"] for r in flags.overdue(s, actor)}

        first_found = utcnow() - 30 * DAY
        first = service.report(
            s,
            actor,
            {"title": "报警器失效", "enterprise_id": enterprise.id, "checklist_item_id": 7},
            now=first_found,
        )
        owner = {"owner_person_id": enterprise.principal_id}
        for step, data, who in (
            ("confirm", {"grade": "general"}, actor),
            ("assign", owner, actor),
            ("start", {}, actor),
            ("submit", {}, actor),
            ("verify", {}, verifier),
        ):
            service.act(s, who, first.id, step, data, now=first_found + DAY)
        again = service.report(
            s,
            actor,
            {"title": "报警器再次失效", "enterprise_id": enterprise.id, "checklist_item_id": 7},
            now=first_found + 11 * DAY,
        )
        hits = flags.false_closures(s, actor, days=30)
        assert [(h["hazard_id"], h["earlier_hazard_id"]) for h in hits] == [(again.id, first.id)]
        assert hits[0]["days_after_verification"] == 10
        assert flags.false_closures(s, actor, days=5) == []

        major = service.report(
            s, actor, {"title": "储罐区无紧急切断", "enterprise_id": enterprise.id}
        )
        two_days_ago = utcnow() - 2 * DAY
        criterion = {"grade": "major", "criterion": "安监总管三〔2017〕121号 第5项"}
        service.act(s, actor, major.id, "confirm", criterion, now=two_days_ago)
        unreported = {r["hazard_id"] for r in flags.major_not_reported(s, actor)}
        assert major.id in unreported
        s.get_one(type(major), major.id).reported_up_at = utcnow()
        s.flush()
        assert major.id not in {r["hazard_id"] for r in flags.major_not_reported(s, actor)}


def test_flags_api_and_pages(api: Any, demo: dict[str, Any]) -> None:
    admin = api("admin")
    for flag in flags.Flag:
        reply = admin.get(f"/api/v1/hazard-flags/{flag}?under=500000")
        assert reply.status_code == 200, reply.text
    unknown = admin.get("/api/v1/hazard-flags/nonsense")
    assert unknown.status_code == 422 and unknown.json()["error"]["details"][0]["field"] == "flag"


def test_pages_render_report_and_flags(pages: Any, demo: dict[str, Any]) -> None:
    client = pages("cq_operator")
    page = client.get(f"/traceback?enterprise_id={demo['enterprise_id']}")
    assert page.status_code == 200 and 'data-testid="traceback-report"' in page.text
    assert "format=pdf" in page.text
    assert client.get("/traceback").status_code == 200
    flagged = client.get("/hazard-flags?flag=overdue")
    assert flagged.status_code == 200 and 'data-testid="flag-table"' in flagged.text


def test_cli_report_pdf_and_flags(cli: Any, demo: dict[str, Any], tmp_path: Any) -> None:
    target = tmp_path / "trace.pdf"
    ent = str(demo["enterprise_id"])
    done = cli("traceback", "report", "--enterprise", ent, "--pdf", str(target))
    assert done.exit_code == 0, done.output
    assert target.read_bytes().startswith(b"%PDF")
    shown = cli("traceback", "report", "--enterprise", ent, "--from", "2026-13-01")
    assert shown.exit_code == 1 and "YYYY-MM-DD" in shown.output
    flagged = cli("traceback", "flags", "overdue", "--under", "500000")
    assert flagged.exit_code == 0, flagged.output
