"""Print a standalone HTML report to PDF with Chromium, driven by Playwright (the ``[pdf]`` extra).

The HTML is set as the page's content (nothing is fetched: the reports load no resource and
every request the page would make is aborted) and printed on A4 with its print CSS. Without
Playwright or a Chromium that starts, :class:`service.errors.PdfUnavailable` says what to install;
the HTML report needs neither.

Chromium: ``REDLENS_CHROMIUM`` (Settings.chromium), else ``chromium`` / ``chromium-browser`` on
PATH, else the browser Playwright installed itself (``playwright install chromium``).
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from service.errors import PdfUnavailable

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
TIMEOUT_MS = 60_000
INSTALL_HINT = (
    "PDF export needs the [pdf] extra (pip install 'redlens[pdf]') and a Chromium "
    "(apt-get install chromium, or `playwright install chromium`, or set REDLENS_CHROMIUM)"
)


def find_chromium(configured: Path | None = None) -> Path | None:
    """The Chromium to launch: ``configured``, else one on PATH, else ``None`` (Playwright's own)."""
    if configured is not None:
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def _print(html: str, executable: Path | None) -> bytes:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        raise PdfUnavailable(f"{INSTALL_HINT}: the playwright package is not installed") from exc
    if executable is not None and not executable.exists():
        raise PdfUnavailable(f"{INSTALL_HINT}: no Chromium at {executable}")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(executable) if executable else None, args=LAUNCH_ARGS, headless=True
            )
        except Error as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PdfUnavailable(f"{INSTALL_HINT}: Chromium did not start ({first_line})") from exc
        try:
            page = browser.new_page()
            page.route("**/*", _abort)
            page.set_content(html, wait_until="load", timeout=TIMEOUT_MS)
            return bytes(page.pdf(format="A4", print_background=True, prefer_css_page_size=True))
        finally:
            browser.close()


def _abort(route: Any) -> None:
    route.abort()


def html_to_pdf(html: str, *, chromium: Path | None = None) -> bytes:
    """``html`` printed to PDF. Runs on a thread of its own: Playwright's sync API refuses a thread
    that already runs an event loop."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="redlens-pdf") as pool:
        return pool.submit(_print, html, find_chromium(chromium)).result()
