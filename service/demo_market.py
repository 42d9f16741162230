"""Simulated keyword-search exports for the demo workspace's market context.

The demo brand (Glow Lab, 光研) and two competitors are searched on XHS for eight weeks around the
demo campaign's start: notes by ordinary creators and their comments, written as a MediaCrawler
``search_contents`` CSV and ``search_comments`` JSON Lines file, plus a daily search-index CSV,
then imported through :mod:`service.ingest` like a user's upload. Everything is made up: texts come
from the short templates below (written for the demo), counts from a seeded random generator; UGC
about the demo brand and its search index rise after the campaign starts, so the dashboard's
share of voice, UGC re-creation and branded search lift have something to show.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from models.market.audience import check_mapping
from models.market.brands import BrandSpec
from service.ingest import IngestSummary, ingest_paths
from service.ingest.parsing import CHINA_TZ
from service.market import save_profile
from service.store.brands import list_brands, replace_brands
from service.store.market import latest_audience_profile
from service.store.repositories import get_kol_by_platform_id

DEMO_BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec(
        "Glow Lab", aliases=("光研", "GlowLab"), products=("光感精华",), hashtags=("#光研#",), own=True
    ),
    BrandSpec("兰蔻", aliases=("Lancome",), products=("小黑瓶",)),
    BrandSpec("珀莱雅", aliases=("Proya",), products=("红宝石",)),
)
WINDOW_DAYS = 28
#: Ordinary creators writing the notes (each becomes an account of the workspace, as in real imports;
#: their follower counts come with the export, as some crawlers add them).
UGC_CREATORS = 6
UGC_PREFIX = "demo-ugc-"
#: Notes per week by ordinary creators: (before the campaign, from its start) per brand.
WEEKLY_NOTES = {"Glow Lab": (2, 6), "兰蔻": (5, 5), "珀莱雅": (4, 4)}
TITLES = {
    "Glow Lab": ("光研光感精华用了两周", "Glow Lab 值不值得买", "#光研# 空瓶记", "平价精华推荐：光研"),
    "兰蔻": ("兰蔻小黑瓶回购", "小黑瓶真的修护吗", "兰蔻粉水测评"),
    "珀莱雅": ("珀莱雅红宝石抗老", "红宝石面霜空瓶", "珀莱雅双抗精华"),
}
COMMENTS = {
    "Glow Lab": ("光研的精华好用吗", "求链接，光研在哪买", "光感精华我也在用，很温和", "光研会不会闷痘"),
    "兰蔻": ("小黑瓶太贵了", "兰蔻一直回购", "兰蔻专柜有活动吗"),
    "珀莱雅": ("红宝石用着不错", "珀莱雅性价比高", "红宝石会搓泥吗"),
}
#: The demo brand's target audience (a made-up brief: young women in big cities who follow skincare).
DEMO_TARGET: dict[str, dict[str, float]] = {
    "gender": {"female": 0.85, "male": 0.15},
    "age": {"18-24": 0.40, "25-34": 0.45, "35-44": 0.15},
    "city_tier": {"tier1": 0.35, "new_tier1": 0.35, "tier2": 0.20, "tier3": 0.10},
    "interests": {"护肤": 0.70, "美妆": 0.60, "穿搭": 0.30},
}
#: Every this-many-th campaign KOL gets no fan portrait: its fit comes from its commenters' places.
NO_PORTRAIT_EVERY = 4
DEMO_ENTERED_BY = ("redlens demo (simulated)", "cli")
SEARCH_BASE = {"Glow Lab": (900, 1500), "兰蔻": (6000, 6100)}
NOTE_COLUMNS = (
    "note_id", "type", "title", "desc", "time", "user_id", "nickname", "fans_count", "liked_count", "collected_count",
    "comment_count", "share_count", "tag_list", "last_modify_ts", "note_url", "source_keyword",
)  # fmt: skip


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _comment_text(brand: str, pool: Sequence[str], rng: np.random.Generator) -> str:
    """Half the comments name the brand (a template above), the others come from the project's own
    comment corpus, as real comment sections mostly talk past the brand."""
    texts = COMMENTS[brand] if not pool or rng.random() < 0.5 else pool
    return str(texts[int(rng.integers(0, len(texts)))])


def _notes_and_comments(
    start: date, rng: np.random.Generator, crawled: datetime, pool: Sequence[str]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    notes: list[dict[str, object]] = []
    comments: list[dict[str, object]] = []
    for b, (brand, (before, after)) in enumerate(WEEKLY_NOTES.items()):
        for week in range(-WINDOW_DAYS // 7, WINDOW_DAYS // 7):
            for k in range(before if week < 0 else after):
                day = start + timedelta(days=7 * week + int(rng.integers(0, 7)))
                moment = datetime.combine(day, time(int(rng.integers(9, 23))), tzinfo=CHINA_TZ)
                note_id = f"demo{b}{week + 10:02d}{k:02d}" + "0" * 14
                creator = f"{UGC_PREFIX}{int(rng.integers(0, UGC_CREATORS)):02d}"
                n_comments = int(rng.integers(1, 4))
                notes.append(
                    {
                        "note_id": note_id,
                        "type": "normal",
                        "title": TITLES[brand][int(rng.integers(0, len(TITLES[brand])))],
                        "desc": "模拟笔记（demo）",
                        "time": _ms(moment),
                        "user_id": creator,
                        "nickname": f"模拟用户{creator[-2:]}",
                        "fans_count": 300 + 997 * int(creator[-2:]),
                        "liked_count": int(rng.integers(20, 3000)),
                        "collected_count": int(rng.integers(5, 600)),
                        "comment_count": n_comments,
                        "share_count": int(rng.integers(0, 50)),
                        "tag_list": "护肤,精华",
                        "last_modify_ts": _ms(crawled),
                        "note_url": f"https://www.xiaohongshu.com/explore/{note_id}",
                        "source_keyword": brand,
                    }
                )
                for j in range(n_comments):
                    comments.append(
                        {
                            "comment_id": f"{note_id[:-2]}c{j}",
                            "create_time": _ms(moment + timedelta(hours=2 + 5 * j)),
                            "note_id": note_id,
                            "content": _comment_text(brand, pool, rng),
                            "creator_hash": f"{int(rng.integers(0, 16**15)):016x}",
                            "nickname": "模***户",
                            "parent_comment_id": "0",
                            "last_modify_ts": _ms(crawled),
                            "like_count": int(rng.integers(0, 30)),
                        }
                    )
    return notes, comments


def _search_index(start: date, rng: np.random.Generator) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for keyword, (before, after) in SEARCH_BASE.items():
        for offset in range(-WINDOW_DAYS, WINDOW_DAYS):
            base = before if offset < 0 else after
            rows.append(
                {
                    "date": (start + timedelta(days=offset)).isoformat(),
                    "keyword": keyword,
                    "index": int(base * float(rng.uniform(0.85, 1.15))),
                }
            )
    return rows


def write_demo_market(folder: Path, start: date, seed: int, pool: Sequence[str] = ()) -> list[Path]:
    """The three simulated export files in ``folder`` (``pool``: comment texts to draw from)."""
    rng = np.random.default_rng([seed, 14])
    crawled = datetime.combine(start + timedelta(days=WINDOW_DAYS), time(12), tzinfo=UTC)
    notes, comments = _notes_and_comments(start, rng, crawled, pool)
    contents = folder / "search_contents_demo.csv"
    with contents.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(NOTE_COLUMNS))
        writer.writeheader()
        writer.writerows(notes)
    replies = folder / "search_comments_demo.jsonl"
    replies.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in comments), encoding="utf-8")
    index = folder / "search_index_demo.csv"
    with index.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["date", "keyword", "index"])
        writer.writeheader()
        writer.writerows(_search_index(start, rng))
    return [contents, replies, index]


def seed_demo_market(
    factory: sessionmaker[Session], workspace_id: int, start: date, seed: int, pool: Sequence[str] = ()
) -> IngestSummary | None:
    """Define the demo brands and import the simulated search exports (once: skipped when the
    workspace already tracks brands)."""
    with factory() as session, session.begin():
        if list_brands(session, workspace_id):
            return None
        replace_brands(session, workspace_id, DEMO_BRANDS)
    with tempfile.TemporaryDirectory(prefix="redlens-demo-market-") as tmp:
        summary = ingest_paths(factory, workspace_id, write_demo_market(Path(tmp), start, seed, pool))
    failed = [f"{f.path}: {f.failed}" for f in summary.files if f.failed]
    if failed:
        raise RuntimeError("demo market import failed: " + "; ".join(failed))
    return summary


def _shares(weights: Sequence[float], buckets: Sequence[str]) -> dict[str, float]:
    """Weights as shares that add up to exactly 1 (three decimals)."""
    total = float(sum(weights))
    out = {b: round(w / total, 3) for b, w in zip(buckets, weights, strict=True)}
    out[buckets[-1]] = round(1.0 - sum(out[b] for b in buckets[:-1]), 3)
    return out


def demo_portrait(organic: bool, rng: np.random.Generator) -> dict[str, dict[str, float]]:
    """A made-up 蒲公英 fan portrait: organic beauty KOLs draw young women in big cities, bought
    audiences are spread evenly (more men, older, smaller cities, few skincare interests)."""
    u = rng.uniform
    if organic:
        gender = [u(0.78, 0.92), 0.0]
        age = [u(0.03, 0.08), u(0.30, 0.45), u(0.35, 0.45), u(0.08, 0.15), u(0.02, 0.05)]
        tiers = [u(0.25, 0.35), u(0.28, 0.38), u(0.15, 0.22), u(0.08, 0.12), u(0.03, 0.06), u(0.01, 0.03)]
        interests = {"护肤": u(0.55, 0.8), "美妆": u(0.45, 0.7), "穿搭": u(0.2, 0.4)}
    else:
        gender = [u(0.45, 0.6), 0.0]
        age = [u(0.10, 0.18), u(0.18, 0.25), u(0.18, 0.25), u(0.15, 0.22), u(0.15, 0.22)]
        tiers = [u(0.05, 0.10), u(0.10, 0.15), u(0.15, 0.22), u(0.20, 0.25), u(0.15, 0.22), u(0.12, 0.18)]
        interests = {"护肤": u(0.10, 0.25), "美妆": u(0.10, 0.2), "游戏": u(0.2, 0.4)}
    gender[1] = 1.0 - gender[0]
    return {
        "gender": _shares(gender, ("female", "male")),
        "age": _shares(age, ("<18", "18-24", "25-34", "35-44", ">44")),
        "city_tier": _shares(tiers, ("tier1", "new_tier1", "tier2", "tier3", "tier4", "tier5")),
        "interests": {k: round(float(v), 3) for k, v in interests.items()},
    }


def seed_demo_audience(
    factory: sessionmaker[Session], workspace_id: int, kols: Sequence[tuple[str, bool]], seed: int
) -> int:
    """The demo brand's target audience and a made-up fan portrait for the campaign KOLs
    ``(platform id, organic)``, all but every :data:`NO_PORTRAIT_EVERY`-th (whose fit then comes
    from where its commenters are); once: skipped when the workspace has a target. Returns the
    number of portraits stored."""
    rng = np.random.default_rng([seed, 21])
    stored = 0
    with factory() as session, session.begin():
        if latest_audience_profile(session, workspace_id, "target") is not None:
            return 0
        source = "demo (simulated)"
        save_profile(
            session, workspace_id, DEMO_ENTERED_BY, check_mapping(DEMO_TARGET), kind="target", source=source
        )
        for i, (platform_id, organic) in enumerate(kols):
            kol = get_kol_by_platform_id(session, workspace_id, platform_id)
            if kol is None or i % NO_PORTRAIT_EVERY == NO_PORTRAIT_EVERY - 1:
                continue
            check = check_mapping(demo_portrait(organic, rng))
            save_profile(
                session, workspace_id, DEMO_ENTERED_BY, check, kind="kol", kol_id=kol.id, source=source
            )
            stored += 1
    return stored
