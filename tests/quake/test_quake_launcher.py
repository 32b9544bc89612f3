"""``yingji quake …`` starts without the rest of the command tree."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from yingji import launcher


def test_quake_commands_run_through_the_launcher(monkeypatch, capsys):
    argv = ["yingji", "quake", "assess", "--lat", "35.70", "--lon", "102.79", "--mag", "6.2"]
    monkeypatch.setattr(sys, "argv", [*argv, "--format", "json"])
    with pytest.raises(SystemExit) as done:
        launcher.main()
    assert done.value.code == 0
    assert json.loads(capsys.readouterr().out)["max_intensity"] == 8


def test_the_quake_group_does_not_import_the_other_domains():
    probe = (
        "import sys\n"
        "sys.argv = ['yingji', 'quake', '--help']\n"
        "from yingji.launcher import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('yingji.cli', 'yingji.hazards.cli', 'fpdf') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
