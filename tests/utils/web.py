"""Builders shared by the page tests (tests/service/web) and the browser tests (tests/e2e).

* :func:`write_tiny_corpus`: every fifth note of the project's own written corpus
  (``corpora/xhs_comments/written.csv``, about 600 comments), in the corpus layout training reads;
  fitting both models on it takes about 3 s, so a training job in a test finishes in seconds.
* :func:`train_tiny_models`: real artifacts with real model cards (metrics tables, confusion
  matrix) fitted on that corpus with :func:`training.train.train_task`, made current in a
  registry, as the models page expects.
* :func:`add_kols`: ``n`` more KOLs in a workspace (paging, comparing many).
* :func:`seed_workspaces`: the demo workspace of :func:`service.demo.seed_demo` (four simulated KOLs
  with follower histories, comments and a campaign) and a second, small workspace "rival", with
  keys of every scope, for isolation tests.
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.artifacts import set_current
from models.comments import CommentModels, load_comment_models
from service.config import ROOT, Settings
from service.demo import DEMO_CAMPAIGN, seed_demo
from service.demo_market import UGC_PREFIX
from service.store import repositories as repo
from service.store.tables import Comment, FollowerSnapshot, Kol, Note
from tests.utils.factories import add_campaign_note

PROJECT_WRITTEN = ROOT / "corpora" / "xhs_comments" / "written.csv"
FIXTURES = ROOT / "tests" / "fixtures" / "web"
NOTE_STRIDE = 5
DEMO_KOLS = 4
#: Headers of a browser navigation, and the origin of the TestClient's host.
HTML = {"accept": "text/html,application/xhtml+xml"}
ORIGIN = "http://testserver"


def write_tiny_corpus(folder: Path, stride: int = NOTE_STRIDE) -> Path:
    """Every ``stride``-th note (with all its comments) of the project's written corpus."""
    folder.mkdir(parents=True, exist_ok=True)
    with PROJECT_WRITTEN.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    keys = sorted({r["note_key"] for r in rows})[::stride]
    kept = [r for r in rows if r["note_key"] in set(keys)]
    with (folder / "written.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(kept)
    return folder


def train_tiny_models(models_dir: Path, corpus_dir: Path) -> CommentModels:
    """Fit, save and make current a sentiment and an intents model on the tiny corpus."""
    from training.train import load_config, prepare_data, train_task

    data = prepare_data(corpus_dir=corpus_dir, with_public=False)
    config = load_config()
    for task in ("sentiment", "intents"):
        artifact = train_task(task, data, config, models_dir=models_dir, grid=False, baselines=False)
        set_current(task, artifact.version, models_dir)
    return load_comment_models(models_dir)


@dataclass(frozen=True)
class Keys:
    admin: str
    writer: str
    reader: str


@dataclass(frozen=True)
class Seeded:
    """What the tests need to know about the two workspaces."""

    demo_id: int
    demo: Keys
    demo_kol_ids: list[int]
    #: the simulated KOLs (follower histories, the campaign's notes); the others of demo_kol_ids
    #: are authors of the demo's keyword-search notes
    demo_simulated_kol_ids: list[int]
    demo_campaign_id: int
    rival_id: int
    rival: Keys
    rival_kol_id: int
    rival_campaign_id: int


def _keys(session: Session, workspace_id: int) -> Keys:
    _, admin = repo.create_api_key(session, workspace_id, ("admin",), name="tests admin")
    _, writer = repo.create_api_key(session, workspace_id, ("write",), name="tests writer")
    _, reader = repo.create_api_key(session, workspace_id, ("read",), name="tests reader")
    return Keys(admin=admin, writer=writer, reader=reader)


#: What the rival paid for, and earned from, each of its campaign's notes.
RIVAL_ECONOMICS = {
    "fee": Decimal("3000"),
    "clicks": 400,
    "orders": 12,
    "revenue": Decimal("2400"),
    "currency": "CNY",
}


def _seed_rival(session: Session) -> tuple[int, int, int]:
    """A second brand: one KOL with a follower history, three notes with comments, a campaign."""
    ws = repo.create_workspace(session, f"rival-{uuid.uuid4().hex[:6]}", "Rival brand (tests)")
    kol = Kol(
        workspace_id=ws.id,
        platform_user_id="rivalkol00000000000001",
        nickname="对手品牌的博主",
        followers=30_500,
        category="fashion",
        tier="micro",
    )
    session.add(kol)
    session.flush()
    for day in range(0, 40, 4):
        session.add(
            FollowerSnapshot(
                workspace_id=ws.id,
                kol_id=kol.id,
                date=date(2026, 1, 1) + timedelta(days=day),
                followers=30_000 + 50 * day,
            )
        )
    campaign = repo.create_campaign(session, ws.id, "Rival spring launch", brand="Rival", currency="CNY")
    texts = ("这件大衣哪里买", "颜色好温柔", "恰饭了吧", "尺码偏大吗？", "已下单")
    for i in range(3):
        note = Note(
            workspace_id=ws.id,
            platform_note_id=f"rivalnote{i:015d}",
            kol_id=kol.id,
            type="normal",
            title=f"春季穿搭 {i}",
            published_at=datetime(2026, 1, 5 + 7 * i, 12, tzinfo=UTC),
            liked_count=900 + 50 * i,
            collected_count=200,
            comment_count=len(texts),
            share_count=12,
        )
        session.add(note)
        session.flush()
        add_campaign_note(session, campaign, note.id, kol_id=kol.id, **RIVAL_ECONOMICS)
        for j, text in enumerate(texts):
            session.add(
                Comment(
                    workspace_id=ws.id,
                    platform_comment_id=f"rivalc{i}{j}",
                    note_id=note.id,
                    text=text,
                    created_at=datetime(2026, 1, 6 + 7 * i, 8 + j, tzinfo=UTC),
                    commenter_id=f"rivalu{j}",
                    nickname=f"路人{j}",
                )
            )
    session.flush()
    return ws.id, kol.id, campaign.id


def seed_workspaces(factory: sessionmaker[Session], settings: Settings, models: CommentModels) -> Seeded:
    """The demo workspace (4 simulated KOLs, 60 comments each at most, and the authors of its
    simulated keyword-search notes) and the rival workspace."""
    demo = seed_demo(factory, settings, models, n_kols=DEMO_KOLS, max_comments=60)
    with factory() as session, session.begin():
        extra = _keys(session, demo.workspace_id)
        demo_keys = Keys(admin=demo.key, writer=extra.writer, reader=extra.reader)
        kols = repo.list_kols(session, demo.workspace_id)
        kol_ids = [k.id for k in kols]
        simulated = [k.id for k in kols if not k.platform_user_id.startswith(UGC_PREFIX)]
        campaign = repo.get_campaign_by_name(session, demo.workspace_id, DEMO_CAMPAIGN)
        assert campaign is not None
        rival_id, rival_kol, rival_campaign = _seed_rival(session)
        rival_keys = _keys(session, rival_id)
        demo_campaign_id = campaign.id
    # the rival's comments are analysed like an upload's would be
    from service.comment_analysis import analyze_notes

    with factory() as session:
        note_ids = [n.id for n in repo.list_notes(session, rival_id)]
    analyze_notes(factory, rival_id, note_ids, models)
    return Seeded(
        demo_id=demo.workspace_id,
        demo=demo_keys,
        demo_kol_ids=kol_ids,
        demo_simulated_kol_ids=simulated,
        demo_campaign_id=demo_campaign_id,
        rival_id=rival_id,
        rival=rival_keys,
        rival_kol_id=rival_kol,
        rival_campaign_id=rival_campaign,
    )


def add_kols(
    factory: sessionmaker[Session], workspace_id: int, n: int, prefix: str, **fields: Any
) -> list[int]:
    """``n`` KOLs named ``<prefix>00``, ``<prefix>01``... (follower counts 1000, 1001...); their ids."""
    with factory() as session:
        kols = [
            Kol(
                workspace_id=workspace_id,
                platform_user_id=f"{prefix}{i:04d}",
                nickname=f"{prefix}{i:02d}",
                followers=1000 + i,
                **fields,
            )
            for i in range(n)
        ]
        session.add_all(kols)
        session.commit()
        return [k.id for k in kols]


def sign_in(client: Any, key: str, next_page: str = "/kols", headers: dict[str, str] | None = None) -> Any:
    """Post the sign-in form like a browser does (same-origin ``Origin`` header)."""
    return client.post(
        "/login",
        data={"key": key, "next": next_page},
        headers={**HTML, "origin": ORIGIN, **(headers or {})},
        follow_redirects=False,
    )


def main_pages(seeded: Seeded) -> dict[str, str]:
    """The pages a brand team works in, by name: path on the site (the demo workspace's ids)."""
    first, second = seeded.demo_kol_ids[:2]
    return {
        "home": "/",
        "kols": "/kols",
        "vetting": f"/kols/{first}",
        "compare": f"/compare?kol={first}&kol={second}",
        "campaigns": "/campaigns",
        "campaign": f"/campaigns/{seeded.demo_campaign_id}",
        "labelling": "/labelling",
        "upload": "/upload",
        "jobs": "/jobs",
        "models": "/models",
    }


def vet_demo_kols(services: Any, seeded: Seeded, **options: Any) -> tuple[list[Kol], list[dict[str, Any]]]:
    """The demo KOLs and their vettings through the app's own services (``options`` as for
    :func:`service.vetting.vet_kol`)."""
    from service.store.tables import Workspace

    with services.session_factory() as session:
        workspace = session.get(Workspace, seeded.demo_id)
        models = services.holder.for_workspace(session, seeded.demo_id)
        kols = [session.get(Kol, kol_id) for kol_id in seeded.demo_kol_ids]
        return kols, [services.vet(session, workspace, kol, models, **options) for kol in kols]
