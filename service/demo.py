"""The demo workspace: simulated KOLs, their comments and a campaign, seeded so a new user sees a
populated vetting and campaign report at first start.

What :func:`seed_demo` does (idempotent: a second run only prints the key again):

1. simulates :data:`DEMO_SCENARIOS` accounts with :mod:`training.simulate` (organic and
   manipulated KOLs with follower histories, notes, note metrics and comments), the comment texts
   drawn from the project's own corpus ``corpora/xhs_comments/written.csv``;
2. writes them in RedLens ingest formats plus a campaign-economics CSV (fees by tier, clicks,
   add-to-carts, orders and revenue; manipulated accounts convert worse, as bought audiences do)
   and imports everything through :mod:`service.ingest`, like a user's upload;
3. imports simulated keyword-search exports of the demo brand and two competitors around the
   campaign's start (:mod:`service.demo_market`), so the dashboard's share of voice, UGC
   re-creation and branded search lift are filled; stores the demo brand's target audience and
   made-up fan portraits of most campaign KOLs, so the dashboard's audience fit is filled;
4. analyses every comment with the serving model;
5. creates an API key with the read, write and admin scopes (so the demo user can promote a
   retrained model) and keeps its secret in ``<data_dir>/demo-api-key.txt`` (mode 600), so later
   runs print the same key.

Everything here is simulated: nickname, numbers and economics are made up and labelled as such.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.comments import CommentModels
from service.comment_analysis import analyze_notes
from service.config import ROOT, Settings
from service.demo_market import seed_demo_audience, seed_demo_market
from service.ingest import ingest_paths
from service.store.repositories import (
    create_api_key,
    create_campaign,
    create_workspace,
    find_api_key,
    get_campaign_by_name,
    get_workspace_by_slug,
    list_notes,
    update_workspace,
    upsert_kol,
)
from service.store.tables import Kol, Note
from training.simulate import BUILTIN_LLM, CommentPools, SimulatedAccount, simulate_accounts, write_ingest
from training.simulate import END as SIMULATION_END

DEMO_SLUG = "demo"
DEMO_NAME = "Demo brand (simulated data)"
DEMO_CAMPAIGN = "Autumn Glow 2026 (demo)"
KEY_FILE = "demo-api-key.txt"
PROJECT_WRITTEN_CORPUS = ROOT / "corpora" / "xhs_comments" / "written.csv"
DEMO_SEED = 20261125
DEMO_SCENARIOS: tuple[str, ...] = (
    "organic_steady",
    "bought_followers",
    "organic_viral",
    "bot_comments",
    "organic_seasonal",
    "engagement_pod",
    "organic_giveaway",
    "machine_comments",
)
# Made-up display names for the simulated accounts (written for the demo).
DEMO_NICKNAMES: tuple[str, ...] = (
    "小鹿的化妆台",
    "橙子护肤笔记",
    "阿七今天也要美",
    "奶茶色日记",
    "木木的通勤妆",
    "一一爱测评",
    "kiki成分党",
    "七七的梳妆盒",
)
DEMO_CATEGORIES: tuple[str, ...] = ("beauty", "skincare")
# Fee per note by tier, CNY (low, high): rough market bands for the demo only.
FEES: dict[str, tuple[int, int]] = {
    "nano": (800, 2_500),
    "micro": (3_000, 12_000),
    "mid": (20_000, 60_000),
    "macro": (80_000, 150_000),
    "top": (200_000, 400_000),
}
CAMPAIGN_NOTES_PER_KOL = 3


@dataclass(frozen=True)
class DemoResult:
    workspace_id: int
    created: bool
    key: str
    key_created: bool
    key_file: Path
    kols: int
    notes: int
    comments_analyzed: int
    campaign: str


# Share of the demo's human comment pool per kind. The project corpus was written to teach every
# intent (about a fifth of its rows each), far above what real XHS comment sections show (spam
# typically under 1 %, ad suspicion around 6 %, doubt around 15 %); an organic demo account drawn
# from it uniformly would look like a spam magnet. Spam is left to the simulator's bot scenarios.
POOL_SHARES: dict[str, float] = {"paid_suspicion": 0.04, "skepticism": 0.07, "negative": 0.08, "spam": 0.0}


def project_comment_pools(path: Path = PROJECT_WRITTEN_CORPUS, *, seed: int = DEMO_SEED) -> CommentPools:
    """Comment texts of the project's own written corpus, re-weighted to realistic proportions
    (:data:`POOL_SHARES`); LLM-style texts are the simulator's built-in list."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if (r.get("text") or "").strip()]
    if not rows:
        raise ValueError(f"{path} has no comment texts")

    def kind(row: dict[str, str]) -> str:
        for name in ("spam", "paid_suspicion", "skepticism"):
            if row.get(name) == "1":
                return name
        return "negative" if row.get("sentiment") == "negative" else "plain"

    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(kind(row), []).append(row["text"].strip())
    rng = np.random.default_rng([seed, 3])
    plain = sorted(set(groups.get("plain", [])))
    texts = list(plain)
    rest = 1.0 - sum(POOL_SHARES.values())
    for name, share in POOL_SHARES.items():
        available = sorted(set(groups.get(name, [])))
        wanted = min(len(available), round(len(plain) * share / rest))
        if wanted:
            texts.extend(available[int(i)] for i in rng.choice(len(available), size=wanted, replace=False))
    return CommentPools(
        human={"project_written": tuple(sorted(texts))}, llm=BUILTIN_LLM, source=f"project:{path.name}"
    )


