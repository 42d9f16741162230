"""Rows for the API tests: one workspace with a KOL, notes, comments, snapshots, a campaign with
economics, a labelled example, a finished job and keys of every scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from service.store import repositories as repo
from service.store import tables

COMMENT_TEXTS = (
    "求链接！",
    "色号是多少",
    "真的假的，滤镜太重了吧",
    "恰饭了吧",
    "太好看了",
    "用了过敏，踩雷了",
    "适合油皮吗？",
    "已下单，等快递",
    "爱了爱了",
    "@SUM(1+1) 这个公式好用",
)


@dataclass
class Seeded:
    """Ids and secrets of one workspace."""

    workspace_id: int
    slug: str
    kol_id: int
    kol_platform_id: str
    note_ids: list[int]
    campaign_id: int
    job_id: int
    admin_key_id: int
    admin: str
    reader: str
    writer: str


@dataclass
class World:
    a: Seeded
    b: Seeded


def add_campaign_note(
    session: Session, campaign: tables.Campaign, note_id: int, **economics: Any
) -> tables.CampaignNote:
    """Put a note in a campaign of its workspace, with ``economics`` (``kol_id``, money as Decimal,
    counts, ``currency``)."""
    row = tables.CampaignNote(
        workspace_id=campaign.workspace_id, campaign_id=campaign.id, note_id=note_id, **economics
    )
    session.add(row)
    return row


def seed_workspace(session: Session, slug: str, *, notes: int = 5, comments_per_note: int = 8) -> Seeded:
    ws = repo.create_workspace(session, slug, f"Brand {slug}")
    kol = tables.Kol(
        workspace_id=ws.id,
        platform_user_id=f"kol-{slug}",
        nickname=f"博主{slug}",
        followers=52_000,
        category="beauty",
    )
    session.add(kol)
    session.flush()
    start = date(2026, 1, 1)
    for day in range(40):
        session.add(
            tables.FollowerSnapshot(
                workspace_id=ws.id,
                kol_id=kol.id,
                date=start + timedelta(days=day),
                followers=50_000 + 50 * day,
            )
        )
    note_ids = []
    for i in range(notes):
        published = datetime(2026, 1, 5 + 6 * i, 12, tzinfo=UTC)
        note = tables.Note(
            workspace_id=ws.id,
            platform_note_id=f"note-{slug}-{i}",
            kol_id=kol.id,
            type="video" if i % 2 else "normal",
            title=("=cmd|' /C calc'!A0 " if i == 0 else "") + f"秋冬口红试色 {i}",
            published_at=published,
            liked_count=1500 + 100 * i,
            collected_count=400 + 20 * i,
            comment_count=comments_per_note,
            share_count=30,
            sponsored=i < 3,
        )
        session.add(note)
        session.flush()
        note_ids.append(note.id)
        session.add(
            tables.NoteMetricsSnapshot(
                workspace_id=ws.id,
                note_id=note.id,
                captured_at=published.date() + timedelta(days=7),
                impressions=60_000 + 1000 * i,
                reach=48_000,
                views=9_000 + 100 * i,
                likes=1500 + 100 * i,
                saves=400 + 20 * i,
                comments=comments_per_note,
                shares=30,
                follows=40,
            )
        )
        for j in range(comments_per_note):
            session.add(
                tables.Comment(
                    workspace_id=ws.id,
                    platform_comment_id=f"c-{slug}-{i}-{j}",
                    note_id=note.id,
                    text=COMMENT_TEXTS[(i + j) % len(COMMENT_TEXTS)],
                    created_at=published + timedelta(hours=1 + 3 * j),
                    like_count=j,
                    commenter_id=f"u-{slug}-{(i * 7 + j) % 23}",
                    nickname=f"用户{j}",
                    ip_location="上海",
                )
            )
    campaign = repo.create_campaign(
        session, ws.id, "Spring Glow", brand="Glow", start_date=date(2026, 1, 1), end_date=date(2026, 2, 28)
    )
    for i, note_id in enumerate(note_ids[:3]):
        add_campaign_note(
            session,
            campaign,
            note_id,
            kol_id=kol.id,
            fee=Decimal("8000.00"),
            product_cost=Decimal("300.00"),
            paid_media=Decimal("1000.00"),
            clicks=900 + 10 * i,
            add_to_carts=200,
            orders=60 + i,
            revenue=Decimal("12000.00"),
            new_customers=40,
            currency="CNY",
        )
    repo.add_labelled_examples(
        session,
        ws.id,
        [repo.LabelledExampleIn(text="求链接呀", sentiment="positive", intents={"purchase_intent": True})],
    )
    job = repo.create_job(session, ws.id, "training", {"tasks": ["sentiment"]})
    job.state, job.progress, job.result = "succeeded", 1.0, {"tasks": {}}
    admin_key, admin = repo.create_api_key(session, ws.id, ("read", "write", "admin"), name="admin")
    _, reader = repo.create_api_key(session, ws.id, ("read",), name="reader")
    _, writer = repo.create_api_key(session, ws.id, ("write",), name="writer")
    session.flush()
    return Seeded(
        workspace_id=ws.id,
        slug=slug,
        kol_id=kol.id,
        kol_platform_id=kol.platform_user_id,
        note_ids=note_ids,
        campaign_id=campaign.id,
        job_id=job.id,
        admin_key_id=admin_key.id,
        admin=admin,
        reader=reader,
        writer=writer,
    )


def seed_world(factory: sessionmaker[Session]) -> World:
    with factory() as session, session.begin():
        a = seed_workspace(session, "brand-a")
        b = seed_workspace(session, "brand-b")
    return World(a=a, b=b)
