"""Sponsorship history of a KOL, and what a quoted price buys.

Which notes were sponsored (:func:`detect_sponsorship`), from the evidence a note carries:

* ``export_flag``: the export marks the note as sponsored (creator-centre 合作 / MediaCrawler flags);
* ``disclosure``: a declaration in the title, description or tags (品牌合作, 商业合作, 赞助, 广告, 合作款,
  本篇由…提供, 感谢…支持): XHS asks commercial notes to declare themselves this way;
* ``brand_mention``: one of the workspace's known brands (campaign brands, tracked brands) in a tag,
  a #topic#, an @-mention or the text;
* ``shop_search``: a shopping-search call (上🍑搜…, 淘宝搜…, 天猫搜…, 京东搜…) naming the product;
* ``brand_tag_cluster``: three or more of the note's tags start with the same two or more
  characters (追觅 / 追觅洗地机 / 追觅t50ultra) and the KOL's notes rarely use that prefix: brands brief their KOLs to tag the brand and its
  products, while a KOL's own recurring tags are excluded. A brand found this way or by
  ``shop_search`` then counts as a known brand for the KOL's other notes (``brand_mention``).

These are documented disclosure and tagging conventions read from the note, not a learned model;
every sponsored note carries the evidence that made it so. The sponsored-to-organic engagement
ratio (:func:`engagement_ratio`) is the median engagement rate of sponsored notes over the median of
organic ones, with both counts; below 1 means the audience engages less with ads.

Price (:func:`price_estimate`): a quoted price per note format gives CPM = price / median organic
reach × 1,000 and CPE = price / median organic engagements, placed against the tier's benchmark
range (``cpm`` and ``cpe`` rows of ``models/kpi_benchmarks.json``).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from models.benchmarks import BenchmarkTable, Segment, default_benchmarks, verdict

SIGNALS: Final = ("export_flag", "disclosure", "brand_mention", "shop_search", "brand_tag_cluster")
_DISCLOSURE: Final = re.compile(
    r"(品牌合作|商业合作|商务合作|合作款|赞助|#广告|\[广告\]|【广告】|广告合作|本(?:篇|期|条)?(?:笔记|视频)?由.{1,20}?(?:提供|赞助|支持)"
    r"|感谢.{1,20}?(?:的)?(?:支持|赞助|邀请))"
)
_SHOP_SEARCH: Final = re.compile(
    r"(?:上|去)?(?:🍑|淘宝|天猫|京东|某宝|tb|TB)\s*搜\s*([^\s#@,，。!！?？\[\]]{2,30})"
)
_TOPIC: Final = re.compile(r"#([^#\[\]\s]{1,40})(?:\[话题\])?#")
_MENTION: Final = re.compile(r"@([^\s@#,，。:：]{1,30})")
CLUSTER_MIN_TAGS: Final = 3
CLUSTER_PREFIX: Final = 2
CLUSTER_MAX_OWN_SHARE: Final = 0.2  # a prefix on more than this share of the KOL's notes is its own


@dataclass(frozen=True)
class NoteFacts:
    """What detection and ratios need of one note."""

    note_id: str
    title: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    flagged: bool = False
    format: str = "image"  # image or video
    engagements: int | None = None  # likes + saves + comments + shares
    followers: int | None = None  # at publication
    reach: int | None = None  # reach, else impressions, else views (creator-centre data)


@dataclass
class SponsoredNote:
    note_id: str
    signals: dict[str, str] = field(default_factory=dict)  # signal -> evidence
    brands: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _topics(note: NoteFacts) -> list[str]:
    found = [t.strip() for t in note.tags if t and t.strip()]
    found += _TOPIC.findall(f"{note.title}\n{note.description}")
    return list(dict.fromkeys(found))


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _tag_cluster(topics: Sequence[str], own_prefixes: Mapping[str, float]) -> str | None:
    """The longest prefix (2+ characters, not all digits) shared by 3+ topics, unless the KOL's own."""
    best: str | None = None
    for i, a in enumerate(topics):
        for b in topics[i + 1 :]:
            prefix = _common_prefix(a.lower(), b.lower())
            if len(prefix) < CLUSTER_PREFIX or prefix.isdigit():
                continue
            members = sum(t.lower().startswith(prefix) for t in topics)
            if members < CLUSTER_MIN_TAGS or own_prefixes.get(prefix, 0.0) > CLUSTER_MAX_OWN_SHARE:
                continue
            if best is None or len(prefix) > len(best):
                best = prefix
    return best


def _prefix_shares(notes: Sequence[NoteFacts]) -> dict[str, float]:
    """For every tag prefix, the share of the KOL's notes having a tag that starts with it."""
    counts: dict[str, int] = {}
    for note in notes:
        prefixes = {t.lower()[:n] for t in _topics(note) for n in range(CLUSTER_PREFIX, len(t) + 1)}
        for p in prefixes:
            counts[p] = counts.get(p, 0) + 1
    return {p: c / len(notes) for p, c in counts.items()} if notes else {}


def _brand_hits(text: str, topics: Sequence[str], brands: Iterable[str]) -> list[str]:
    lowered = text.lower()
    joined = " ".join(topics).lower()
    mentions = " ".join(_MENTION.findall(text)).lower()
    return [b for b in brands if b and (b.lower() in joined or b.lower() in mentions or b.lower() in lowered)]


