"""Server-rendered web pages of RedLens, served by the API's app.

:func:`register`, called by :func:`service.main.create_app` after mounting the API, adds the page
routes (:mod:`service.web.pages`), the shipped static files under ``/static`` (CSS, the pages'
script, no CDN: the pages work offline) and the HTML error pages (:mod:`service.web.errors`).
Nothing happens at import.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.web import audience, comment_pages, compare, kol_list, language, market, shortlist
from service.web.errors import install_page_errors
from service.web.pages import router
from service.web.rendering import STATIC_DIR


def register(app: FastAPI) -> None:
    """Add the pages, their static files and their error pages to ``app``."""
    app.include_router(language.router)
    app.include_router(kol_list.router)
    app.include_router(shortlist.router)
    app.include_router(compare.router)
    app.include_router(market.router)
    app.include_router(audience.router)
    app.include_router(comment_pages.router)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    install_page_errors(app)


__all__ = ["register"]
