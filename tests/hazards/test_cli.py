"""``yingji hazards`` list, show and act against the demo hazards."""

from __future__ import annotations

import json
from typing import Any


def test_list_show_and_step(cli: Any) -> None:
    listed = cli("hazards", "list", "--state", "reported")
    assert listed.exit_code == 0, listed.output
    code = listed.output.splitlines()[0].split("\t")[0]
    assert code.startswith("YH")
    shown = json.loads(cli("hazards", "show", code).output)
    assert shown["state"] == "reported" and shown["events"][0]["action"] == "report"
    refused = cli("hazards", "act", code, "close", "--as-user", "cq_operator")
    assert refused.exit_code == 1 and "confirm" in refused.output
    done = cli(
        "hazards",
        "act",
        code,
        "confirm",
        "--as-user",
        "cq_operator",
        "--data",
        '{"grade": "general"}',
    )
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"{code}: confirmed"
    overdue = cli("hazards", "list", "--under", "500101", "--overdue")
    assert overdue.exit_code == 0 and all(
        "逾期" in line for line in overdue.output.splitlines()[:-1]
    )