def detect_sponsorship(notes: Sequence[NoteFacts], brands: Iterable[str] = ()) -> list[SponsoredNote]:
    """The sponsored notes among ``notes`` (a KOL's notes) with their evidence and brands, in the
    order of ``notes``; brands found on one note are looked for on the others in a second pass."""
    given = {b.strip() for b in brands if b and b.strip()}
    first = {s.note_id: s for s in _detect(notes, given)}
    learned = {b for s in first.values() for b in s.brands} - given
    if learned:
        first = {s.note_id: s for s in _detect(notes, given | learned)}
    return [first[n.note_id] for n in notes if n.note_id in first]


def _detect(notes: Sequence[NoteFacts], brands: set[str]) -> list[SponsoredNote]:
    known = sorted(brands, key=len, reverse=True)
    own = _prefix_shares(notes)
    out: list[SponsoredNote] = []
    for note in notes:
        topics = _topics(note)
        text = f"{note.title}\n{note.description}\n" + " ".join(f"#{t}" for t in note.tags)
        found = SponsoredNote(note.note_id)
        if note.flagged:
            found.signals["export_flag"] = "marked sponsored in the export"
        if (m := _DISCLOSURE.search(text)) is not None:
            found.signals["disclosure"] = m.group(0)
        if hits := _brand_hits(text, topics, known):
            found.signals["brand_mention"] = ", ".join(hits)
            found.brands += hits
        if (m := _SHOP_SEARCH.search(text)) is not None:
            found.signals["shop_search"] = m.group(0)
            found.brands.append(m.group(1))
        if (prefix := _tag_cluster(topics, own)) is not None:
            tags = [t for t in topics if t.lower().startswith(prefix)]
            found.signals["brand_tag_cluster"] = " / ".join(tags[:5])
            found.brands.append(prefix)
        if found.signals:
            found.brands = _dedupe_brands(found.brands)
            out.append(found)
    return out


def _dedupe_brands(brands: Sequence[str]) -> list[str]:
    """Distinct brands, dropping one that contains a shorter one found (追觅洗地机 next to 追觅)."""
    unique = list(dict.fromkeys(b for b in brands if b))
    return [b for b in unique if not any(o != b and o.lower() in b.lower() for o in unique)]


def _median(values: Iterable[float | None]) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return statistics.median(kept) if kept else None


def engagement_rate(note: NoteFacts) -> float | None:
    if note.engagements is None or not note.followers:
        return None
    return note.engagements / note.followers


@dataclass
class EngagementRatio:
    ratio: float | None
    sponsored_median: float | None
    organic_median: float | None
    sponsored_notes: int
    organic_notes: int
    basis: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def engagement_ratio(notes: Sequence[NoteFacts], sponsored: Iterable[str]) -> EngagementRatio:
    """Median ER of sponsored notes / median ER of organic notes (ER = engagements / followers at
    publication; engagements alone when no follower count is known), with the counts."""
    ids = set(sponsored)
    use_rate = all(engagement_rate(n) is not None for n in notes if n.engagements is not None)
    value = (
        engagement_rate if use_rate else (lambda n: None if n.engagements is None else float(n.engagements))
    )
    basis = "engagement rate by followers" if use_rate else "engagements per note (no follower counts)"
    spons = [v for n in notes if n.note_id in ids and (v := value(n)) is not None]
    organic = [v for n in notes if n.note_id not in ids and (v := value(n)) is not None]
    s_med, o_med = _median(spons), _median(organic)
    out = EngagementRatio(None, s_med, o_med, len(spons), len(organic), basis)
    if not spons or not organic:
        out.reason = "needs at least one sponsored and one organic note with counters"
    elif not o_med:
        out.reason = "the organic notes' median engagement is 0"
    else:
        out.ratio = (s_med or 0.0) / o_med
    return out


@dataclass
class PriceEstimate:
    format: str
    price: float
    currency: str
    cpm: float | None
    cpe: float | None
    median_organic_reach: float | None
    median_organic_engagements: float | None
    notes_used: int
    benchmarks: dict[str, dict[str, Any] | None]
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _position(
    metric: str, value: float | None, tier: str | None, fmt: str, table: BenchmarkTable
) -> dict[str, Any] | None:
    row = table.range_for(metric, Segment(tier=tier, content_format=fmt))
    if row is None:
        return None
    return {
        "range": [row.low, row.high],
        "verdict": None if value is None else verdict(value, row.low, row.high),
        "tier": row.tier,
        "source": row.source,
    }


def price_estimate(
    fmt: str,
    price: float,
    currency: str,
    organic: Sequence[NoteFacts],
    tier: str | None,
    table: BenchmarkTable | None = None,
) -> PriceEstimate:
    """CPM and CPE of a quoted price from the KOL's organic notes of that format (all formats when
    fewer than three of it), against the tier benchmark."""
    same = [n for n in organic if n.format == fmt]
    used = same if len(same) >= 3 else list(organic)
    reasons = (
        []
        if used is same
        else [f"fewer than 3 organic {fmt} notes: medians over all {len(used)} organic notes"]
    )
    reach = _median(n.reach for n in used)
    eng = _median(n.engagements for n in used)
    cpm = price / reach * 1000 if reach else None
    cpe = price / eng if eng else None
    if cpm is None:
        reasons.append(
            "no reach, impressions or views on organic notes: upload creator-centre metrics for CPM"
        )
    if cpe is None:
        reasons.append("no engagement counts on organic notes")
    table = table or default_benchmarks()
    benchmarks = {m: _position(m, v, tier, fmt, table) for m, v in (("cpm", cpm), ("cpe", cpe))}
    return PriceEstimate(fmt, price, currency, cpm, cpe, reach, eng, len(used), benchmarks, reasons)
