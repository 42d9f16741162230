"""Languages of the pages: Simplified Chinese and English, with gettext catalogues and Babel.

Messages live in ``service/web/locale/<locale>/LC_MESSAGES/messages.po`` (extracted with
``pybabel`` from the templates and the page modules, see ``babel.cfg`` and ``make i18n``) and are
read from the compiled ``messages.mo`` next to them. The templates use Jinja's i18n extension
(``{{ _("...") }}``, ``{% trans %}``); the gettext callables read the page's ``locale`` from the
template context, so one environment serves both languages at once.

The language of a request: the ``redlens_lang`` cookie (set by ``/lang/<code>``), else the
browser's ``Accept-Language``, else English. Numbers and dates are formatted by Babel with the
locale's CLDR data: compact counts in 万/亿 in Chinese and K/M in English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_compact_decimal, format_decimal
from babel.support import NullTranslations, Translations
from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context

from models.messages import N_ as N_
from service.web import formatting

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
COOKIE = "redlens_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
#: Locales of the catalogues -> the ``<html lang>`` tag and the name shown in the switcher.
LANGUAGES: dict[str, tuple[str, str]] = {
    "zh_CN": ("zh-CN", "中文"),
    "en": ("en", "English"),
}
DEFAULT_LOCALE = "en"
#: What the switcher's links accept: the html tags and the catalogue names.
CODES = {
    **{tag.lower(): loc for loc, (tag, _) in LANGUAGES.items()},
    **{loc.lower(): loc for loc in LANGUAGES},
}


#: A page's gettext for words page modules put into charts and tables (``message -> text``).
Translate = Callable[[str], str]


def as_is(message: str) -> str:
    """The :data:`Translate` of callers without a page: the English source text."""
    return message


class PageTranslate:
    """The :data:`Translate` of a page: gettext in one locale, which it names (``.locale``)."""

    __slots__ = ("locale",)

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def __call__(self, message: str) -> str:
        return gettext(self.locale, message)


#: Names of the domain's vocabulary that pages show through the ``t`` filter.
VOCABULARY = (
    N_("low"),
    N_("medium"),
    N_("high"),
    N_("positive"),
    N_("neutral"),
    N_("negative"),
    N_("purchase intent"),
    N_("skepticism"),
    N_("paid suspicion"),
    N_("question"),
    N_("spam"),
    N_("below"),
    N_("within"),
    N_("above"),
    N_("aspect"),
    N_("topic"),
    N_("cluster"),
    N_("The request is not valid"),
    N_("Sentiment"),
    N_("Intents"),
    N_("shipped"),
    N_("this workspace"),
    N_("queued"),
    N_("running"),
    N_("succeeded"),
    N_("failed"),
    N_("info"),
    N_("avoid"),
    N_("caution"),
    N_("support"),
    N_("ok"),
    N_("insufficient data"),
    N_("growth"),
    N_("engagement"),
    N_("comments"),
    N_("intents"),
    N_("low effort"),
    N_("impressions"),
    N_("add to carts"),
    N_("ingest"),
    # tiers (models.kpi.tiers.DEFAULT_TIERS)
    N_("nano"),
    N_("micro"),
    N_("mid"),
    N_("macro"),
    N_("top"),
    N_("spike"),
    N_("step"),
    N_("drop"),
    N_("explained spike"),
    N_("training"),
    N_("cancelled"),
    N_("orders"),
    N_("clicks"),
    N_("views"),
)

#: The campaign report's metric names (``service.reports.html_report.LABELS``), shown through the
#: ``t`` filter; a test keeps this list and the report's names in step.
METRIC_LABELS = (
    N_("Reach"),
    N_("Impressions"),
    N_("Views"),
    N_("Engagements"),
    N_("Engagement rate (impressions)"),
    N_("Engagement rate (followers)"),
    N_("Save rate (views)"),
    N_("Completion rate"),
    N_("Attributed orders"),
    N_("Attributed revenue"),
    N_("Total cost"),
    N_("ROI"),
    N_("EMV return"),
    N_("Cost per engagement"),
    N_("Mentions"),
    N_("Net sentiment"),
    N_("Positive share"),
    N_("Share of voice"),
    N_("Branded search lift"),
)


#: Messages the pages' script (static/app.js) shows; a page outside English carries their
#: translations as JSON (``<script type="application/json" id="js-messages">``), read by its ``t()``.
JS_MESSAGES = (
    N_("the server answered %(status)s"),
    N_("Not allowed: %(reason)s"),
    N_("Failed: %(reason)s"),
    N_("Promoting %(task)s %(version)s…"),
    N_("Rolling back %(task)s %(version)s…"),
    N_("Now serving %(task)s %(version)s (was %(previous)s)."),
    N_("Now serving %(task)s %(version)s."),
    N_("Cancelling job #%(id)s…"),
    N_("Job #%(id)s stops at its next step; what it had written for that step is removed."),
    N_("Job #%(id)s is cancelled."),
    N_("Choose a sentiment first (1, 2 or 3)."),
    N_("Saved (%(num)s labelled in this workspace)."),
    N_("Not saved: %(reason)s"),
    N_("Skipped."),
    N_("Training job #%(id)s finished: %(num)s labelled rows added to the training data."),
    N_("%(task)s: new version %(version)s"),
    N_("Test set (macro F1)"),
    N_("current %(version)s"),
    N_("new %(version)s"),
    N_("change"),
    N_("Promote %(task)s %(version)s"),
    N_("needs the admin scope"),
    N_("Promoting…"),
    N_("Starting…"),
    N_("Job #%(id)s: %(state)s (%(progress)s)"),
    N_("waiting to start"),
    N_("Job #%(id)s succeeded."),
    N_("Training cancelled: %(reason)s"),
    N_("Training failed: %(reason)s"),
    N_("unknown reason"),
    N_("Could not start or follow the job: %(reason)s"),
    N_("sentiment"),
    N_("intents"),
    N_("queued"),
    N_("running"),
    N_("succeeded"),
    N_("failed"),
    N_("cancelled"),
    # the upload page: its status line, result headline and per-file summaries
    N_("Uploading…"),
    N_("Uploading… %(done)s"),
    N_("Importing and analysing…"),
    N_("Done."),
    N_("Queued as job #%(id)s…"),
    N_("Waiting to start"),
    N_("%(state)s (%(progress)s)"),
    N_("The import was cancelled: %(reason)s"),
    N_("The import failed: %(reason)s"),
    N_("Could not follow the import: %(reason)s"),
    N_("Upload refused: %(reason)s"),
    N_("The upload did not reach the server."),
    N_(
        "%(rows)s rows read: %(inserted)s new, %(updated)s updated, %(unchanged)s unchanged, "
        "%(duplicates)s duplicates, %(rejected)s rejected. %(analysed)s comments analysed."
    ),
    N_("Imported. %(counts)s"),
    N_("Imported with problems. %(counts)s"),
    N_("Nothing imported. %(why)s"),
    N_("%(path)s: %(reason)s"),
    N_("every row was rejected (see below)"),
    N_("no data rows"),
    N_("Not imported: %(reason)s"),
    N_(
        "%(rows)s rows: %(inserted)s new, %(updated)s updated, %(unchanged)s unchanged, "
        "%(duplicates)s duplicates, %(rejected)s rejected"
    ),
    N_("Line"),
    N_("Column"),
    N_("Reason"),
    N_("Value"),
    N_("Rows not imported"),
    N_("%(num)s more row errors not shown"),
    N_("KOLs"),
    N_("Notes"),
    N_("Campaigns"),
    N_("%(group)s: "),
    N_("followers unknown: enter followers and price"),
)


def js_messages(locale: str) -> dict[str, str]:
    """The script's messages in ``locale`` (only those that differ from the English source)."""
    catalogue = translations(locale)
    shown = {message: catalogue.gettext(message) for message in JS_MESSAGES}
    return {message: text for message, text in shown.items() if text != message}


