"""What the browser tests share: Debian's chromium and its flags, the skip when it or
Playwright is missing, Yingji served by uvicorn on a free port in a background thread, and
a signed-in page that fails the test on any page error."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine

from yingji.demo.generate import DEMO_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


def need_browser() -> None:
    """Skip (saying why, also on the console) unless chromium and Playwright are here."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as exc:
            reason = f"playwright is not importable: {exc}"
    if reason:
        print(f"\nSKIP browser tests: {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(engine: Engine) -> Iterator[str]:
    """Yingji on ``engine`` at the returned base URL until the block ends."""
    import uvicorn

    from yingji.app import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(engine=engine), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Browsing:
    """The page a ``signed_in`` block drives and what went wrong in it so far; a test
    that provokes an error on purpose removes it from ``problems`` before the block ends."""

    page: Page
    problems: list[str] = field(default_factory=list)


@contextmanager
def signed_in(
    url: str,
    username: str | None = "cq_operator",
    *,
    viewport: tuple[int, int] = (1280, 900),
    console: bool = False,
    **context_options: Any,
) -> Iterator[Browsing]:
    """A fresh chromium page at ``url``, signed in as the demo user ``username`` (left
    signed out when None), in a ``viewport`` (width, height) context made with
    ``context_options`` (``is_mobile``, ``locale``, ``geolocation`` ...).

    Uncaught page errors, and with ``console`` also console errors such as failed
    requests, are collected; when the block ends without raising it asserts there were
    none, so no test forgets to. The browser is closed either way."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            width, height = viewport
            context = browser.new_context(
                viewport={"width": width, "height": height}, **context_options
            )
            context.set_default_timeout(TIMEOUT_MS)
            browsing = Browsing(context.new_page())
            browsing.page.on(
                "pageerror", lambda exc: browsing.problems.append(f"page error: {exc}")
            )
            if console:
                browsing.page.on(
                    "console",
                    lambda msg: (
                        browsing.problems.append(f"console error: {msg.text}")
                        if msg.type == "error"
                        else None
                    ),
                )
            if username is not None:
                _sign_in(browsing.page, url, username)
            yield browsing
        finally:
            browser.close()
    assert not browsing.problems, browsing.problems


def _sign_in(page: Page, url: str, username: str) -> None:
    """Through the login form, as a person would: signed out, ``/`` sends it there."""
    page.goto(url + "/")
    page.wait_for_url("**/login**")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(url + "/")
