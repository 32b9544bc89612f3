"""``yingji warnings``: ingest a CAP file, list it, export it again, and refuse bad files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cap_samples import RAINSTORM, rainstorm

from yingji.warnings import parse

SAMPLE_ID = "CQ-MET-20260712-0601-RS-ORANGE"


def test_ingest_list_export_round_trip(cli: Any, tmp_path: Path) -> None:
    source = tmp_path / "rain.xml"
    source.write_text(RAINSTORM, encoding="utf-8")
    done = cli("warnings", "ingest", str(source), "--as-user", "cq_operator")
    assert done.exit_code == 0, done.output
    warning_id = done.output.split("\t")[0]
    listed = cli("warnings", "list", "--under", "500101")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert any(line.startswith(f"{warning_id}\t") and "橙色" in line for line in lines)
    assert "暴雨" in listed.output and lines[-1].startswith("共 ")
    # the sample expired in 2026-07: it is not in force now
    active = cli("warnings", "list", "--active")
    assert active.exit_code == 0 and f"{warning_id}\t" not in active.output
    out = tmp_path / "out.xml"
    exported = cli("warnings", "export", warning_id, str(out))
    assert exported.exit_code == 0, exported.output
    alert = parse(out.read_bytes())
    assert alert.identifier == SAMPLE_ID
    assert {"500101", "500154"} <= set(alert.infos[0].areas[0].region_codes)
    # the same message twice is refused, naming the field
    again = cli("warnings", "ingest", str(source))
    assert again.exit_code == 1 and "identifier" in again.output


def test_refused_file_prints_each_field(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(rainstorm({"<value>500154</value>": "<value>999999</value>"}))
    before = cli("warnings", "list").output
    refused = cli("warnings", "ingest", str(bad))
    assert refused.exit_code == 1
    assert "area.region_codes" in refused.output and "999999" in refused.output
    assert cli("warnings", "list").output == before
    assert "重庆市气象台发布暴雨橙色预警" not in before


def test_export_of_unknown_warning_fails(cli: Any, tmp_path: Path) -> None:
    missing = cli("warnings", "export", "999999", str(tmp_path / "x.xml"))
    assert missing.exit_code == 1 and "not found" in missing.output
    assert not (tmp_path / "x.xml").exists()