def locale_of_code(code: str | None) -> str | None:
    """``"zh-CN"``, ``"zh_cn"``, ``"zh"`` -> ``"zh_CN"``; ``"en-US"`` -> ``"en"``; else ``None``."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    if code in CODES:
        return CODES[code]
    if code == "zh" or code.startswith(("zh-cn", "zh-hans", "zh-sg")):
        return "zh_CN"
    if code == "en" or code.startswith("en-"):
        return "en"
    return None


def _accept_language(header: str) -> str | None:
    """The first supported language of an ``Accept-Language`` header, by its q-values."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            choices.append((-quality, index, tag))
    for _, _, tag in sorted(choices):
        found = locale_of_code(tag)
        if found:
            return found
    return None


def request_locale(request: Request) -> str:
    """The locale of a request: the cookie, else ``Accept-Language``, else :data:`DEFAULT_LOCALE`."""
    chosen = locale_of_code(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    return _accept_language(request.headers.get("accept-language", "")) or DEFAULT_LOCALE


@lru_cache(maxsize=len(LANGUAGES))
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of ``locale`` (English source strings when there is none)."""
    if locale not in LANGUAGES:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [locale], DOMAIN)


def gettext(locale: str, message: str, **variables: Any) -> str:
    """``message`` in ``locale``, with ``%(name)s`` placeholders filled from ``variables``."""
    text = translations(locale).gettext(message)
    return text % variables if variables else text


def html_lang(locale: str) -> str:
    return LANGUAGES.get(locale, LANGUAGES[DEFAULT_LOCALE])[0]


# --------------------------------------------------------------------------- numbers and dates


def compact(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    """A count as people read it: ``12300`` -> ``1.2万`` (zh_CN) or ``12.3K`` (en)."""
    number = formatting._number(value)
    if number is None:
        return formatting.DASH
    return format_compact_decimal(number, locale=locale, fraction_digits=1)


def number(value: Any, locale: str = DEFAULT_LOCALE, digits: int = 2) -> str:
    """A number with the locale's grouping; non-integers with up to ``digits`` decimals."""
    parsed = formatting._number(value)
    if parsed is None:
        return formatting.DASH
    if parsed == int(parsed) and abs(parsed) < 1e15:
        return format_decimal(int(parsed), locale=locale)
    return format_decimal(parsed, format=f"#,##0.{'0' * digits}", locale=locale)


#: Units of KPI entries that are not counts or money (shown as :func:`formatting.metric` shows them).
_NOT_COUNTS = ("fraction", "ratio", "seconds", "points")


def metric_compact(entry: Any, locale: str = DEFAULT_LOCALE) -> str:
    """A KPI entry for a headline tile: counts and money from 10,000 up as people read them
    (``161.9万`` / ``1.6M``, money with its currency code); everything else as
    :func:`formatting.metric`. The exact figure goes beside it (:func:`formatting.metric`)."""
    if isinstance(entry, Mapping) and entry.get("value") is not None:
        unit = str(entry.get("unit", ""))
        value = formatting._number(entry["value"])
        if (
            value is not None
            and abs(value) >= 10_000
            and unit not in _NOT_COUNTS
            and not unit.startswith("score")
        ):
            shown = compact(value, locale)
            currency = entry.get("currency")
            return f"{currency} {shown}" if currency else shown
    return formatting.metric(entry)


def when(value: Any, locale: str = DEFAULT_LOCALE, with_time: bool = True) -> str:
    """An ISO date or datetime in the locale: ``2026年3月1日 23:30`` / ``Mar 1, 2026, 23:30``."""
    if value is None or value == "":
        return formatting.DASH
    moment = formatting.parse_moment(value)
    if isinstance(moment, str):
        return moment
    if isinstance(moment, datetime) and with_time:
        day = format_date(moment.date(), format="medium", locale=locale)
        return f"{day} {format_datetime(moment, format='HH:mm', locale=locale)}"
    day_only = moment.date() if isinstance(moment, datetime) else moment
    return format_date(day_only, format="medium", locale=locale)


# --------------------------------------------------------------------------- Jinja


def page_locale(context: Context) -> str:
    """The locale a template renders in (its context's ``locale``)."""
    value = context.get("locale")
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LOCALE


@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(page_locale(context)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(page_locale(context)).ngettext(singular, plural, n)


@pass_context
def _translate_filter(context: Context, value: Any) -> str:
    """A message that reaches the template as a value (a title, a label): translated, never
    %-formatted (it may hold a ``%`` of its own)."""
    return "" if value is None else translations(page_locale(context)).gettext(str(value))


@pass_context
def _compact_filter(context: Context, value: Any) -> str:
    return compact(value, page_locale(context))


@pass_context
def _num_filter(context: Context, value: Any, digits: int = 2) -> str:
    return number(value, page_locale(context), digits)


@pass_context
def _metric_compact_filter(context: Context, entry: Any) -> str:
    return metric_compact(entry, page_locale(context))


@pass_context
def _when_filter(context: Context, value: Any, with_time: bool = True) -> str:
    return when(value, page_locale(context), with_time)


def install(env: Any) -> None:
    """Add the i18n extension, the per-page gettext callables and the locale-aware filters."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.filters.update(
        {
            "t": _translate_filter,
            "compact": _compact_filter,
            "num": _num_filter,
            "when": _when_filter,
            "metric_compact": _metric_compact_filter,
        }
    )
    env.globals["languages"] = {loc: name for loc, (_, name) in LANGUAGES.items()}
