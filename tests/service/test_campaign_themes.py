"""service.campaign_themes: a campaign's aspect themes per KOL and before / after its first note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.store.tables import CampaignNote, Comment, Kol, Note
from tests.utils.client import auth
from tests.utils.factories import World

BEFORE = ("价格太贵了", "价格有点贵", "这个价格劝退", "价格不便宜啊", "等降价再买，价格太高")
AFTER = ("颜色很好看", "颜色太美了", "这个颜色绝了", "颜色显白", "颜色好温柔")


def _note(session, world: World, kol: Kol, key: str, when: datetime, texts: tuple[str, ...]) -> Note:
    note = Note(
        workspace_id=world.a.workspace_id, platform_note_id=key, kol_id=kol.id, title=key, published_at=when
    )
    session.add(note)
    session.flush()
    for i in range(12):
        session.add(
            Comment(
                workspace_id=world.a.workspace_id,
                platform_comment_id=f"{key}-{i}",
                note_id=note.id,
                text=texts[i % len(texts)] + "！" * (i // len(texts)),
                created_at=when + timedelta(hours=1 + i),
                commenter_id=f"{key}-user-{i}",
                nickname=f"用户{i}",
            )
        )
    return note


def test_campaign_themes_compare_kols_and_before_after(
    client: TestClient, world: World, app: FastAPI
) -> None:
    first = datetime(2026, 1, 5, 12, tzinfo=UTC)  # the seeded campaign's first note
    with app.state.services.session_factory() as session, session.begin():
        kol_a = session.get(Kol, world.a.kol_id)
        kol_b = Kol(
            workspace_id=world.a.workspace_id, platform_user_id="kol-b2", nickname="第二位", followers=9000
        )
        session.add(kol_b)
        session.flush()
        _note(session, world, kol_a, "earlier", first - timedelta(days=20), BEFORE)
        later = _note(session, world, kol_b, "b-campaign", first + timedelta(days=3), AFTER)
        session.add(
            CampaignNote(
                workspace_id=world.a.workspace_id,
                campaign_id=world.a.campaign_id,
                note_id=later.id,
                kol_id=kol_b.id,
            )
        )
    report = client.get(f"/v1/campaigns/{world.a.campaign_id}/report", headers=auth(world.a.reader)).json()
    tc = report["theme_comparison"]
    assert tc["first_note"]["published_at"] == first.isoformat()
    ba = tc["before_after"]
    assert ba["sides"]["before"]["n_comments"] == 12
    rows = {r["aspect"]: r for r in ba["rows"]}
    assert rows["price"]["before"]["share"] > 0.9 and rows["price"]["after"]["share"] < 0.1
    assert rows["price"]["change_pts"] < -80
    assert rows["price"]["before"]["net_sentiment"] < 0
    by_kol = tc["by_kol"]
    assert set(by_kol["sides"]) == {"博主brand-a", "第二位"}
    colour = next(r for r in by_kol["rows"] if r["aspect"] == "appearance")
    assert colour["groups"]["第二位"]["share"] == 1.0 and colour["groups"]["第二位"]["net_sentiment"] > 0
    page = client.get(f"/campaigns/{world.a.campaign_id}", headers=auth(world.a.reader)).text
    assert 'class="data compact theme-before-after"' in page and "第二位" in page
