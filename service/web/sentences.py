"""Sentences of the domain reports in the page's language: benchmark sources, market and audience
texts, what authenticity and the KPIs lack, and the campaign report's notes.

The reports keep their English sentences (what the API and the CLI show). The pages rebuild each
one from a catalogue message: a sentence with figures is matched against the English message it
was written from (each ``%(name)s`` captures a figure: a sentence of its own, or a list of names
translated through :data:`WORDS`), and the translation is filled with the same figures. A sentence
no message matches is looked up in the catalogue as it is, else shown in English. Benchmark
sources are long notes with citations: their Chinese text sits beside the English one in
``models/kpi_benchmarks.json`` (``source_zh``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from models.benchmarks import default_benchmarks
from service.web import i18n
from service.web.i18n import N_, Translate

#: The English sentences the reports write, as catalogue messages (figures as ``%(name)s``).
MESSAGES: tuple[str, ...] = (
    # models.authenticity: what a signal lacks (an authenticity result's ``missing`` list)
    N_("follower history: no snapshots (need at least %(snapshots)s snapshots spanning %(days)s days)"),
    N_(
        "follower history: %(observed)s snapshots over %(span)s days (need at least %(snapshots)s "
        "snapshots spanning %(days)s days)"
    ),
    N_(
        "notes: %(notes)s notes older than %(age)s days in the last %(recent)s days (need at least "
        "%(minimum)s)"
    ),
    N_("follower count (needed for the engagement rate)"),
    N_("comments: %(comments)s collected (need at least %(minimum)s)"),
    N_("comment intents: the classifier was not run on these comments"),
    N_(
        "comment intents: %(comments)s human-looking comments with classifier output (need at least "
        "%(minimum)s)"
    ),
    N_("no usable signal"),
    # models.kpi: why a KPI is undefined (the ``and ... more`` form before the short one)
    N_("%(metric)s undefined (%(why)s)"),
    N_("%(metric)s not given"),
    N_("%(field)s missing for %(missing)s of %(total)s notes: %(notes)s and %(more)s more"),
    N_("%(field)s missing for %(missing)s of %(total)s notes: %(notes)s"),
    N_("follower growth is an account figure; it is not added over notes"),
    # models.market.sponsorship and service.market: sponsorship and quoted prices
    N_("marked sponsored in the export"),
    N_("engagement rate by followers"),
    N_("engagements per note (no follower counts)"),
    N_("needs at least one sponsored and one organic note with counters"),
    N_("the organic notes' median engagement is 0"),
    N_("fewer than 3 organic %(format)s notes: medians over all %(notes)s organic notes"),
    N_("no reach, impressions or views on organic notes: upload creator-centre metrics for CPM"),
    N_("no engagement counts on organic notes"),
    N_("benchmarks are in CNY; this quote is in %(currency)s"),
    # models.market.audience: audience fit
    N_("the workspace has no target audience profile yet"),
    N_(
        "no audience data for the target's dimensions (%(dimensions)s): import the KOL's fan portrait "
        "or collect comments with ip_location"
    ),
    N_("no KOL of the campaign has a fit score"),
    N_("the campaign has no KOLs"),
    # models.campaign_report, models.kpi and service.campaigns: the campaign report's notes
    N_(
        "%(left)s of %(total)s comments are left out of sentiment, intent and theme figures as likely "
        "bots, coordinated copies or spam"
    ),
    N_(
        "benchmark ranges come from the XHS measurement frameworks (each with its source); a segment "
        "without a range has no comparison"
    ),
    N_(
        "placeholder rates from the framework's worked example (CNY 5 per 1,000 impressions, 0.50 per "
        "action), not market prices: set the workspace's own rate card"
    ),
    N_("save rate (saves / views; saves / impressions when views are unknown), then net comment sentiment"),
    N_("a comment on one of the campaign's notes, dated by when it was posted (China time)"),
)
#: Names a sentence's figures may hold (note formats, audience dimensions), translated in it, and
#: the categories and content types of benchmark segments.
WORDS: dict[str, str] = {
    **{
        field: field
        for field in (
            N_("followers"),
            N_("impressions"),
            N_("reach"),
            N_("views"),
            N_("likes"),
            N_("comments"),
            N_("saves"),
            N_("shares"),
            N_("clicks"),
            N_("orders"),
            N_("revenue"),
        )
    },
    "beauty": N_("beauty"),
    "skincare": N_("skincare"),
    "tutorial": N_("tutorial"),
    "image": N_("image"),
    "video": N_("video"),
    "gender": N_("gender"),
    "age": N_("age"),
    "city_tier": N_("city tier"),
    "region": N_("region"),
    "interests": N_("interests"),
}
#: Between the names of a list in a sentence, by locale.
LIST_SEPARATORS: dict[str, str] = {"zh_CN": "、"}
#: What a sponsorship signal (``signals`` of a sponsored note) is.
SIGNAL_NAMES: dict[str, str] = {
    "export_flag": N_("export flag"),
    "disclosure": N_("disclosure"),
    "brand_mention": N_("brand mention"),
    "shop_search": N_("shop search"),
    "brand_tag_cluster": N_("brand tags"),
}


def _pattern(message: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", message)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(regex)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((message, _pattern(message)) for message in MESSAGES)


def _rebuilt(text: str, locale: str) -> str | None:
    """``text`` from the first message it matches, its figures translated; ``None``: no match."""
    tr = i18n.translations(locale).gettext
    for message, pattern in _patterns():
        found = pattern.fullmatch(text)
        if found:
            return tr(message) % {name: _figure(value, locale) for name, value in found.groupdict().items()}
    return None


def _figure(value: str, locale: str) -> str:
    """A figure of a sentence: a sentence of its own, else a list of names (ids stay as they are)."""
    inner = _rebuilt(value, locale)
    if inner is not None:
        return inner
    tr = i18n.translations(locale).gettext
    separator = LIST_SEPARATORS.get(locale, ", ")
    return separator.join(tr(WORDS[item]) if item in WORDS else item for item in value.split(", "))


def translate(text: str, locale: str) -> str:
    """An English sentence of the reports in ``locale``: rebuilt from the message it matches, else
    its catalogue entry, else as it is."""
    if locale == i18n.DEFAULT_LOCALE or not text:
        return text
    rebuilt = _rebuilt(text, locale)
    return i18n.translations(locale).gettext(text) if rebuilt is None else rebuilt


@cache
def _sources_zh() -> dict[str, str]:
    return {row.source: row.source_zh for row in default_benchmarks().rows if row.source_zh}


def benchmark_source(source: str, locale: str) -> str:
    """A benchmark row's source note in ``locale``: the shipped table's Chinese text in Chinese."""
    if locale == "zh_CN":
        return _sources_zh().get(source, source)
    return source


def locale_of(tr: Translate) -> str:
    """The locale whose catalogue a page's :data:`~service.web.i18n.Translate` reads: the one a
    :class:`~service.web.i18n.PageTranslate` names, else found by how it translates a probe word."""
    named = getattr(tr, "locale", None)
    if isinstance(named, str) and named in i18n.LANGUAGES:
        return named
    probe = N_("Followers")
    for locale in i18n.LANGUAGES:
        shown = i18n.gettext(locale, probe)
        if locale != i18n.DEFAULT_LOCALE and shown != probe and tr(probe) == shown:
            return locale
    return i18n.DEFAULT_LOCALE


@pass_context
def _sentence_filter(context: Context, text: Any) -> str:
    return "" if text is None else translate(str(text), i18n.page_locale(context))


@pass_context
def _source_filter(context: Context, source: Any) -> str:
    return "" if source is None else benchmark_source(str(source), i18n.page_locale(context))


@pass_context
def _signal_filter(context: Context, code: Any) -> str:
    name = SIGNAL_NAMES.get(str(code))
    return str(code) if name is None else i18n.translations(i18n.page_locale(context)).gettext(name)


#: The Jinja filters: ``{{ text|sentence }}``, ``{{ b.source|bench_source }}``, ``{{ k|signal }}``.
FILTERS: dict[str, Callable[..., str]] = {
    "sentence": _sentence_filter,
    "bench_source": _source_filter,
    "signal": _signal_filter,
}
