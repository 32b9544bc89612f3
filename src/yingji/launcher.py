"""The ``yingji`` command. ``yingji quake …`` loads only the earthquake commands, because
an assessment is wanted seconds after the shaking and the whole command tree (every
domain, the web app, PDF fonts) takes seconds to import; everything else loads the tree."""

from __future__ import annotations

import importlib
import sys

import typer

FAST = {"quake": "yingji.quake.cli"}
"""Command groups that start on their own, without the rest of the tree."""


def main() -> None:
    group = sys.argv[1] if len(sys.argv) > 1 else None
    if group in FAST:
        command = typer.main.get_command(importlib.import_module(FAST[group]).app)
        command.main(args=sys.argv[2:], prog_name=f"yingji {group}")
        return
    from yingji.cli import app

    app()
