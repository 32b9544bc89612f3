"""``yingji whistle list`` never prints a reporter; ``check-key`` notices a changed key."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.config import get_settings


def test_list_in_scope_without_identities(cli: Any) -> None:
    result = cli("whistle", "list", "--as-user", "twp_operator")
    assert result.exit_code == 0, result.output
    assert "JB" in result.output and "5 reports" in result.output
    assert "陈先生" not in result.output and "刘女士" not in result.output
    refused = cli("whistle", "list", "--as-user", "ent_user")
    assert refused.exit_code == 1


def test_check_key_fails_once_the_key_changes(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ok = cli("whistle", "check-key")
    assert ok.exit_code == 0, ok.output
    assert "2 open, 0 do not" in ok.output
    monkeypatch.setenv("YINGJI_WHISTLE_KEY", "a-new-key-nobody-migrated-to")
    get_settings.cache_clear()
    changed = cli("whistle", "check-key")
    assert changed.exit_code == 1 and "0 open, 2 do not" in changed.output
