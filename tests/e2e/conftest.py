"""Real-browser fixtures: Debian's chromium driven by Playwright against the app on loopback.

* :func:`live_server` (once per session): tiny models fitted on a slice of the project's written
  corpus (training in a test takes seconds), a SQLite database seeded with the demo workspace and a
  rival workspace, and the real app (:func:`service.main.create_app`, job runner included) served
  by uvicorn in a background thread on a free port of 127.0.0.1. The sign-in cookie is ``Secure``
  as in production: chromium treats loopback as a secure origin.
* :func:`browser` (once per session): chromium at ``/usr/bin/chromium`` (``REDLENS_CHROMIUM``
  overrides) launched headless with a fresh user data dir.
* :func:`ui` (per test): a new tab that records console errors and uncaught page errors, with
  helpers to sign in and to save a screenshot under ``test-artifacts/e2e/``.

Without chromium (or Playwright) every test here is skipped with the reason, unless
``REDLENS_REQUIRE_BROWSER=1`` (CI), where they fail.
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

import pytest

from service.config import ROOT, Settings
from tests.utils import skip_or_fail
from tests.utils.web import Seeded

CHROMIUM = Path(os.environ.get("REDLENS_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Chromium logs every non-2xx document or resource as a console error; tests that open an error
#: page on purpose allow exactly that message.
HTTP_ERROR_LOG = "Failed to load resource: the server responded with a status of"


def browser_unavailable() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium fonts-noto-cjk` "
            "(or set REDLENS_CHROMIUM)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install playwright)"
    return None


def require_browser() -> None:
    """Skip (or fail, when REDLENS_REQUIRE_BROWSER=1) without a usable browser."""
    skip_or_fail(browser_unavailable(), "REDLENS_REQUIRE_BROWSER")


@dataclass
class LiveServer:
    url: str
    settings: Settings
    seeded: Seeded


def _wait_started(server: Any, thread: threading.Thread, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test server stopped during start-up (see the log above)")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the test server did not start within {timeout:.0f} s")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[LiveServer]:
    require_browser()
    import uvicorn

    from models.comments import load_comment_models
    from service.main import create_app
    from service.store.engine import make_engine, make_session_factory
    from tests.utils.web import seed_workspaces, train_tiny_models, write_tiny_corpus

    folder = tmp_path_factory.mktemp("e2e")
    corpus = write_tiny_corpus(folder / "corpus")
    models_dir = folder / "artifacts"
    train_tiny_models(models_dir, corpus)
    database = folder / "redlens.db"
    shutil.copyfile(_sqlite_template, database)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="test",
        database_url=f"sqlite:///{database}",
        models_dir=models_dir,
        data_dir=folder / "var",
        training_corpus_dir=corpus,
        training_public_data=False,
        rate_limit_per_minute=10_000,
        login_attempts_per_minute=10_000,
        cookie_secure=True,
        job_heartbeat_seconds=0.3,
        # uploads above 1,200 bytes run as a background job: the two-file upload of the tests
        # follows a job's progress, the one-file drop is imported at once
        ingest_job_threshold_bytes=1200,
        model_check_seconds=0.0,
    )
    engine = make_engine(settings.database_url)
    try:
        seeded = seed_workspaces(make_session_factory(engine), settings, load_comment_models(models_dir))
    finally:
        engine.dispose()

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="e2e-uvicorn", daemon=True)
    thread.start()
    try:
        _wait_started(server, thread)
        yield LiveServer(url=f"http://127.0.0.1:{port}", settings=settings, seeded=seeded)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture(scope="session")
def browser(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A chromium context with a fresh profile (cookies are cleared between tests)."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=LAUNCH_ARGS,
            viewport={"width": 1280, "height": 900},
            locale="zh-CN",
        )
        context.set_default_timeout(20_000)
        try:
            yield context
        finally:
            context.close()


@dataclass
class Ui:
    """One browser tab on the live server, with what it logged."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)

    def go(self, path: str, *, status: int = 200) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None, path
        assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
        self.page.wait_for_load_state("load")
        return response

    def use_language(self, code: str = "en") -> None:
        """Pages in this language whatever the browser's locale (zh-CN) asks for."""
        self.page.context.add_cookies([{"name": "redlens_lang", "value": code, "url": self.base}])

    def sign_in(self, key: str) -> None:
        self.page.context.clear_cookies()
        self.use_language()
        self.go("/login")
        self.page.fill("#key", key)
        with self.page.expect_navigation():
            self.page.click("form[action='/login'] button[type=submit]")
        assert "/login" not in self.page.url, f"sign-in failed: still on {self.page.url}"

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_no_console_errors(self, *, allow_http_errors: bool = False) -> None:
        shown = [e for e in self.errors if not (allow_http_errors and HTTP_ERROR_LOG in e)]
        assert not shown, "console errors:\n" + "\n".join(shown)


@pytest.fixture
def ui(browser: Any, live_server: LiveServer) -> Iterator[Ui]:
    page = browser.new_page()
    tab = Ui(page=page, base=live_server.url)
    tab.use_language()

    def on_console(message: Any) -> None:
        if message.type == "error":
            tab.errors.append(f"{message.text} (on {page.url})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.errors.append(f"uncaught: {error} (on {page.url})"))
    try:
        yield tab
    finally:
        page.close()
        browser.clear_cookies()
