"""Verdict reasons and authenticity flags in the page's language.

:mod:`models.vetting` writes each reason as an English sentence (``message``, what the API and
the CLI show) with a stable ``code`` and the figures behind it (``evidence``). The pages rebuild the
sentence from the code and the figures through the message catalogue, one message per code with
named placeholders, numbers in the locale's format; a reason whose code (or figures) this module
does not know is shown as its English ``message``. Rendered in English, every known reason reads
exactly as its ``message`` (a test holds the two in step), so the catalogue's English text and the
model's cannot drift apart.

Authenticity findings are named by their flag code (:func:`models.authenticity.result.flag_words`);
the flags' own evidence sentences stay in English (they quote comments, note titles and ids).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from models.authenticity.result import CONTEXT_FLAG_WORDS, FINDING_WORDS, flag_words
from service.web import i18n, sentences
from service.web.formatting import pct
from service.web.i18n import N_

_Gettext = Callable[[str], str]

#: Whose comments a share is of (``evidence["screened"]``).
WHOSE: dict[bool, str] = {
    True: N_("of real commenters' comments"),
    False: N_("of comments (not screened for bots)"),
}
#: The sentences and phrases of the reasons, by reason code or by what they add to a sentence;
#: the engagement sentences' ``%(range)s`` is :data:`RANGE` or :data:`OPEN_RANGE`.
SENTENCES: dict[str, str] = {
    "negative_comments": N_("%(share)s %(whose)s are negative"),
    "spam_comments": N_("%(share)s %(whose)s are commenter self-promotion (spam)"),
    "paid_suspicion": N_("%(share)s %(whose)s are calling the content an ad"),
    "skepticism": N_("%(share)s %(whose)s are doubting the claims"),
    "low_effort_comments": N_("%(share)s %(whose)s are generic praise or emoji only"),
    "purchase_intent": N_("%(share)s %(whose)s are showing purchase intent"),
    "cut_avoid": N_(" (avoid at %(threshold)s)"),
    "cut_caution": N_(" (caution at %(threshold)s)"),
    "not_screened": N_("; not counted in favour: the comments could not be screened for bots"),
    "high_risk": N_("; not counted in favour: the audience was graded high risk"),
    "authenticity_high_risk": N_("%(score)s (high manipulation risk): %(findings)s"),
    "authenticity_medium_risk": N_("%(score)s (medium manipulation risk): %(findings)s"),
    "engagement_below_benchmark": N_("%(metric)s %(value)s is below the %(segment)s range %(range)s"),
    "engagement_above_benchmark": N_("%(metric)s %(value)s is above the %(segment)s range %(range)s"),
    "engagement_in_range": N_("%(metric)s %(value)s is within the %(segment)s range %(range)s"),
    "engagement_far_above_benchmark": N_(
        "%(metric)s %(value)s is over %(factor)sx the top of the %(segment)s range %(range)s"
    ),
}
SHARE_CODES = (
    "negative_comments",
    "spam_comments",
    "paid_suspicion",
    "skepticism",
    "low_effort_comments",
    "purchase_intent",
)
RISK_CODES = ("authenticity_high_risk", "authenticity_medium_risk")
ENGAGEMENT_CODES = (
    "engagement_below_benchmark",
    "engagement_above_benchmark",
    "engagement_in_range",
    "engagement_far_above_benchmark",
)
RANGE, OPEN_RANGE = "%(low)s-%(high)s", N_(">= %(low)s")
#: Metrics an engagement reason can name, and the tier names of its segment.
METRIC_NAMES = (N_("engagement rate by followers"),)
ALL_TIERS, TIER_SEGMENT = N_("all tiers"), N_("%(tier)s tier")
#: Between the items of a list inside a reason (the findings, what is missing).
SEPARATORS: dict[str, str] = {"zh_CN": "；"}


class _Parts:
    """A page's gettext and number formats for one reason."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.tr: _Gettext = i18n.translations(locale).gettext
        self.separator = SEPARATORS.get(locale, "; ")

    def say(self, message: str, **values: Any) -> str:
        return self.tr(message) % values

    def count(self, value: Any) -> str:
        return i18n.number(int(value), self.locale)

    def items(self, items: Any) -> str:
        return self.separator.join(sentences.translate(str(item), self.locale) for item in items)


def _score(ev: Mapping[str, Any], p: _Parts) -> str:
    score = f"{float(ev['score']):.0f}"
    interval = ev.get("interval")
    if interval:
        low, high = (f"{float(x):.0f}" for x in interval)
        return p.say(
            N_("authenticity score %(score)s/100, 80%% interval %(low)s-%(high)s"),
            score=score,
            low=low,
            high=high,
        )
    return p.say(N_("authenticity score %(score)s/100"), score=score)