def _campaign_rows(
    accounts: list[SimulatedAccount], seed: int
) -> tuple[list[dict[str, object]], list[dict[str, object]], tuple[date, date]]:
    """Economics rows for the campaign's notes, metric snapshots for the campaign notes the
    simulation gave none (brands get creator-centre figures for what they pay for), and the
    campaign's dates."""
    rng = np.random.default_rng([seed, 7])
    economics: list[dict[str, object]] = []
    snapshots: list[dict[str, object]] = []
    days: list[date] = []
    for k, sim in enumerate(accounts):
        metrics = {m.note_id: m for m in sim.account.note_metrics}  # later snapshots overwrite earlier
        notes = sorted(sim.account.notes, key=lambda n: n.published_at)
        chosen = [n for n in notes if n.sponsored][-CAMPAIGN_NOTES_PER_KOL:] or notes[
            -CAMPAIGN_NOTES_PER_KOL:
        ]
        low, high = FEES.get(sim.tier, FEES["micro"])
        # Bought audiences click and buy far less than real ones.
        quality = 1.0 if sim.label == "organic" else float(rng.uniform(0.15, 0.4))
        for note in chosen:
            days.append(note.published_at.date())
            m = metrics.get(note.note_id)
            if m is not None and m.impressions:
                impressions = m.impressions
            else:
                views = max(note.interactions, 1) / float(rng.uniform(0.06, 0.16))
                impressions = int(views / float(rng.uniform(0.05, 0.15)))
                snapshots.append(
                    {
                        "note_id": note.note_id,
                        "kol_id": sim.account.kol_id,
                        "date": (note.published_at + timedelta(days=7)).date().isoformat(),
                        "impressions": impressions,
                        "reach": int(impressions * 0.8),
                        "views": int(views),
                        "likes": note.liked_count,
                        "saves": note.collected_count,
                        "comments": note.comment_count,
                        "shares": note.share_count,
                        "follows": int(note.interactions * float(rng.uniform(0.002, 0.01))),
                    }
                )
            # Rough e-commerce rates for a sponsored XHS note (made up for the demo): link CTR
            # 0.4-2 %, add-to-cart 4-10 % of clicks, 20-40 % of carts ordered, CNY 120-260 a basket.
            clicks = int(impressions * float(rng.uniform(0.004, 0.02)) * quality)
            carts = int(clicks * float(rng.uniform(0.04, 0.10)))
            orders = int(carts * float(rng.uniform(0.2, 0.4)))
            revenue = orders * float(rng.uniform(120, 260))
            fee = float(rng.uniform(low, high))
            economics.append(
                {
                    "campaign": DEMO_CAMPAIGN,
                    "note_id": note.note_id,
                    "kol_id": sim.account.kol_id,
                    "fee": f"{fee:.2f}",
                    "product_cost": f"{float(rng.uniform(200, 600)):.2f}",
                    "paid_media": f"{fee * float(rng.uniform(0.0, 0.4)):.2f}",
                    "agency_cost": "",
                    "promo_code": f"GLOW{k + 1:02d}",
                    "clicks": clicks,
                    "add_to_carts": carts,
                    "orders": orders,
                    "revenue": f"{revenue:.2f}",
                    "new_customers": int(orders * 0.6),
                    "currency": "CNY",
                }
            )
    period = (min(days), max(days) + timedelta(days=7)) if days else (date.today(), date.today())
    return economics, snapshots, period


def _write_rows(rows: list[dict[str, object]], path: Path, empty_header: list[str]) -> Path:
    columns = list(rows[0]) if rows else empty_header
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _count(session: Session, model: type[Kol] | type[Note], workspace_id: int) -> int:
    return int(
        session.scalar(select(func.count()).select_from(model).where(model.workspace_id == workspace_id)) or 0
    )


