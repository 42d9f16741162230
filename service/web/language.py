"""The language switch: ``/lang/<code>`` remembers the choice in a cookie and goes back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from service.deps import ServicesDep
from service.errors import NotFound
from service.web import i18n
from service.web.pages import safe_next

router = APIRouter(include_in_schema=False)


@router.get("/lang/{code}")
def switch_language(
    code: str, services: ServicesDep, next: Annotated[str | None, Query(max_length=500)] = None
) -> RedirectResponse:
    """Remember the page language (``zh-CN`` or ``en``) and return to the page."""
    locale = i18n.locale_of_code(code)
    if locale is None:
        raise NotFound(f"no language {code!r}; known: {', '.join(i18n.html_lang(k) for k in i18n.LANGUAGES)}")
    back = next if next and next.startswith("/login") else safe_next(next)
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(
        i18n.COOKIE,
        locale,
        max_age=i18n.COOKIE_MAX_AGE,
        path="/",
        samesite="lax",
        secure=services.settings.cookie_secure,
        httponly=True,
    )
    return response