def _findings(ev: Mapping[str, Any], p: _Parts) -> str:
    """The findings by their codes' words when the catalogue has them in this language, else the
    findings' English sentences as the model wrote them."""
    codes, sentences = list(ev.get("finding_codes") or []), list(ev["findings"])
    if not sentences:
        return p.say(N_("several weak signs together, none strong on its own"))
    words = [FINDING_WORDS.get(code, "") for code in codes]
    shown = [p.tr(w) for w in words if w]
    if len(codes) == len(sentences) and all(words) and shown != words:
        return p.separator.join(shown)
    return "; ".join(sentences)


def _risk(ev: Mapping[str, Any], p: _Parts, code: str) -> str:
    return p.say(SENTENCES[code], score=_score(ev, p), findings=_findings(ev, p))


def _low_risk(ev: Mapping[str, Any], p: _Parts) -> str:
    return p.say(N_("%(score)s (low risk)"), score=_score(ev, p))


def _low_confidence(ev: Mapping[str, Any], p: _Parts) -> str:
    return p.say(
        N_(
            "authenticity confidence %(confidence)s is below %(minimum)s: collect more follower history "
            "and comments before relying on the score"
        ),
        confidence=f"{float(ev['confidence']):.2f}",
        minimum=f"{float(ev['minimum']):.2f}",
    )


def _unavailable(ev: Mapping[str, Any], p: _Parts) -> str:
    reason = ev["reason"]
    if not reason:
        return p.say(N_("audience authenticity could not be assessed"))
    return p.say(N_("audience authenticity could not be assessed: %(reason)s"), reason=p.tr(reason))


def _insufficient(ev: Mapping[str, Any], p: _Parts) -> str:
    missing = p.items(ev["missing"]) or p.say(N_("unknown gaps"))
    return p.say(N_("not enough data to score audience authenticity: %(missing)s"), missing=missing)


def _model(ev: Mapping[str, Any], p: _Parts) -> str:
    if "model" not in ev:
        return ""
    model = ev["model"]
    if model is None:
        return p.say(N_("; the intent model's reliability is unknown (no model card figures): weak evidence"))
    text = p.say(
        N_(
            "; intent model on %(support)s real test comments of this intent: precision %(precision)s, recall %(recall)s"
        ),
        support=str(int(model["support"])),
        precision=pct(model["precision"]),
        recall=pct(model["recall"]),
    )
    return text + (p.say(N_("; weak evidence")) if ev["weak_evidence"] else "")


def _not_counted(ev: Mapping[str, Any], p: _Parts) -> str:
    """Why a finding in the KOL's favour is not counted (``not_screened`` or ``high_risk``)."""
    why = str(ev["not_counted"])
    if why not in ("not_screened", "high_risk"):
        raise KeyError(why)
    return p.tr(SENTENCES[why])


def _share(ev: Mapping[str, Any], p: _Parts, code: str, effect: str) -> str:
    whose = p.tr(WHOSE[bool(ev["screened"])])
    text = p.say(SENTENCES[code], share=pct(ev["share"]), whose=whose)
    if effect in ("avoid", "caution"):
        text += p.say(SENTENCES[f"cut_{effect}"], threshold=pct(ev["threshold"]))
    if "raw_share" in ev:
        text += p.say(
            N_(
                "; %(raw_share)s of all %(raw)s comments, %(excluded)s (%(excluded_share)s) left out as likely bots, coordinated copies or spam"
            ),
            raw_share=pct(ev["raw_share"]),
            raw=p.count(ev["raw_analyzed"]),
            excluded=p.count(ev["excluded"]),
            excluded_share=pct(ev["excluded_share"]),
        )
    text += _model(ev, p)
    if "not_counted" in ev:
        text += _not_counted(ev, p)
    return text


def _net(ev: Mapping[str, Any], p: _Parts, code: str) -> str:
    values = {
        "net": f"{float(ev['net_sentiment']):+.2f}",
        "whose": p.tr(WHOSE[bool(ev["screened"])]),
        "beside": ""
        if ev.get("raw_net_sentiment") is None
        else p.say(N_(" (all comments: %(raw)s)"), raw=f"{float(ev['raw_net_sentiment']):+.2f}"),
    }
    if code == "net_sentiment_negative":
        return p.say(
            N_("net sentiment %(net)s %(whose)s%(beside)s: more negative than positive comments"), **values
        )
    text = p.say(N_("net sentiment %(net)s %(whose)s%(beside)s"), **values)
    return text + (_not_counted(ev, p) if "not_counted" in ev else "")