def _write_secret(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret + "\n")
    path.chmod(0o600)


def ensure_demo_key(factory: sessionmaker[Session], workspace_id: int, key_file: Path) -> tuple[str, bool]:
    """The demo key from ``key_file`` if it is still valid, else a new one written there."""
    if key_file.exists():
        secret = key_file.read_text(encoding="utf-8").strip()
        with factory() as session:
            key = find_api_key(session, secret)
            if key is not None and key.workspace_id == workspace_id:
                return secret, False
    with factory() as session, session.begin():
        _, secret = create_api_key(session, workspace_id, ("read", "write", "admin"), name="demo")
    _write_secret(key_file, secret)
    return secret, True


def seed_demo(
    factory: sessionmaker[Session],
    settings: Settings,
    models: CommentModels | None,
    *,
    n_kols: int = len(DEMO_SCENARIOS),
    max_comments: int = 250,
    seed: int = DEMO_SEED,
    corpus: Path = PROJECT_WRITTEN_CORPUS,
    end: datetime | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    """Create (once) and return the demo workspace and its key."""
    with factory() as session, session.begin():
        workspace = get_workspace_by_slug(session, DEMO_SLUG)
        if workspace is None:
            workspace = create_workspace(session, DEMO_SLUG, DEMO_NAME, currency="CNY")
        ws = workspace.id
        populated = _count(session, Kol, ws) > 0
    analysed = 0
    if not populated:
        say(f"simulating {n_kols} KOLs (comments from {corpus.name})...")
        scenarios = [DEMO_SCENARIOS[i % len(DEMO_SCENARIOS)] for i in range(n_kols)]
        pools = project_comment_pools(corpus)
        accounts = simulate_accounts(
            seed,
            n_kols,
            pools=pools,
            scenarios=scenarios,
            max_comments=max_comments,
            end=end or SIMULATION_END,
        )
        with tempfile.TemporaryDirectory(prefix="redlens-demo-") as tmp:
            folder = Path(tmp)
            files = write_ingest(accounts, folder)
            economics_rows, snapshot_rows, (start, finish) = _campaign_rows(accounts, seed)
            economics = _write_rows(
                economics_rows, folder / "campaign.csv", ["campaign", "note_id", "kol_id"]
            )
            extra_metrics = _write_rows(
                snapshot_rows, folder / "campaign_note_metrics.csv", ["note_id", "kol_id", "date", "views"]
            )
            paths = [
                files["notes"],
                files["comments"],
                files["follower_snapshots"],
                files["note_metrics"],
                extra_metrics,
                economics,
            ]
            with factory() as session, session.begin():
                if get_campaign_by_name(session, ws, DEMO_CAMPAIGN) is None:
                    create_campaign(
                        session, ws, DEMO_CAMPAIGN, brand="Glow Lab (demo)", start_date=start, end_date=finish
                    )
            say("importing through the ingest layer...")
            summary = ingest_paths(factory, ws, paths)
            failed = [f"{f.path}: {f.failed}" for f in summary.files if f.failed]
            if failed:
                raise RuntimeError("demo import failed: " + "; ".join(failed))
        say("importing simulated keyword-search exports of the brand and two competitors...")
        seed_demo_market(factory, ws, start, seed, pools.human["project_written"])
        say("storing the demo brand's target audience and the KOLs' fan portraits...")
        seed_demo_audience(factory, ws, [(a.account.kol_id, a.label == "organic") for a in accounts], seed)
        with factory() as session, session.begin():
            update_workspace(session, ws, name=DEMO_NAME)
            for i, sim in enumerate(accounts):
                upsert_kol(
                    session,
                    ws,
                    sim.account.kol_id,
                    nickname=DEMO_NICKNAMES[i % len(DEMO_NICKNAMES)],
                    category=DEMO_CATEGORIES[i % len(DEMO_CATEGORIES)],
                    tier=sim.tier,
                )
        if models is not None:
            say(f"analysing comments with {models.version}...")
            with factory() as session:
                note_ids = [n.id for n in list_notes(session, ws, limit=100_000)]
            analysed = analyze_notes(factory, ws, note_ids, models)
    key_file = settings.data_dir / KEY_FILE
    secret, key_created = ensure_demo_key(factory, ws, key_file)
    with factory() as session:
        kols, notes = _count(session, Kol, ws), _count(session, Note, ws)
    return DemoResult(
        workspace_id=ws,
        created=not populated,
        key=secret,
        key_created=key_created,
        key_file=key_file,
        kols=kols,
        notes=notes,
        comments_analyzed=analysed,
        campaign=DEMO_CAMPAIGN,
    )
