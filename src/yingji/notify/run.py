"""Run the senders on their own: ``python -m yingji.notify.run [channel ...]``.

The same in-process senders ``yingji serve`` and ``yingji worker`` start, without the rest;
used by the crash-recovery test (killed with SIGKILL mid-dispatch) and handy on a machine
that only sends. Settings come from the environment (``YINGJI_DATABASE_URL``...)."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from yingji.db import get_engine
from yingji.notify.pool import SenderPool


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="发送进程 / outbox senders")
    parser.add_argument("channels", nargs="*", help="default: every configured channel")
    parser.add_argument("--interval", type=float, default=1.0, help="poll every N seconds")
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args(argv)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    pool = SenderPool(get_engine(), args.channels or None, args.interval, args.batch).start()
    print(f"senders {pool.name} started: {', '.join(pool.channels or [])}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        done.wait()
    pool.stop()


if __name__ == "__main__":
    main()
