"""CAP 1.2 parsing, export and the checks beyond the schema (pure, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cap_samples import RAINSTORM, rainstorm

from yingji.errors import ValidationFailed
from yingji.warnings import GEOCODE_REGION, CapAlert, CapArea, CapInfo, parse, to_xml

CST = timezone(timedelta(hours=8))


def problems(data: bytes) -> list[dict[str, str]]:
    with pytest.raises(ValidationFailed) as info:
        parse(data)
    return info.value.details


def fields(data: bytes) -> list[str]:
    return [p["field"] for p in problems(data)]


def test_rainstorm_warning_parses() -> None:
    alert = parse(RAINSTORM.encode())
    assert alert.identifier == "CQ-MET-20260712-0601-RS-ORANGE"
    assert alert.sent == datetime(2026, 7, 12, 6, tzinfo=CST)
    assert (alert.status, alert.msg_type, alert.scope) == ("Actual", "Alert", "Public")
    [info] = alert.infos
    assert info.language == "zh-CN"
    assert info.categories == ["Met"]
    assert (info.event, info.urgency, info.severity, info.certainty) == (
        "暴雨",
        "Expected",
        "Severe",
        "Likely",
    )
    assert info.expires == datetime(2026, 7, 13, 8, tzinfo=CST)
    assert info.sender_name == "重庆市气象台"
    assert info.parameters == [("预警等级", "橙色")]
    [area] = info.areas
    # CAP writes lat,lon; Yingji holds (lon, lat).
    assert area.polygons[0][0] == (108.20, 30.95)
    assert area.polygons[0][1] == (108.20, 31.30)
    assert area.circles == [(108.4086, 30.8077, 25.5)]
    assert area.region_codes == ["500101", "500154"]


def test_round_trip() -> None:
    alert = parse(RAINSTORM.encode())
    xml = to_xml(alert)
    assert b'xmlns="urn:oasis:names:tc:emergency:cap:1.2"' in xml
    assert b"<polygon>30.95,108.2 31.3,108.2" in xml
    assert parse(xml) == alert


def test_built_alert_exports_and_round_trips() -> None:
    sent = datetime(2026, 7, 12, 6, tzinfo=CST)
    alert = CapAlert(
        identifier="YJ-500101-0001",
        sender="yingji@wz.example.cn",
        sent=sent,
        status="Exercise",
        msg_type="Update",
        scope="Public",
        references=[("cqmet@cma.gov.cn", "CQ-MET-1", sent - timedelta(hours=2))],
        infos=[
            CapInfo(
                categories=["Geo", "Safety"],
                event="地质灾害",
                urgency="Immediate",
                severity="Extreme",
                certainty="Observed",
                expires=datetime(2026, 7, 12, 0, tzinfo=UTC),
                areas=[
                    CapArea(
                        area_desc="万州区",
                        circles=[(108.4, 30.8, 0.0)],
                        geocodes=[(GEOCODE_REGION, "500101")],
                    )
                ],
            )
        ],
    )
    assert parse(to_xml(alert)) == alert


def test_export_refuses_invalid_alert() -> None:
    alert = parse(RAINSTORM.encode())
    bad = replace(alert, msg_type="Cancel")
    with pytest.raises(ValidationFailed) as info:
        to_xml(bad)
    assert [p["field"] for p in info.value.details] == ["references"]


def test_billion_laughs_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "lol">'
        + "".join(
            f'<!ENTITY {c} "&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};">'
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + ']><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&i;</alert>'
    )
    with pytest.raises(ValidationFailed) as info:
        parse(bomb.encode())
    assert "DTD" in info.value.message
    assert "lollol" not in str(info.value.details)


def test_external_entity_is_refused_and_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-42")
    for target in ("file:///etc/passwd", secret.as_uri()):
        doc = (
            f'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "{target}">]>'
            '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier>'
            "</alert>"
        )
        with pytest.raises(ValidationFailed) as info:
            parse(doc.encode())
        text = info.value.message + str(info.value.details)
        assert "SECRET-MARKER" not in text and "root:" not in text
        assert info.value.details[0]["field"] == "document"


def test_plain_doctype_is_refused() -> None:
    doc = RAINSTORM.replace("<alert ", "<!DOCTYPE alert><alert ", 1).encode()
    assert fields(doc) == ["document"]


def test_malformed_xml_is_refused() -> None:
    assert fields(b"<alert><identifier>x</alert>") == ["document"]


def test_missing_identifier_names_the_element() -> None:
    found = problems(rainstorm({"<identifier>CQ-MET-20260712-0601-RS-ORANGE</identifier>": ""}))
    assert [p["field"] for p in found] == ["identifier"]
    assert "CAP 1.2" in found[0]["reason"]


def test_bad_msg_type_names_the_element() -> None:
    found = problems(rainstorm({"<msgType>Alert": "<msgType>Alarm"}))
    assert [p["field"] for p in found] == ["msgType"]
    assert "Alarm" in found[0]["reason"]


def test_missing_event_names_the_element() -> None:
    assert fields(rainstorm({"<event>暴雨</event>": ""})) == ["info[0].event"]


def test_unclosed_polygon() -> None:
    doc = rainstorm({"30.95,108.95 30.95,108.20</polygon>": "30.95,108.95</polygon>"})
    found = problems(doc)
    assert [p["field"] for p in found] == ["info[0].area[0].polygon[0]"]
    assert "closed" in found[0]["reason"]


def test_polygon_needs_four_points() -> None:
    doc = rainstorm(
        {"31.30,108.20 31.30,108.95 30.95,108.95 30.95,108.20": "31.30,108.20 30.95,108.20"}
    )
    found = problems(doc)
    assert [p["field"] for p in found] == ["info[0].area[0].polygon[0]"]
    assert "4" in found[0]["reason"]


def test_out_of_range_coordinate() -> None:
    doc = rainstorm({"31.30,108.20 31.30,108.95": "91.30,108.20 31.30,108.95"})
    found = problems(doc)
    assert [p["field"] for p in found] == ["info[0].area[0].polygon[0]"]
    assert "91.30,108.20" in found[0]["reason"]


def test_bad_circles() -> None:
    for circle in ("30.8077,108.4086 -1", "30.8077,190 5", "30.8077,108.4086", "abc 5"):
        doc = rainstorm({"30.8077,108.4086 25.5": circle})
        assert fields(doc) == ["info[0].area[0].circle[0]"], circle


def test_expires_before_sent() -> None:
    doc = rainstorm({"<expires>2026-07-13T08:00:00": "<expires>2026-07-12T05:00:00"})
    found = problems(doc)
    assert [p["field"] for p in found] == ["info[0].expires", "info[0].expires"]
    assert "sent" in found[0]["reason"] and "onset" in found[1]["reason"]


def test_update_without_references() -> None:
    found = problems(rainstorm({"<msgType>Alert": "<msgType>Update"}))
    assert [p["field"] for p in found] == ["references"]


def test_update_with_references_is_accepted() -> None:
    refs = "<references>cqmet@cma.gov.cn,CQ-MET-1,2026-07-12T04:00:00+08:00</references>"
    doc = rainstorm(
        {
            "<msgType>Alert</msgType>\n  <scope>Public</scope>": (
                f"<msgType>Update</msgType>\n  <scope>Public</scope>\n  {refs}"
            )
        }
    )
    alert = parse(doc)
    assert alert.references == [
        ("cqmet@cma.gov.cn", "CQ-MET-1", datetime(2026, 7, 12, 4, tzinfo=CST))
    ]


def test_malformed_references() -> None:
    refs = "<references>cqmet@cma.gov.cn,CQ-MET-1</references>"
    doc = rainstorm({"<scope>Public</scope>": f"<scope>Public</scope>{refs}"})
    assert fields(doc) == ["references"]


def test_all_problems_are_listed() -> None:
    doc = rainstorm(
        {
            "<msgType>Alert": "<msgType>Cancel",
            "<urgency>Expected": "<urgency>Soon",
            "<expires>2026-07-13T08:00:00": "<expires>2026-07-12T07:00:00",
            "30.95,108.95 30.95,108.20</polygon>": "30.95,108.95 30.95,200</polygon>",
            "30.8077,108.4086 25.5": "30.8077,108.4086 -3",
        }
    )
    assert sorted(fields(doc)) == sorted(
        [
            "info[0].urgency",
            "references",
            "info[0].expires",
            "info[0].area[0].polygon[0]",
            "info[0].area[0].circle[0]",
        ]
    )


def test_export_refuses_naive_datetime() -> None:
    alert = replace(parse(RAINSTORM.encode()), sent=datetime(2026, 7, 12, 6))
    with pytest.raises(ValidationFailed) as info:
        to_xml(alert)
    assert info.value.details[0]["field"] == "sent"


def test_oversized_document_is_refused() -> None:
    assert fields(b" " * (3 * 1024 * 1024) + RAINSTORM.encode()) == ["document"]