def _few_comments(ev: Mapping[str, Any], p: _Parts) -> str:
    message = (
        N_(
            "only %(analyzed)s analysed real commenters' comments on recent notes (at least %(minimum)s are "
            "needed to judge the audience's reactions)"
        )
        if ev["screened"]
        else N_(
            "only %(analyzed)s analysed comments on recent notes (at least %(minimum)s are needed to judge "
            "the audience's reactions)"
        )
    )
    return p.say(message, analyzed=str(int(ev["analyzed"])), minimum=str(int(ev["minimum"])))


def _few_notes(ev: Mapping[str, Any], p: _Parts) -> str:
    return p.say(
        N_("only %(notes)s recent notes with counters (at least %(minimum)s are needed to judge engagement)"),
        notes=str(int(ev["notes"])),
        minimum=str(int(ev["minimum"])),
    )


def _segment(segment: str, p: _Parts) -> str:
    if segment == ALL_TIERS:
        return p.tr(ALL_TIERS)
    if segment.endswith(" tier"):
        return p.say(TIER_SEGMENT, tier=p.tr(segment.removesuffix(" tier")))
    return p.tr(segment)


def _engagement(ev: Mapping[str, Any], p: _Parts, code: str, effect: str) -> str:
    low, high = ev["range"]
    shown = (
        RANGE % {"low": pct(low), "high": pct(high)} if high is not None else p.say(OPEN_RANGE, low=pct(low))
    )
    text = p.say(
        SENTENCES[code],
        metric=p.tr(str(ev["metric"]).replace("_", " ")),
        value=pct(ev["value"]),
        segment=_segment(str(ev["segment"]), p),
        range=shown,
        factor=f"{float(ev.get('factor') or 0):g}",
    )
    if code == "engagement_far_above_benchmark":
        if effect == "info":
            return text + p.say(N_("; the authenticity checks found no sign of bought engagement"))
        return text + p.say(N_(": check for bought engagement"))
    if code == "engagement_above_benchmark" and effect != "support":
        return text + p.say(N_(" (not counted in favour until authenticity is assessed as low risk)"))
    return text


def _by_code() -> dict[str, Callable[[Mapping[str, Any], _Parts, str, str], str]]:
    table: dict[str, Callable[[Mapping[str, Any], _Parts, str, str], str]] = {
        "authenticity_unavailable": lambda ev, p, c, e: _unavailable(ev, p),
        "authenticity_insufficient_data": lambda ev, p, c, e: _insufficient(ev, p),
        "authenticity_low_risk": lambda ev, p, c, e: _low_risk(ev, p),
        "authenticity_low_confidence": lambda ev, p, c, e: _low_confidence(ev, p),
        "few_comments": lambda ev, p, c, e: _few_comments(ev, p),
        "few_notes": lambda ev, p, c, e: _few_notes(ev, p),
        "net_sentiment_negative": lambda ev, p, c, e: _net(ev, p, c),
        "net_sentiment_positive": lambda ev, p, c, e: _net(ev, p, c),
    }
    table.update(dict.fromkeys(RISK_CODES, lambda ev, p, c, e: _risk(ev, p, c)))
    table.update(dict.fromkeys(SHARE_CODES, _share))
    table.update(dict.fromkeys(ENGAGEMENT_CODES, _engagement))
    return table


#: Every reason code the pages translate, and how its sentence is built.
RENDERERS = _by_code()


def reason_text(reason: Mapping[str, Any], locale: str) -> str:
    """A verdict reason (``Reason.to_dict()``) in ``locale``; its English ``message`` when the code
    is unknown or its evidence lacks a figure the sentence needs (a report written by an older
    version)."""
    message = str(reason.get("message") or "")
    render = RENDERERS.get(str(reason.get("code")))
    evidence = reason.get("evidence")
    if render is None or not isinstance(evidence, Mapping):
        return message
    try:
        return render(evidence, _Parts(locale), str(reason["code"]), str(reason.get("effect")))
    except (KeyError, TypeError, ValueError):
        return message


