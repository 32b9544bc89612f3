"""The statistics API: scope, rankings and the XLSX workbook, on both backends."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from .conftest import FIRST, LAST

WINDOW = {"from": FIRST.isoformat(), "to": LAST.isoformat()}


def test_defaults_to_own_subtree(api: Any, hazards: dict[int, int]) -> None:
    reply = api("wz_operator").get("/api/v1/stats/hazards", params=WINDOW)
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["region"]["code"] == "500101"
    assert data["summary"]["found"] == 5
    assert {r["key"] for r in data["by_region"]} >= {"500101001", "500101002", "_self"}


def test_out_of_scope_is_not_found(api: Any, hazards: dict[int, int]) -> None:
    twp = api("twp_operator")
    assert twp.get("/api/v1/stats/hazards", params={"under": "500101"}).status_code == 404
    assert twp.get("/api/v1/stats/hazards", params={"under": "500103001"}).status_code == 404
    assert twp.get("/api/v1/stats/hazards", params={"under": "999999"}).status_code == 404
    own = twp.get("/api/v1/stats/hazards", params={"under": "500101001", **WINDOW})
    assert own.status_code == 200 and own.json()["summary"]["found"] == 3
    ranking = twp.get("/api/v1/stats/hazards/ranking", params={"under": "500000"})
    assert ranking.status_code == 404
    assert api("ent_user").get("/api/v1/stats/hazards").status_code == 403


def test_bad_window_and_quarter(api: Any, hazards: dict[int, int]) -> None:
    admin = api("admin")
    reply = admin.get("/api/v1/stats/hazards", params={"from": "2026-11-01", "to": "2026-10-01"})
    assert reply.status_code == 422
    reply = admin.get("/api/v1/stats/hazards/ranking", params={"quarter": "2026Q5"})
    assert reply.status_code == 422


def test_region_ranking(api: Any, hazards: dict[int, int]) -> None:
    reply = api("wz_operator").get(
        "/api/v1/stats/hazards/ranking", params={"quarter": "2026Q4", "by": "region"}
    )
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert (data["quarter"], data["previous_quarter"]) == ("2026Q4", "2026Q3")
    rows = data["rows"]
    keys = [r["key"] for r in rows]
    # A found 3, closed 1 (rate 1/3); B found 1 (hazard 5), closed 0; others found nothing
    assert keys[:2] == ["500101001", "500101002"]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    by_key = {r["key"]: r for r in rows}
    assert by_key["500101001"]["rate"] == round(1 / 3, 4)
    # in 2026Q3 only B found anything (hazard 4, closed): B was first, A (overdue 1) last
    assert by_key["500101002"]["previous_rank"] == 1
    assert by_key["500101002"]["rank_change"] == -1
    assert by_key["500101001"]["previous_rank"] == len(rows)
    assert by_key["500101001"]["rank_change"] == len(rows) - 1


def test_department_ranking(api: Any, hazards: dict[int, int]) -> None:
    reply = api("admin").get(
        "/api/v1/stats/hazards/ranking",
        params={"quarter": "2026Q4", "by": "department", "under": "500000"},
    )
    assert reply.status_code == 200, reply.text
    rows = reply.json()["rows"]
    # 10: found 2 (1 closed) rate 0.5; 13: found 1, rate 0; 19: found nothing (6 dismissed)
    assert [r["key"] for r in rows][:2] == ["10", "13"]
    assert rows[0]["rate"] == 0.5 and rows[0]["name"] == "万州区应急管理局"
    assert all(r["key"] for r in rows)


def test_xlsx(api: Any, hazards: dict[int, int]) -> None:
    reply = api("cq_operator").get(
        "/api/v1/stats/hazards.xlsx", params={"under": "500101", **WINDOW}
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in reply.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(reply.content))
    assert wb.sheetnames == [
        "汇总",
        "按区划",
        "按行业",
        "按监管部门",
        "月度趋势",
        "区划排名",
        "部门排名",
    ]
    summary = {row[0]: row[1:] for row in wb["汇总"].iter_rows(values_only=True) if row[0]}
    assert summary["排查隐患数"][:3] == (5, 0, 1)  # pop: hazard 4 (8 is in 500103)
    assert summary["整改率"][0] == 0.2
    regions = list(wb["按区划"].iter_rows(values_only=True))
    assert regions[0][:3] == ("区划编码", "区划名称", "排查隐患数")
    township = next(r for r in regions if r[0] == "500101001")
    assert township[2] == 3
    industries = {r[0]: r for r in wb["按行业"].iter_rows(values_only=True)}
    assert industries["06"][1] == "煤炭开采和洗选业" and industries["06"][2] == 2
