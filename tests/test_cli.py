"""CLI contract: config masking, migration guard, user creation."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from yingji.cli import app
from yingji.config import get_settings
from yingji.db import get_engine


@pytest.fixture
def fresh_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("YINGJI_DATABASE_URL", url)
    monkeypatch.setenv("YINGJI_SECRET_KEY", "super-secret-value")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_config_show_masks_secrets(fresh_db: str, monkeypatch) -> None:
    monkeypatch.setenv("YINGJI_DATABASE_URL", "postgresql+psycopg://yj:pw123@db:5432/yingji")
    get_settings.cache_clear()
    out = CliRunner().invoke(app, ["config", "show"]).output
    assert "super-secret-value" not in out and "pw123" not in out
    assert "YINGJI_SECRET_KEY=********" in out and "yj:***@db" in out


def test_serve_refuses_unmigrated_database(fresh_db: str) -> None:
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "yingji db upgrade" in result.output


def test_upgrade_then_user_create(fresh_db: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    from yingji import migrate

    assert migrate.is_up_to_date(get_engine())
    result = runner.invoke(
        app,
        [
            "user",
            "create",
            "boss",
            "--role",
            "system_admin",
            "--region",
            "500000",
            "--password",
            "long-enough-pw",
        ],
    )
    assert result.exit_code == 1 and "500000" in result.output  # no regions loaded yet


def test_user_create_on_loaded_db(cli) -> None:
    result = cli(
        "user",
        "create",
        "boss",
        "--role",
        "operator",
        "--region",
        "500101",
        "--password",
        "long-enough-pw",
    )
    assert result.exit_code == 0, result.output
    assert (
        cli(
            "user",
            "create",
            "boss2",
            "--role",
            "wizard",
            "--region",
            "500101",
            "--password",
            "long-enough-pw",
        ).exit_code
        == 1
    )