#: An authenticity flag's figures in a sentence, by flag code (``%(what)s``: the flag's words).
FLAG_SENTENCES: dict[str, str] = {
    "follower_spike": N_(
        "%(start)s to %(end)s: %(excess)s followers above the usual pace (%(share)s of followers, "
        "%(z)s robust sigma); no content of those days explains them"
    ),
    "follower_spike_explained": N_(
        "%(start)s to %(end)s: %(excess)s followers above the usual pace (%(share)s of followers, "
        "%(z)s robust sigma), explained by the content of those days"
    ),
    "follower_purge": N_(
        "%(lost)s followers lost again after the jump that ended %(end)s: %(share)s of those gained"
    ),
    "follower_drop": N_("%(start)s to %(end)s: %(change)s followers (%(z)s robust sigma)"),
    "unexplained_growth_step": N_(
        "from %(date)s follower growth stepped up from %(before)s to %(after)s a day for %(days)s days"
    ),
    "growth_without_engagement": N_(
        "followers grew %(growth)s (%(first)s to %(last)s) while median interactions per note went from "
        "%(early)s to %(late)s"
    ),
    "followers_outpace_engagement": N_(
        "%(start)s to %(end)s: %(followers)s followers against %(likes)s new likes and collects"
    ),
    "following_churn": N_(
        "%(start)s to %(end)s: the following count rose %(rise)s; %(share)s unfollowed again"
    ),
    "engagement_rate_far_below_tier": N_(
        "median engagement rate %(rate)s for a %(tier)s account with %(followers)s followers"
    ),
    "engagement_rate_far_above_tier": N_(
        "median engagement rate %(rate)s for a %(tier)s account with %(followers)s followers"
    ),
    "likes_without_saves_or_comments": N_(
        "%(notes)s notes with many likes but few saves and comments (account medians per like: "
        "%(saves)s saves, %(comments)s comments)"
    ),
    "atypical_engagement_ratios": N_(
        "the median note has %(saves)s saves and %(comments)s comments per like"
    ),
    "sponsored_engagement_jump": N_(
        "%(notes)s sponsored notes with up to %(ratio)sx the interactions of the median organic note (%(median)s)"
    ),
    "likes_exceed_plausible_views": N_("%(notes)s notes with more likes than their views can produce"),
    "comment_suspicion": N_("mean suspicion of the comments %(mean)s"),
    "likely_bot_comments": N_(
        "%(count)s comments (%(share)s) carry enough bot markers together to look bought"
    ),
    "comments_with_marker": N_("%(count)s comments (%(share)s): %(what)s"),
    "duplicate_comments": N_("%(share)s of comments are in %(groups)s groups of duplicates"),
    "engagement_pod": N_(
        "%(accounts)s accounts commented on at least %(least)s of the %(notes)s notes with comments and wrote "
        "%(share)s of all comments"
    ),
    "ip_location_concentration": N_(
        "%(share)s of the %(known)s comments with a known IP location come from %(top)s"
    ),
    "top_commenters_share": N_("the %(accounts)s most active accounts wrote %(share)s of the comments"),
    "audience_doubt": N_(
        "%(paid)s of human-looking comments suspect a paid post and %(doubt)s doubt the claims"
    ),
    "low_lexical_entropy": N_("word entropy %(bits)s bits (%(normalized)s of the maximum)"),
    "uniform_comment_length": N_(
        "comments of %(mean)s characters on average, coefficient of variation %(cv)s"
    ),
}


