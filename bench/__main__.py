"""``python -m bench`` lists benchmarks; ``python -m bench NAME`` runs one and prints its
figures as one JSON line; ``python -m bench all`` runs every one."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_"))


def run(name: str) -> dict:
    module = importlib.import_module(f"bench.{name}")
    started = time.perf_counter()
    figures = module.run()
    return {
        "bench": name,
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "wall_s": round(time.perf_counter() - started, 2),
        **figures,
    }


def main(argv: list[str]) -> int:
    if not argv:
        for name in names():
            doc = (importlib.import_module(f"bench.{name}").__doc__ or "").strip().splitlines()
            print(f"{name:28} {doc[0] if doc else ''}")
        return 0
    targets = names() if argv == ["all"] else argv
    unknown = [t for t in targets if t not in names()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names())}")
        return 2
    for name in targets:
        print(json.dumps(run(name), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
