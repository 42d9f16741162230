"""The compare page: 2 to 10 KOLs of the workspace side by side, each row's best value marked.

Rows come from each KOL's vetting report (the same JSON as ``GET /v1/kols/{id}/vetting``).
An estimated cost per engagement appears when a price per note is given for a KOL
(``price_<kol id>=5000`` in the query): the price over the KOL's average engagements per note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from models.labels import INTENTS, SENTIMENTS
from service.deps import AppServices, ModelsDep, ReadPrincipal, ServicesDep, SessionDep, WorkspaceDep
from service.errors import InvalidInput, NotFound
from service.exports import to_csv_string
from service.store.repositories import get_kol
from service.store.tables import Kol, Workspace
from service.web.i18n import N_
from service.web.kol_list import VERDICTS, csv_response
from service.web.pages import PageDep, _vet

router = APIRouter(include_in_schema=False)

MIN_KOLS, MAX_KOLS = 2, 10
#: Themes shown per KOL (only these are computed for certain, see models.themes.leading_themes).
TOP_THEMES = 3
MAX_PRICE = Decimal("100000000")
Kind = Literal["count", "pct", "score", "money", "text", "verdict", "themes", "reason"]
Better = Literal["high", "low"] | None
#: Intents whose higher share is better, lower is better, or neither (questions).
INTENT_BETTER: dict[str, Better] = {
    "purchase_intent": "high",
    "skepticism": "low",
    "paid_suspicion": "low",
    "question": None,
    "spam": "low",
}
SENTIMENT_BETTER: dict[str, Better] = {"positive": "high", "neutral": None, "negative": "low"}
SIGNAL_TITLES: dict[str, str] = {
    "growth": N_("Follower growth"),
    "engagement": N_("Engagement pattern"),
    "comments": N_("Comment quality"),
    "intents": N_("Commenter intents"),
}
TEXTS: dict[str, str] = {
    "followers": N_("Followers"),
    "tier": N_("Tier"),
    "category": N_("Category"),
    "engagement_rate": N_("Engagement rate (by followers)"),
    "engagement_benchmark": N_("Engagement rate benchmark"),
    "save_rate": N_("Save rate (saves / views)"),
    "authenticity": N_("Authenticity score"),
    "comments": N_("Comments analysed"),
    "low_effort": N_("Low-effort comments"),
    "themes": N_("Top themes"),
    "verdict": N_("Verdict"),
    "first_reason": N_("First reason"),
    "audience_fit": N_("Audience fit"),
    "sponsored_ratio": N_("Sponsored-to-organic engagement ratio"),
    "price": N_("Price per note"),
    "avg_engagements": N_("Average engagements per note"),
    "cpe": N_("Estimated CPE"),
    "positive": N_("Positive comments"),
    "neutral": N_("Neutral comments"),
    "negative": N_("Negative comments"),
    "purchase_intent": N_("Purchase intent"),
    "skepticism": N_("Skepticism"),
    "paid_suspicion": N_("Paid suspicion"),
    "question": N_("Questions"),
    "spam": N_("Spam"),
}


@dataclass(frozen=True)
class Row:
    """One compared figure: a value per KOL, how to show it, and which KOLs hold the best one."""

    key: str
    title: str
    kind: Kind
    values: list[Any]
    better: Better = None
    best: frozenset[int] = field(default_factory=frozenset)
    notes: list[str] = field(default_factory=list)


def _best(values: Sequence[Any], better: Better) -> frozenset[int]:
    numbers = [(i, float(v)) for i, v in enumerate(values) if isinstance(v, int | float | Decimal)]
    if better is None or len(numbers) < 2:
        return frozenset()
    target = max(v for _, v in numbers) if better == "high" else min(v for _, v in numbers)
    if all(v == target for _, v in numbers):
        return frozenset()  # a tie across all KOLs marks nobody
    return frozenset(i for i, v in numbers if v == target)


def _row(key: str, kind: Kind, values: list[Any], better: Better = None, title: str | None = None) -> Row:
    return Row(key, title or TEXTS[key], kind, values, better, _best(values, better))


def _metric(vetting: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return ((vetting.get("kpis") or {}).get("metrics") or {}).get(name) or {}


def _benchmark(entry: Mapping[str, Any]) -> tuple[float | None, float | None, str | None]:
    bench = next(iter(entry.get("benchmarks") or []), None) or {}
    low, high = bench.get("range") or (None, None)
    return low, high, bench.get("verdict")


def _avg_engagements(vetting: Mapping[str, Any]) -> float | None:
    total = _metric(vetting, "engagements").get("value")
    notes = (vetting.get("window") or {}).get("notes_with_counters") or 0
    return float(total) / notes if total is not None and notes else None


def _themes(vetting: Mapping[str, Any], top: int = TOP_THEMES) -> list[dict[str, str]] | None:
    """The top themes' titles in both languages (``{"zh", "en"}``); the page picks one."""
    titles = []
    for theme in ((vetting.get("themes") or {}).get("themes") or [])[:top]:
        title = theme.get("title") or {}
        label = str(theme.get("label") or "")
        if isinstance(title, Mapping):
            zh = str(title.get("zh") or label)
            titles.append({"zh": zh, "en": str(title.get("en") or zh)})
        else:
            titles.append({"zh": str(title or label), "en": str(title or label)})
    return titles or None


