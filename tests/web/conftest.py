"""Browser tests: the real app on a loopback port, driven by Playwright in Debian's Chromium.

Chromium comes from the system (``/usr/bin/chromium``, installed by ``.ci/run``), never
from Playwright's own download. Missing browser: a failure in CI (``CI=true``), a skip
elsewhere. Every page a test opens is watched: a request to any host but the app's own,
a JavaScript console error or an uncaught page error fails the test. Screenshots go to
``tests/web/output/`` (ignored by git).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

OUTPUT = Path(__file__).parent / "output"
CHROMIUM_ENV = "LONGJIANG_CHROMIUM"
LANGS = ("en", "zh", "ru")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def chromium_executable() -> str:
    """The system Chromium; fail in CI, skip elsewhere, when there is none."""
    for candidate in (os.environ.get(CHROMIUM_ENV), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    reason = ("no Chromium found (apt-get install chromium, or set LONGJIANG_CHROMIUM): "
              "the browser tests cannot run")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """The app served by uvicorn in a thread of the test process."""

    app: Any
    url: str
    ledger: Any
    tmp: Path
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``longjiang serve``'s app on a free port, with a fresh SQLite ledger holding the demo."""
    import uvicorn

    from longjiang.api.app import create_app
    from longjiang.ledger.demo import run_demo
    from longjiang.ledger.service import Ledger

    tmp = tmp_path_factory.mktemp("web")
    ledger = Ledger.open(f"sqlite:///{tmp / 'ledger.db'}")
    ledger.init()
    demo = run_demo(ledger, keys_dir=tmp / "keys")
    app = create_app()
    app.state.ledger = ledger
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield LiveServer(app=app, url=f"http://127.0.0.1:{port}", ledger=ledger, tmp=tmp,
                     extra={"demo": demo})
    server.should_exit = True
    thread.join(timeout=10)
    ledger.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system's) under Playwright."""
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-default-apps"])
        yield browser
        browser.close()


@dataclass
class Watch:
    """What a page did: requests by URL, console errors, uncaught errors."""

    origin: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def allow_http_error(self, path: str) -> None:
        """Forget the browser's "failed to load" lines for ``path``: an error the test asked for."""
        self.console_errors[:] = [e for e in self.console_errors
                                  if not (e.startswith("Failed to load resource") and path in e)]

    def foreign(self) -> list[str]:
        """Requests to any host but the app's (data: and blob: URLs stay in the page)."""
        return [url for url in self.requests
                if urlsplit(url).scheme not in ("data", "blob")
                and f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" != self.origin]


@dataclass
class Browsing:
    """A page in a fresh browser context, with what it did."""

    page: Any
    context: Any
    watch: Watch
    base: str

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def screenshot(self, name: str) -> Path:
        OUTPUT.mkdir(exist_ok=True)
        path = OUTPUT / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path


def open_page(browser: Any, live_server: LiveServer, viewport: dict[str, int] | None = None,
              **context_options: Any) -> Browsing:
    """A new context and page, watched."""
    context = browser.new_context(viewport=viewport or DESKTOP, **context_options)
    page = context.new_page()
    watch = Watch(origin=live_server.url)
    page.on("request", lambda request: watch.requests.append(request.url))
    page.on("console", lambda msg: watch.console_errors.append(
        f"{msg.text} [{msg.location.get('url', '')}]") if msg.type == "error" else None)
    page.on("pageerror", lambda err: watch.page_errors.append(str(err)))
    page.set_default_timeout(15_000)
    return Browsing(page=page, context=context, watch=watch, base=live_server.url)


def check_clean(browsing: Browsing) -> None:
    """No foreign request, no console error, no uncaught error."""
    watch = browsing.watch
    assert watch.foreign() == [], f"requests to other hosts: {watch.foreign()}"
    assert watch.console_errors == [], f"console errors: {watch.console_errors}"
    assert watch.page_errors == [], f"uncaught errors: {watch.page_errors}"


@pytest.fixture
def browsing(browser: Any, live_server: LiveServer) -> Iterator[Browsing]:
    """A watched desktop-size page; fails the test on foreign requests or console errors."""
    b = open_page(browser, live_server)
    yield b
    try:
        check_clean(b)
    finally:
        b.context.close()
