"""``yingji incidents``: take an incident in from a file, list and show it with its
deadlines, record a report, declare and end a level, the desk and a handover, close it;
bad input exits 1 with the reason."""

from __future__ import annotations

import json

from incident_helpers import WANZHOU

LON, LAT = WANZHOU
AS = ("--as-user", "cq_operator")


def test_an_incident_from_intake_to_closing(cli, tmp_path) -> None:
    data = {"title": "某煤矿透水", "type_code": "mine", "lon": LON, "lat": LAT, "dead": 3}
    source = tmp_path / "incident.json"
    source.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    made = cli("incidents", "create", str(source), *AS)
    assert made.exit_code == 0, made.output
    iid, code, grade = made.output.strip().split("\t")
    assert code.startswith("SJ-") and grade == "较大"
    listed = cli("incidents", "list", "--open", *AS)
    assert code in listed.output and "某煤矿透水" in listed.output
    reported = cli("incidents", "report", iid, "--kind", "first", "--to-level", "3", *AS)
    assert reported.exit_code == 0, reported.output
    shown = cli("incidents", "show", iid, *AS)
    assert "报送 县级\tfirst" in shown.output and "已报" in shown.output
    assert "报送 省级" in shown.output  # 较大: up to the province
    level = cli("incidents", "level", iid, "4", "--reason", "启动响应", *AS)
    assert level.exit_code == 0 and "任务" in level.output
    assert "Ⅳ级" in cli("incidents", "show", iid, *AS).output
    desk = cli("incidents", "desk", *AS)
    assert code in desk.output and "超时未报" in desk.output
    handed = cli("incidents", "handover", "--text", "注意续报", "--to", "李四", *AS)
    assert handed.exit_code == 0 and "在办事件" in handed.output and "注意续报" in handed.output
    closed = cli("incidents", "close", iid, "--summary", "处置完毕", *AS)
    assert closed.exit_code == 0
    assert code not in cli("incidents", "list", "--open", *AS).output


def test_bad_input_is_named(cli, tmp_path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{", "utf-8")
    assert cli("incidents", "create", str(broken), *AS).exit_code == 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"title": "x", "type_code": "meteor", "lon": 1, "lat": 1}), "utf-8")
    refused = cli("incidents", "create", str(bad), *AS)
    assert refused.exit_code == 1 and "meteor" in refused.output
    assert cli("incidents", "level", "1", "high", *AS).exit_code == 1
    assert cli("incidents", "show", "999999", *AS).exit_code == 1