def _flag_values(code: str, d: Mapping[str, Any], p: _Parts) -> dict[str, Any]:
    """The placeholders of a flag's sentence from its ``details``."""
    when = {
        "start": i18n.when(d.get("start"), p.locale, False),
        "end": i18n.when(d.get("end"), p.locale, False),
    }
    if code.startswith("follower_spike"):
        return {
            **when,
            "excess": p.count(d["excess_followers"]),
            "share": pct(d["share_of_followers"]),
            "z": f"{float(d['robust_z']):.1f}",
        }
    if code == "follower_purge":
        return {
            "lost": p.count(d["lost_followers"]),
            "end": i18n.when(d["spike_end"], p.locale, False),
            "share": pct(d["share_lost"], 0),
        }
    if code == "follower_drop":
        return {**when, "change": f"{int(d['change']):+,}", "z": f"{abs(float(d['robust_z'])):.1f}"}
    if code == "unexplained_growth_step":
        return {
            "date": i18n.when(d["date"], p.locale, False),
            "before": p.count(d["rate_before"]),
            "after": p.count(d["rate_after"]),
            "days": d["days"],
        }
    if code == "growth_without_engagement":
        return {
            "growth": f"{float(d['growth']) * 100:+.0f}%",
            "first": p.count(d["followers_early"]),
            "last": p.count(d["followers_late"]),
            "early": p.count(d["median_interactions_early"]),
            "late": p.count(d["median_interactions_late"]),
        }
    if code == "followers_outpace_engagement":
        return {
            **when,
            "followers": f"{int(d['followers_gained']):+,}",
            "likes": f"{int(d['likes_and_collects_gained']):+,}",
        }
    if code == "following_churn":
        return {**when, "rise": f"{int(d['rise']):+,}", "share": pct(d["unfollowed_share"], 0)}
    if code.startswith("engagement_rate_far"):
        return {
            "rate": pct(d["engagement_rate"], 2),
            "tier": p.tr(str(d["tier"])),
            "followers": i18n.compact(d["followers"], p.locale),
        }
    if code in ("likes_without_saves_or_comments", "atypical_engagement_ratios"):
        return {
            "notes": len(d.get("notes") or []),
            "saves": pct(d["median_saves_per_like"]),
            "comments": pct(d["median_comments_per_like"], 2),
        }
    if code == "sponsored_engagement_jump":
        ratios = [float(n["ratio"]) for n in d["notes"]]
        return {"notes": len(ratios), "ratio": f"{max(ratios):.1f}", "median": p.count(d["organic_median"])}
    if code == "likes_exceed_plausible_views":
        return {"notes": len(d["notes"])}
    if code == "comment_suspicion":
        return {"mean": f"{float(d['mean_suspicion']):.2f}"}
    if code == "duplicate_comments":
        return {"share": pct(d["share"], 0), "groups": len(d["clusters"])}
    if code == "engagement_pod":
        return {
            "accounts": len(d["accounts"]),
            "least": d["min_notes"],
            "notes": d["notes_with_comments"],
            "share": pct(d["share_of_comments"], 0),
        }
    if code == "ip_location_concentration":
        return {"share": pct(d["share"], 0), "known": p.count(d["known"]), "top": d["top_location"]}
    if code == "top_commenters_share":
        return {"accounts": len(d["accounts"]), "share": pct(d["share"], 0)}
    if code == "audience_doubt":
        return {"paid": pct(d["paid_suspicion_share"], 0), "doubt": pct(d["skepticism_share"], 0)}
    if code == "low_lexical_entropy":
        return {"bits": f"{float(d['entropy_bits']):.1f}", "normalized": f"{float(d['normalized']):.2f}"}
    if code == "uniform_comment_length":
        return {"mean": f"{float(d['mean_length']):.0f}", "cv": f"{float(d['cv']):.2f}"}
    return {"count": p.count(d["count"]), "share": pct(d["share"]), "what": p.tr(flag_words(code))}


def flag_sentence(code: str) -> str | None:
    """The catalogue sentence of a flag code (the per-comment marker flags share one)."""
    if code in FLAG_SENTENCES:
        return FLAG_SENTENCES[code]
    return (
        FLAG_SENTENCES["comments_with_marker"]
        if code in CONTEXT_FLAG_WORDS and code.endswith("_comments")
        else None
    )


def flag_text(flag: Mapping[str, Any], locale: str) -> str:
    """An authenticity flag's evidence in ``locale``: in English the model's sentence (``evidence``,
    with the comments and notes it quotes), elsewhere its figures from ``details`` in the
    catalogue's sentence for the code (the English sentence when the code or a figure is unknown)."""
    evidence = str(flag.get("evidence") or "")
    sentence = flag_sentence(str(flag.get("code")))
    details = flag.get("details")
    if locale == i18n.DEFAULT_LOCALE or sentence is None or not isinstance(details, Mapping):
        return evidence
    parts = _Parts(locale)
    try:
        return parts.say(sentence, **_flag_values(str(flag["code"]), details, parts))
    except (KeyError, TypeError, ValueError):
        return evidence


def flag_title(code: str, locale: str) -> str:
    """What an authenticity flag points at, in ``locale``."""
    return i18n.translations(locale).gettext(flag_words(code))


@pass_context
def _reason_filter(context: Context, reason: Any) -> str:
    if not isinstance(reason, Mapping):
        return "" if reason is None else str(reason)
    return reason_text(reason, i18n.page_locale(context))


@pass_context
def _flag_filter(context: Context, code: Any) -> str:
    return flag_title(str(code), i18n.page_locale(context))


@pass_context
def _flag_text_filter(context: Context, flag: Any) -> str:
    return flag_text(flag, i18n.page_locale(context)) if isinstance(flag, Mapping) else ""


#: The Jinja filters: ``{{ r|reason }}``, ``{{ f.code|flag }}`` and ``{{ f|flag_text }}``.
FILTERS: dict[str, Callable[..., str]] = {
    "reason": _reason_filter,
    "flag": _flag_filter,
    "flag_text": _flag_text_filter,
}