def _first_reason(vetting: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first reason as the verdict holds it (code, effect, message, evidence): the page shows
    it in its language, the CSV its English message."""
    reasons: list[Mapping[str, Any]] = (vetting.get("verdict") or {}).get("reasons") or []
    return reasons[0] if reasons else None


def build_rows(
    kols: Sequence[Kol], vettings: Sequence[Mapping[str, Any]], prices: Mapping[int, Decimal]
) -> list[Row]:
    """The compared rows, in the order the page shows them."""
    rank = {v: i for i, v in enumerate(VERDICTS)}
    mixes = [v.get("comments") or {} for v in vettings]
    auths = [v.get("authenticity") or {} for v in vettings]
    rows = [
        _row("followers", "count", [k.followers for k in kols], "high"),
        _row(
            "tier",
            "text",
            [
                (v.get("kpis") or {}).get("segment", {}).get("tier") or k.tier
                for k, v in zip(kols, vettings, strict=True)
            ],
        ),
        _row("category", "text", [k.category for k in kols]),
        _row(
            "engagement_rate",
            "pct",
            [_metric(v, "engagement_rate_by_followers").get("value") for v in vettings],
            "high",
        ),
    ]
    benches = [_benchmark(_metric(v, "engagement_rate_by_followers")) for v in vettings]
    rows.append(
        Row(
            "engagement_benchmark",
            TEXTS["engagement_benchmark"],
            "text",
            [
                {"low": low, "high": high, "verdict": verdict} if low is not None else None
                for low, high, verdict in benches
            ],
        )
    )
    rows.append(
        _row("save_rate", "pct", [_metric(v, "save_rate_by_views").get("value") for v in vettings], "high")
    )
    rows.append(_row("authenticity", "score", [a.get("score") for a in auths], "high"))
    signals = list(dict.fromkeys(name for a in auths for name in (a.get("signals") or {})))
    for name in signals:
        values = [((a.get("signals") or {}).get(name) or {}).get("score") for a in auths]
        rows.append(_row(f"signal_{name}", "score", values, "high", title=SIGNAL_TITLES.get(name, name)))
    rows.append(_row("comments", "count", [m.get("analyzed") for m in mixes]))
    for label in SENTIMENTS:
        values = [(m.get("sentiment_shares") or {}).get(label) for m in mixes]
        rows.append(_row(label, "pct", values, SENTIMENT_BETTER.get(label)))
    for intent in INTENTS:
        values = [(m.get("intent_shares") or {}).get(intent) for m in mixes]
        rows.append(_row(intent, "pct", values, INTENT_BETTER.get(intent), title=TEXTS.get(intent, intent)))
    rows.append(_row("low_effort", "pct", [m.get("low_effort_share") for m in mixes], "low"))
    rows.append(_row("themes", "themes", [_themes(v) for v in vettings]))
    decisions = [(v.get("verdict") or {}).get("decision") for v in vettings]
    verdict_best = _best([rank.get(str(d), 9) for d in decisions], "low")
    rows.append(Row("verdict", TEXTS["verdict"], "verdict", decisions, None, verdict_best))
    fits = [((v.get("audience") or {}).get("fit") or {}).get("score") for v in vettings]
    rows.append(_row("audience_fit", "score", fits, "high"))
    ratios = [((v.get("sponsorship") or {}).get("engagement_ratio") or {}).get("ratio") for v in vettings]
    rows.append(_row("sponsored_ratio", "text", [None if r is None else round(r, 2) for r in ratios], "high"))
    reasons = [_first_reason(v) for v in vettings]
    rows.append(_row("first_reason", "reason", reasons))
    if prices:
        averages = [_avg_engagements(v) for v in vettings]
        priced = [prices.get(k.id) for k in kols]
        cpe = [float(p) / a if p is not None and a else None for p, a in zip(priced, averages, strict=True)]
        rows.append(_row("price", "money", priced))
        rows.append(
            _row("avg_engagements", "count", [None if a is None else round(a, 1) for a in averages], "high")
        )
        rows.append(_row("cpe", "money", [None if c is None else round(c, 2) for c in cpe], "low"))
    return rows


@dataclass(frozen=True)
class Comparison:
    kols: list[Kol]
    rows: list[Row]
    prices: dict[int, Decimal]
    currency: str


def parse_prices(request: Request, ids: Sequence[int]) -> dict[int, Decimal]:
    """``price_<id>`` query parameters of the compared KOLs (empty ones ignored)."""
    prices: dict[int, Decimal] = {}
    for kol_id in ids:
        raw = (request.query_params.get(f"price_{kol_id}") or "").strip().replace(",", "")
        if not raw:
            continue
        try:
            price = Decimal(raw)
        except InvalidOperation:
            raise InvalidInput(f"price_{kol_id}: {raw!r} is not a number") from None
        if not price.is_finite() or price < 0 or price > MAX_PRICE:
            raise InvalidInput(f"price_{kol_id}: {raw!r} must be between 0 and {MAX_PRICE}")
        prices[kol_id] = price
    return prices


def compare_kols(
    request: Request,
    session: Any,
    services: AppServices,
    workspace: Workspace,
    models: Any,
    ids: Sequence[int],
) -> Comparison:
    wanted = list(dict.fromkeys(ids))
    if not MIN_KOLS <= len(wanted) <= MAX_KOLS:
        raise InvalidInput(f"choose {MIN_KOLS} to {MAX_KOLS} different KOLs to compare; got {len(wanted)}")
    kols = []
    for kol_id in wanted:
        kol = get_kol(session, workspace.id, kol_id)
        if kol is None:
            raise NotFound(f"no KOL {kol_id} in this workspace")
        kols.append(kol)
    prices = parse_prices(request, wanted)
    vettings = [_vet(session, services, workspace, k, models, theme_top=TOP_THEMES) for k in kols]
    return Comparison(kols, build_rows(kols, vettings, prices), prices, workspace.currency)


def compared_ids(kol: Annotated[list[int] | None, Query(max_length=MAX_KOLS * 2)] = None) -> list[int]:
    return [i for i in kol or [] if 0 < i < 2_147_483_648]


IdsDep = Annotated[list[int], Depends(compared_ids)]


def compared(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    workspace: WorkspaceDep,
    models: ModelsDep,
    ids: IdsDep,
) -> Comparison:
    return compare_kols(request, session, services, workspace, models, ids)


ComparisonDep = Annotated[Comparison, Depends(compared)]


@router.get("/compare")
def compare_page(ctx: PageDep, comparison: ComparisonDep) -> Response:
    """2 to 10 KOLs side by side."""
    query = "&".join(f"kol={k.id}" for k in comparison.kols)
    query += "".join(f"&price_{i}={p}" for i, p in comparison.prices.items())
    return ctx.render("compare.html", "kols", c=comparison, query=query)


def csv_text(comparison: Comparison) -> str:
    """One row per figure, one column per KOL (by platform id), and the best KOLs of the row."""
    heads = [f"{k.nickname or ''} ({k.platform_user_id})" for k in comparison.kols]
    out = []
    for row in comparison.rows:
        record: dict[str, Any] = {"metric": row.key}
        for head, value in zip(heads, row.values, strict=True):
            if row.kind == "reason" and isinstance(value, Mapping):
                value = value.get("message")
            elif isinstance(value, Mapping):
                value = f"{value.get('low')}-{value.get('high')} ({value.get('verdict')})"
            elif row.kind == "themes" and value:
                value = "; ".join(f"{title['zh']} / {title['en']}" for title in value)
            record[head] = "" if value is None else value
        record["best"] = " / ".join(heads[i] for i in sorted(row.best))
        out.append(record)
    return to_csv_string(out, ["metric", *heads, "best"])


@router.get("/compare.csv")
def compare_csv(principal: ReadPrincipal, workspace: WorkspaceDep, comparison: ComparisonDep) -> Response:
    """The comparison as CSV (UTF-8 with BOM)."""
    return csv_response(csv_text(comparison), f"compare-{workspace.slug}.csv")
