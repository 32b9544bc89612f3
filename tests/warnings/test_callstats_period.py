"""Call-response statistics over a period and region: figures, breakdown, XLSX, CLI, page,
scope refusals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from board_scenario import COUNTY, T1, T2, build
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji import clock
from yingji.auth.models import User
from yingji.auth.scope import system_actor
from yingji.auth.service import actor_for
from yingji.db import utcnow
from yingji.errors import PermissionDenied
from yingji.warnings import callstats


def _days(s) -> tuple[dt.date, dt.date]:
    """A period holding the scenario's instructions and its warning (sent now)."""
    return clock.today(s.start) - dt.timedelta(days=1), clock.today(utcnow())


def test_figures_over_the_period(session: Session) -> None:
    s = build(session)
    start, end = _days(s)
    data = callstats.stats(session, system_actor(), start=start, end=end, under=COUNTY)
    f = data["figures"]
    assert data["region"]["code"] == COUNTY
    assert data["warnings"]["total"] == 1
    assert {r["level"]: r["count"] for r in data["warnings"]["by_level"]}[2] == 1
    assert (f["instructions"], f["targeted"], f["escalation_instructions"]) == (9, 8, 1)
    assert (f["person_times"], f["deliveries_failed"]) == (2, 1)
    assert f["confirm_rate"] == pytest.approx(2 / 7, abs=1e-4)
    assert f["delivery_rate"] == pytest.approx(4 / 6, abs=1e-4)
    assert f["median_confirm_seconds"] == pytest.approx(180, abs=1)
    assert (f["escalated"], f["unanswered"]) == (1, 2)
    assert data["region_level"] == 4
    regions = {r["code"]: r for r in data["by_region"]}
    assert (regions[T1]["targeted"], regions[T2]["targeted"], regions[COUNTY]["targeted"]) == (
        4,
        3,
        1,
    )


def test_other_periods_and_regions_count_nothing(session: Session) -> None:
    build(session)
    old = callstats.stats(
        session, system_actor(), start=dt.date(2020, 1, 1), end=dt.date(2020, 1, 31)
    )
    assert old["figures"]["instructions"] == 0 and old["warnings"]["total"] == 0
    assert old["figures"]["confirm_rate"] is None
    s_start, s_end = clock.today() - dt.timedelta(days=2), clock.today()
    elsewhere = callstats.stats(session, system_actor(), start=s_start, end=s_end, under="500102")
    assert elsewhere["figures"]["instructions"] == 0
    township = callstats.stats(session, system_actor(), start=s_start, end=s_end, under=T1)
    assert township["figures"]["targeted"] == 4
    assert township["region_level"] == 5  # villages under a township


def test_scope_refusal(session: Session) -> None:
    build(session)
    user = session.scalar(select(User).where(User.username == "twp_operator"))
    actor = actor_for(session, user)
    with pytest.raises(PermissionDenied):
        callstats.stats(session, actor, under=T2)
    own = callstats.stats(session, actor, start=clock.today() - dt.timedelta(days=2))
    assert own["region"]["code"] == T1 and own["figures"]["targeted"] == 4


def test_api_xlsx_has_the_numbers(session: Session, api) -> None:
    s = build(session)
    start, end = _days(s)
    params = {"start": start.isoformat(), "end": end.isoformat(), "under": COUNTY}
    body = api("cq_operator").get("/api/v1/callresponse/stats", params=params).json()
    assert body["figures"]["targeted"] == 8
    reply = api("cq_operator").get("/api/v1/callresponse/stats.xlsx", params=params)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(reply.content))
    assert wb.sheetnames == ["汇总", "按预警等级", "按区划"]
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert summary["通知人数（首轮指令）"] == 8
    assert summary["已确认"] == 2
    assert summary["发送人次"] == 2
    assert summary["确认率（叫应率）"] == pytest.approx(2 / 7, abs=1e-4)
    regions = {r[0]: r for r in wb["按区划"].iter_rows(min_row=2, values_only=True)}
    assert regions[T1][2] == 4  # 通知人数
    assert regions[T2][2] == 3
    refused = api("twp_operator").get("/api/v1/callresponse/stats", params={"under": T2})
    assert refused.status_code == 403


def test_cli_stats_and_xlsx(session: Session, cli, tmp_path) -> None:
    s = build(session)
    start, end = _days(s)
    args = ["warnings", "stats", "--start", start.isoformat(), "--end", end.isoformat()]
    result = cli(*args, "--under", COUNTY)
    assert result.exit_code == 0, result.output
    assert "通知人数 / targeted" in result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("通知人数"))
    assert line.split()[-1] == "8"
    out = tmp_path / "stats.xlsx"
    result = cli(*args, "--under", COUNTY, "--xlsx", str(out))
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb["按区划"].max_row == 4  # header + county + two townships
    refused = cli(*args, "--under", T2, "--as-user", "twp_operator")
    assert refused.exit_code != 0


def test_stats_page_renders(session: Session, pages) -> None:
    s = build(session)
    start, end = _days(s)
    page = pages("cq_operator").get(
        "/callresponse/stats",
        params={"start": start.isoformat(), "end": end.isoformat(), "under": COUNTY},
    )
    assert page.status_code == 200
    assert 'data-testid="callstats-kpis"' in page.text
    assert "中和街道" in page.text
    assert "/api/v1/callresponse/stats.xlsx?" in page.text
    bad = pages("twp_operator").get("/callresponse/stats", params={"under": T2})
    assert bad.status_code == 403
