"""The pages' Jinja2 environment, the common page context and the security headers of pages."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.responses import Response

from service.reports.charts import mix_bar
from service.security import Principal
from service.web import i18n, reasons, sentences
from service.web.formatting import FILTERS
from service.web.i18n import N_
from service.web.views import chart_words

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

#: Pages load only their own scripts and styles: no inline script or style, nothing from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

NAV: tuple[tuple[str, str, str], ...] = (
    ("kols", "/kols", N_("KOLs")),
    ("campaigns", "/campaigns", N_("Campaigns")),
    ("market", "/market", N_("Market")),
    ("upload", "/upload", N_("Upload")),
    ("labelling", "/labelling", N_("Labelling")),
    ("models", "/models", N_("Models")),
    ("jobs", "/jobs", N_("Jobs")),
)

#: Tabs whose pages write status lines from the script: they carry its messages' translations.
SCRIPTED_PAGES = ("upload", "labelling", "models", "jobs")


@pass_context
def _mix_bar(context: Context, mix: dict[str, float]) -> str:
    """``{{ mix|mixbar }}``: a sentiment mix's bar, named in the page's language."""
    return mix_bar(mix, words=chart_words(i18n.PageTranslate(i18n.page_locale(context))))


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The page templates (built once, on first use: nothing happens at import)."""
    env = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env.env.filters.update(FILTERS)
    env.env.filters["mixbar"] = _mix_bar
    env.env.trim_blocks = True
    env.env.lstrip_blocks = True
    env.env.globals["nav"] = NAV
    i18n.install(env.env)
    env.env.filters.update(reasons.FILTERS)
    env.env.filters.update(sentences.FILTERS)
    return env


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    principal: Principal | None = None,
    workspace_name: str | None = None,
    active: str | None = None,
    status_code: int = 200,
) -> Response:
    """A page from ``templates/<name>`` with the signed-in key, the workspace and the active tab."""
    locale = i18n.request_locale(request)
    values: dict[str, Any] = {
        "locale": locale,
        "html_lang": i18n.html_lang(locale),
        "js_messages": i18n.js_messages(locale) if active in SCRIPTED_PAGES else {},
        "principal": principal,
        "workspace_name": workspace_name,
        "active": active,
        **(context or {}),
    }
    response = templates().TemplateResponse(request, name, values, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response
