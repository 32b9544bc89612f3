"""The HTTP endpoints and the ``yingji import`` / ``yingji export`` commands."""

from __future__ import annotations

from pathlib import Path

from io_samples import SAMPLES, plain_csv, sample

CSV = "text/csv"


def _upload(client, kind: str, data: bytes, name: str, **params):
    return client.post(
        f"/api/v1/io/import/{kind}", params=params, files={"file": (name, data, CSV)}
    )


def test_api_import_dry_run_then_real_then_unchanged(api) -> None:
    client = api("wz_operator")
    data, name = sample("organisations")
    reply = _upload(client, "organisations", data, name, dry_run="true")
    assert reply.status_code == 200, reply.text
    assert reply.json()["dry_run"] is True and reply.json()["created"] == 3
    reply = _upload(client, "organisations", data, name)
    assert reply.json()["created"] == 3 and reply.json()["dry_run"] is False
    reply = _upload(client, "organisations", data, name)
    assert (reply.json()["created"], reply.json()["unchanged"]) == (0, 3)


def test_api_rejects_a_bad_file_with_every_row(api) -> None:
    header, rows = SAMPLES["persons"]
    bad = [rows[0], ["坏号码", "12345", "", "", "500101", "", "", "", ""], rows[0]]
    reply = _upload(api("wz_operator"), "persons", plain_csv(header, bad), "p.csv")
    assert reply.status_code == 422
    error = reply.json()["error"]
    assert error["code"] == "validation_failed" and "共 4 处错误" in error["message"]
    assert {(d["row"], d["field"]) for d in error["details"]} == {
        (2, "organisation_code"),  # the sample's organisation was never imported
        (3, "mobile"),
        (4, "mobile"),
        (4, "organisation_code"),
    }


def test_api_permissions_and_unknown_kinds(api) -> None:
    data, name = sample("organisations")
    assert _upload(api("viewer"), "organisations", data, name).status_code == 403
    assert _upload(api("admin"), "hazards", data, name).status_code == 404
    assert api("admin").get("/api/v1/io/export/hazards").status_code == 404
    assert api("admin").get("/api/v1/io/export/persons?under=999999").status_code == 404
    assert api("admin").get("/api/v1/io/export/persons?format=pdf").status_code == 422
    assert api.anonymous().get("/api/v1/io/template/persons").status_code == 401


def test_api_export_and_template_downloads(api) -> None:
    client = api("wz_operator")
    reply = client.get("/api/v1/io/export/persons", params={"format": "csv", "under": "500101001"})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/csv")
    disposition = reply.headers["content-disposition"]
    assert (
        disposition.startswith('attachment; filename="persons-export-') and "UTF-8''" in disposition
    )
    again = _upload(client, "persons", reply.content, "persons.csv")
    assert again.json()["created"] == again.json()["updated"] == 0

    reply = client.get("/api/v1/io/export/assignments")  # xlsx by default
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    again = client.post(
        "/api/v1/io/import/assignments",
        files={"file": ("a.xlsx", reply.content, "application/octet-stream")},
    )
    assert again.status_code == 200 and again.json()["updated"] == 0

    for fmt in ("csv", "xlsx"):
        reply = client.get("/api/v1/io/template/regions", params={"format": fmt})
        assert reply.status_code == 200 and f'.{fmt}"' in reply.headers["content-disposition"]
    reply = _upload(client, "regions", client.get("/api/v1/io/template/regions").content, "t.xlsx")
    assert reply.status_code == 200 and reply.json()["created"] == 1


def test_cli_import_dry_run_errors_and_export(cli, tmp_path: Path) -> None:
    orgs = tmp_path / "orgs.csv"
    orgs.write_bytes(sample("organisations")[0])
    result = cli("import", "organisations", str(orgs), "--as-user", "wz_operator", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "校验通过" in result.output and "新增 3" in result.output
    result = cli("import", "organisations", str(orgs), "--as-user", "wz_operator")
    assert result.exit_code == 0 and "导入完成" in result.output and "新增 3" in result.output

    header, rows = SAMPLES["persons"]
    bad = tmp_path / "persons.csv"
    bad.write_bytes(plain_csv(header, [rows[0], ["", "12345", "", "", "500103", "", "", "", ""]]))
    result = cli("import", "persons", str(bad), "--as-user", "wz_operator")
    assert result.exit_code == 1
    assert "导入失败，共 3 处错误" in result.output
    assert "第 3 行 [手机号]:" in result.output and "第 3 行 [姓名]: 必填" in result.output
    assert "第 3 行 [所属区划编码]:" in result.output

    result = cli("import", "persons", str(bad), "--as-user", "nobody")
    assert result.exit_code == 1 and "nobody" in result.output

    out = tmp_path / "orgs.xlsx"
    result = cli("export", "organisations", str(out), "--under", "500101")
    assert result.exit_code == 0, result.output
    result = cli("import", "organisations", str(out))
    assert result.exit_code == 0 and "新增 0，更新 0" in result.output
    assert cli("export", "organisations", str(tmp_path / "x.pdf")).exit_code == 1
