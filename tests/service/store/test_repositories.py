"""Repository functions, on SQLite and PostgreSQL, and the isolation of workspaces: every query
function called with workspace A and rows of workspace B behaves as if those rows did not exist."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from service.store import repositories as repo
from service.store import tables

Factory = sessionmaker[Session]


@dataclass
class Seeded:
    """Ids of one workspace's rows."""

    workspace_id: int
    kol_id: int
    kol_platform_id: str
    note_id: int
    note_platform_id: str
    comment_id: int
    campaign_id: int
    job_id: int
    key_id: int
    secret: str
    model_version: str


def seed(session: Session, slug: str) -> Seeded:
    """A workspace with one row of everything. Names shared between workspaces on purpose."""
    workspace = repo.create_workspace(session, slug, f"Brand {slug}")
    ws = workspace.id
    kol = tables.Kol(workspace_id=ws, platform_user_id=f"user-{slug}", nickname=f"博主{slug}", followers=1000)
    session.add(kol)
    session.flush()
    note = tables.Note(
        workspace_id=ws,
        platform_note_id=f"note-{slug}",
        kol_id=kol.id,
        title="同名笔记",
        published_at=datetime(2024, 4, 1, tzinfo=UTC),
        comment_count=1,
    )
    session.add(note)
    session.flush()
    comment = tables.Comment(workspace_id=ws, platform_comment_id=f"c-{slug}", note_id=note.id, text="求链接")
    session.add(comment)
    session.add(
        tables.FollowerSnapshot(workspace_id=ws, kol_id=kol.id, date=date(2024, 4, 1), followers=1000)
    )
    session.add(
        tables.NoteMetricsSnapshot(workspace_id=ws, note_id=note.id, captured_at=date(2024, 4, 2), views=10)
    )
    campaign = repo.create_campaign(session, ws, "Spring")  # same campaign name in both workspaces
    session.add(
        tables.CampaignNote(
            workspace_id=ws, campaign_id=campaign.id, note_id=note.id, kol_id=kol.id, fee=Decimal("100")
        )
    )
    job = repo.create_job(session, ws, "training", {"task": "sentiment"})
    key, secret = repo.create_api_key(session, ws, "read,write")
    repo.create_web_session(session, key, timedelta(hours=1), now=datetime(2024, 4, 1, tzinfo=UTC))  # ended
    repo.add_labelled_examples(session, ws, [repo.LabelledExampleIn("好用", "positive", {}, "upload", None)])
    version = f"2024.04-{slug}"
    repo.create_model_version(session, "sentiment", version, f"/m/{version}", "0" * 64, {}, workspace_id=ws)
    session.flush()
    return Seeded(
        ws, kol.id, kol.platform_user_id, note.id, note.platform_note_id, comment.id, campaign.id, job.id, key.id,
        secret, version,
    )  # fmt: skip


@pytest.fixture
def seeded(session_factory: Factory) -> tuple[Seeded, Seeded]:
    with session_factory() as session, session.begin():
        repo.create_model_version(session, "sentiment", "shipped-1", "/m/shipped-1", "1" * 64, {"f1": 0.8})
        repo.promote_model_version(session, "sentiment", "shipped-1")
        return seed(session, "a"), seed(session, "b")


def _analysis(comment_id: int) -> repo.CommentAnalysis:
    return repo.CommentAnalysis(
        comment_id, "negative", 0.1, 0.2, 0.7, {"skepticism": {"probability": 0.9, "flag": True}}, False, "v9"
    )


# (name, call with (session, workspace A, rows of B), check of the result)
ISOLATION_CASES: list[tuple[str, Callable[[Session, Seeded, Seeded], Any], Callable[[Any], bool]]] = [
    ("get_kol", lambda s, a, b: repo.get_kol(s, a.workspace_id, b.kol_id), lambda r: r is None),
    ("get_note", lambda s, a, b: repo.get_note(s, a.workspace_id, b.note_id), lambda r: r is None),
    (
        "set_kol_figures",
        lambda s, a, b: repo.set_kol_figures(s, a.workspace_id, b.kol_id, followers=1),
        lambda r: r is None,
    ),
    (
        "get_kol_by_platform_id",
        lambda s, a, b: repo.get_kol_by_platform_id(s, a.workspace_id, b.kol_platform_id),
        lambda r: r is None,
    ),
    (
        "list_kols",
        lambda s, a, b: repo.list_kols(s, a.workspace_id),
        lambda r: [k.platform_user_id for k in r] == ["user-a"],
    ),
    (
        "list_kols search",
        lambda s, a, b: repo.list_kols(s, a.workspace_id, search="user-b"),
        lambda r: r == [],
    ),
    ("count_kols", lambda s, a, b: repo.count_kols(s, a.workspace_id), lambda r: r == 1),
    (
        "get_note_by_platform_id",
        lambda s, a, b: repo.get_note_by_platform_id(s, a.workspace_id, b.note_platform_id),
        lambda r: r is None,
    ),
    (
        "list_notes_for_kol",
        lambda s, a, b: repo.list_notes_for_kol(s, a.workspace_id, b.kol_id),
        lambda r: r == [],
    ),
    (
        "list_notes",
        lambda s, a, b: repo.list_notes(s, a.workspace_id),
        lambda r: [n.platform_note_id for n in r] == ["note-a"],
    ),
    (
        "comments_for_notes",
        lambda s, a, b: repo.comments_for_notes(s, a.workspace_id, [b.note_id, a.note_id]),
        lambda r: [c.platform_comment_id for c in r] == ["c-a"],
    ),
    ("get_comment", lambda s, a, b: repo.get_comment(s, a.workspace_id, b.comment_id), lambda r: r is None),
    (
        "count_comments_by_note",
        lambda s, a, b: repo.count_comments_by_note(s, a.workspace_id, [b.note_id]),
        lambda r: r == {},
    ),
    (
        "save_comment_analyses",
        lambda s, a, b: repo.save_comment_analyses(s, a.workspace_id, [_analysis(b.comment_id)]),
        lambda r: r == 0,
    ),
    ("follower_series", lambda s, a, b: repo.follower_series(s, a.workspace_id, b.kol_id), lambda r: r == []),
    (
        "note_metrics_series",
        lambda s, a, b: repo.note_metrics_series(s, a.workspace_id, b.note_id),
        lambda r: r == [],
    ),
    (
        "latest_note_metrics",
        lambda s, a, b: repo.latest_note_metrics(s, a.workspace_id, [b.note_id]),
        lambda r: r == {},
    ),
    (
        "list_campaigns",
        lambda s, a, b: repo.list_campaigns(s, a.workspace_id),
        lambda r: [c.workspace_id for c in r] == [r[0].workspace_id] and len(r) == 1,
    ),
    (
        "get_campaign",
        lambda s, a, b: repo.get_campaign(s, a.workspace_id, b.campaign_id),
        lambda r: r is None,
    ),
    (
        "get_campaign_by_name",  # both workspaces have a "Spring" campaign
        lambda s, a, b: getattr(repo.get_campaign_by_name(s, a.workspace_id, "Spring"), "id", None),
        lambda r: r is not None,
    ),
    (
        "upsert_kol",  # B's account imported into A is a new KOL of A, not B's row
        lambda s, a, b: repo.upsert_kol(s, a.workspace_id, b.kol_platform_id, nickname="x").workspace_id,
        lambda r: r is not None,
    ),
    (
        "current_model_versions",  # B promoted its own version; A still has none of its own
        lambda s, a, b: [
            repo.promote_model_version(s, "sentiment", b.model_version, workspace_id=b.workspace_id),
            repo.current_model_versions(s, a.workspace_id),
        ][1],
        lambda r: r == {},
    ),
    (
        "campaign_rows",
        lambda s, a, b: repo.campaign_rows(s, a.workspace_id, b.campaign_id),
        lambda r: r == [],
    ),
    ("get_job", lambda s, a, b: repo.get_job(s, a.workspace_id, b.job_id), lambda r: r is None),
    ("count_queued_jobs", lambda s, a, b: repo.count_queued_jobs(s, a.workspace_id), lambda r: r == 1),
    (
        "job_cancel_requested",  # B cancelled its job; A asking about that id learns nothing
        lambda s, a, b: [
            repo.cancel_queued_job(s, b.workspace_id, b.job_id, "cancelled"),
            repo.job_cancel_requested(s, a.workspace_id, b.job_id),
        ],
        lambda r: r == [True, False],
    ),
    ("list_jobs", lambda s, a, b: repo.list_jobs(s, a.workspace_id), lambda r: len(r) == 1),
    (
        "list_jobs of a kind",
        lambda s, a, b: repo.list_jobs(s, a.workspace_id, kind="training"),
        lambda r: [j.kind for j in r] == ["training"],
    ),
    (
        "list_labelled_examples",
        lambda s, a, b: repo.list_labelled_examples(s, a.workspace_id),
        lambda r: len(r) == 1,
    ),
    (
        "count_labelled_examples",
        lambda s, a, b: repo.count_labelled_examples(s, a.workspace_id),
        lambda r: r == 1,
    ),
    ("list_api_keys", lambda s, a, b: repo.list_api_keys(s, a.workspace_id), lambda r: len(r) == 1),
    (
        "revoke_api_key",
        lambda s, a, b: repo.revoke_api_key(s, a.workspace_id, b.key_id),
        lambda r: r is False,
    ),
    (
        "delete_ended_web_sessions",
        lambda s, a, b: repo.delete_ended_web_sessions(s, a.workspace_id),
        lambda r: r == 1,  # its own ended session only
    ),
    (
        "list_model_versions",
        lambda s, a, b: repo.list_model_versions(s, "sentiment", workspace_id=a.workspace_id),
        lambda r: sorted(m.version for m in r) == ["2024.04-a", "shipped-1"],
    ),
    (
        "get_model_version",
        lambda s, a, b: repo.get_model_version(s, "sentiment", b.model_version, workspace_id=a.workspace_id),
        lambda r: r is None,
    ),
]


@pytest.mark.parametrize(("name", "call", "check"), ISOLATION_CASES, ids=[c[0] for c in ISOLATION_CASES])
def test_repository_queries_never_cross_workspaces(
    name: str,
    call: Callable[[Session, Seeded, Seeded], Any],
    check: Callable[[Any], bool],
    seeded: tuple[Seeded, Seeded],
    session_factory: Factory,
) -> None:
    a, b = seeded
    with session_factory() as session, session.begin():
        result = call(session, a, b)
        assert check(result), f"{name} returned {result!r}"
        if name == "get_campaign_by_name":
            assert result == a.campaign_id
        if name == "upsert_kol":
            assert result == a.workspace_id
        # and workspace B's own rows are intact
        theirs = repo.get_kol(session, b.workspace_id, b.kol_id)
        assert theirs is not None and theirs.nickname == "博主b"


# Functions taking workspace_id that create rows in the given workspace or address the workspace
# itself: there is nothing of another workspace they could reach.
NOT_QUERIES = {"create_api_key", "create_campaign", "create_job", "create_model_version"}
NOT_QUERIES |= {"get_workspace", "update_workspace", "lock_workspace"}
WRITE_CASES = {
    "beat_job",
    "finish_job",
    "cancel_queued_job",
    "request_job_cancel",
    "add_labelled_examples",
    "promote_model_version",
    "unset_current",
    "touch_api_key",
}


def test_every_workspace_function_has_an_isolation_case() -> None:
    scoped = {
        name
        for name, function in inspect.getmembers(repo, inspect.isfunction)
        if function.__module__ == repo.__name__
        and not name.startswith("_")
        and "workspace_id" in inspect.signature(function).parameters
    }
    covered = {case[0].split()[0] for case in ISOLATION_CASES} | WRITE_CASES | NOT_QUERIES
    assert scoped - covered == set()


def test_web_session_lives_until_expiry_sign_out_or_key_revocation(
    seeded: tuple[Seeded, Seeded], session_factory: Factory
) -> None:
    a, b = seeded
    start = datetime.now(UTC)
    with session_factory() as session, session.begin():
        key, key_b = session.get(tables.ApiKey, a.key_id), session.get(tables.ApiKey, b.key_id)
        assert key is not None and key_b is not None
        row, token = repo.create_web_session(session, key, timedelta(hours=2), now=start)
        _, other = repo.create_web_session(session, key, timedelta(hours=2), now=start)
        _, theirs = repo.create_web_session(session, key_b, timedelta(hours=2))
    assert token.startswith(repo.SESSION_TOKEN_PREFIX) and row.token_sha256 == repo.hash_secret(token)
    assert (row.workspace_id, row.api_key_id, row.scopes) == (a.workspace_id, a.key_id, "read,write")
    with session_factory() as session:
        found = repo.find_web_session(session, token)
        assert found is not None and found[1].id == a.key_id
        assert repo.find_web_session(session, token, now=start + timedelta(hours=2)) is None  # expired
        assert repo.find_web_session(session, a.secret) is None  # an API key is not a session token
    with session_factory() as session, session.begin():
        assert repo.revoke_web_session(session, token) is True
        assert repo.revoke_web_session(session, token) is False
        assert repo.find_web_session(session, token) is None
        assert repo.find_web_session(session, other) is not None
        assert repo.revoke_api_key(session, b.workspace_id, a.key_id) is False  # another workspace's key
        assert repo.find_web_session(session, other) is not None
        assert repo.revoke_api_key(session, a.workspace_id, a.key_id) is True
        assert repo.find_web_session(session, other) is None
        assert repo.find_web_session(session, theirs) is not None
    with session_factory() as session, session.begin():
        assert repo.delete_ended_web_sessions(session, a.workspace_id) == 3  # seeded, signed out, revoked key
        assert repo.find_web_session(session, theirs) is not None


def test_repository_writes_never_cross_workspaces(
    seeded: tuple[Seeded, Seeded], session_factory: Factory
) -> None:
    a, b = seeded
    with session_factory() as session, session.begin():
        theirs = session.get(tables.Job, b.job_id)
        assert theirs is not None
        theirs.state = "running"
        repo.promote_model_version(session, "sentiment", b.model_version, workspace_id=b.workspace_id)
    with session_factory() as session, session.begin():
        assert repo.beat_job(session, a.workspace_id, b.job_id, progress=0.5, message="x") is False
        assert repo.finish_job(session, a.workspace_id, b.job_id, state="failed", message="x") is False
        assert repo.request_job_cancel(session, a.workspace_id, b.job_id) is False
        assert repo.cancel_queued_job(session, a.workspace_id, b.job_id, "x") is False
        repo.unset_current(session, "sentiment", workspace_id=a.workspace_id)
        with pytest.raises(ValueError, match="do not exist in workspace"):
            repo.add_labelled_examples(
                session, a.workspace_id, [repo.LabelledExampleIn("x", comment_id=b.comment_id)]
            )
        with pytest.raises(repo.NotFoundError):
            repo.promote_model_version(session, "sentiment", b.model_version, workspace_id=a.workspace_id)
        repo.touch_api_key(session, a.workspace_id, b.key_id)
    with session_factory() as session:
        comment = repo.get_comment(session, b.workspace_id, b.comment_id)
        key = session.get(tables.ApiKey, b.key_id)
        job = repo.get_job(session, b.workspace_id, b.job_id)
        their_models = repo.current_model_versions(session, b.workspace_id)
    assert comment is not None and comment.sentiment is None
    assert key is not None and key.last_used_at is None and key.revoked_at is None
    assert job is not None and (job.state, job.message, job.cancel_requested_at) == ("running", None, None)
    assert their_models == {"sentiment": b.model_version}


def test_api_key_secret_is_hashed_found_and_revocable(session_factory: Factory) -> None:
    with session_factory() as session, session.begin():
        workspace = repo.create_workspace(session, "keys")
        key, secret = repo.create_api_key(session, workspace.id, ["write", "read"], name="ci")
    assert secret.startswith("rl_") and len(secret) > 40
    assert key.prefix == secret[:10] and key.secret_sha256 == repo.hash_secret(secret)
    assert secret not in (key.secret_sha256, key.prefix) and key.scopes == "read,write"
    assert key.scope_set == {"read", "write"}
    with session_factory() as session, session.begin():
        found = repo.find_api_key(session, secret)
        assert found is not None and found.id == key.id and found.workspace_id == workspace.id
        assert repo.find_api_key(session, secret + "x") is None
        assert repo.find_api_key(session, "") is None
        repo.touch_api_key(session, workspace.id, key.id)
        assert repo.revoke_api_key(session, workspace.id, key.id) is True
    with session_factory() as session:
        assert repo.find_api_key(session, secret) is None
        assert repo.list_api_keys(session, workspace.id) == []
        stored = repo.list_api_keys(session, workspace.id, include_revoked=True)[0]
        assert stored.last_used_at is not None


@pytest.mark.parametrize("scopes", ["", "read,superuser", ["root"]])
def test_create_api_key_refuses_unknown_scopes(session: Session, scopes: Any) -> None:
    workspace = repo.create_workspace(session, "scopes")
    with pytest.raises(ValueError, match="scopes"):
        repo.create_api_key(session, workspace.id, scopes)


def test_create_workspace_validates_slug_and_currency(session: Session) -> None:
    with pytest.raises(ValueError, match="slug"):
        repo.create_workspace(session, "  ")
    with pytest.raises(ValueError, match="'YUAN'"):
        repo.create_workspace(session, "x", currency="yuan")
    workspace = repo.create_workspace(session, "hk", "HK Brand", currency="hkd", emv_rates={"like": 0.5})
    assert (workspace.currency, workspace.emv_rates) == ("HKD", {"like": 0.5})
    assert repo.get_workspace_by_slug(session, "hk") is workspace
    updated = repo.update_workspace(session, workspace.id, name="Renamed", emv_rates={"like": 1.0})
    assert (updated.name, updated.emv_rates) == ("Renamed", {"like": 1.0})


def test_list_kols_searches_nickname_and_orders_by_followers(session: Session) -> None:
    ws = repo.create_workspace(session, "kols").id
    session.add_all(
        [
            tables.Kol(workspace_id=ws, platform_user_id="u1", nickname="护肤小王", followers=10),
            tables.Kol(workspace_id=ws, platform_user_id="u2", nickname="护肤大王", followers=5000),
            tables.Kol(workspace_id=ws, platform_user_id="u3", nickname="100%真实", followers=None),
            tables.Kol(workspace_id=ws, platform_user_id="u4", nickname="1000真实", followers=1),
        ]
    )
    session.flush()
    assert [k.platform_user_id for k in repo.list_kols(session, ws, "护肤")] == ["u2", "u1"]
    assert [k.platform_user_id for k in repo.list_kols(session, ws, "100%")] == ["u3"]  # % is literal
    assert [k.platform_user_id for k in repo.list_kols(session, ws)][-1] == "u3"  # unknown followers last
    assert repo.count_kols(session, ws, "真实") == 2
    assert repo.count_kols(session, ws, " 100% ") == 1  # stripped, % literal as in the list
    assert repo.count_kols(session, ws, "U") == 4  # platform ids too, any case


def test_list_notes_searches_title_and_platform_id_literally(session: Session) -> None:
    ws = repo.create_workspace(session, "notes").id
    session.add_all(
        [
            tables.Note(workspace_id=ws, platform_note_id="n_1", title="秋冬_护肤"),
            tables.Note(workspace_id=ws, platform_note_id="nx1", title="秋冬的护肤"),
        ]
    )
    session.flush()
    assert {n.platform_note_id for n in repo.list_notes(session, ws, search="秋冬")} == {"n_1", "nx1"}
    assert [n.platform_note_id for n in repo.list_notes(session, ws, search="冬_护")] == [
        "n_1"
    ]  # _ is literal
    assert [n.platform_note_id for n in repo.list_notes(session, ws, search="N_")] == ["n_1"]


def test_upsert_kol_matches_user_id_and_creator_hash(session: Session) -> None:
    ws = repo.create_workspace(session, "hash").id
    anonymous = repo.upsert_kol(
        session, ws, repo.creator_hash_of("5f00000000000000000000aa"), nickname="美***A"
    )
    anonymous.creator_hash = repo.creator_hash_of("5f00000000000000000000aa")
    session.flush()
    same = repo.upsert_kol(session, ws, "5f00000000000000000000aa", followers=12)
    assert same.id == anonymous.id and same.followers == 12 and same.nickname == "美***A"
    with pytest.raises(ValueError, match="unknown KOL fields"):
        repo.upsert_kol(session, ws, "x", shoe_size=42)


def test_comments_for_notes_filters_unanalysed_and_model_version(session: Session) -> None:
    ws = repo.create_workspace(session, "an").id
    note = tables.Note(workspace_id=ws, platform_note_id="n")
    session.add(note)
    session.flush()
    comments = [
        tables.Comment(workspace_id=ws, platform_comment_id=f"c{i}", note_id=note.id, text=f"t{i}")
        for i in range(3)
    ]
    session.add_all(comments)
    session.flush()
    written = repo.save_comment_analyses(session, ws, [_analysis(comments[0].id), _analysis(comments[1].id)])
    assert written == 2
    stored = repo.get_comment(session, ws, comments[0].id)
    assert stored is not None
    assert (stored.sentiment, stored.p_negative, stored.model_version) == ("negative", 0.7, "v9")
    assert (
        stored.intents == {"skepticism": {"probability": 0.9, "flag": True}}
        and stored.analyzed_at is not None
    )
    assert [
        c.platform_comment_id for c in repo.comments_for_notes(session, ws, [note.id], only_unanalyzed=True)
    ] == ["c2"]
    assert len(repo.comments_for_notes(session, ws, [note.id], not_model_version="v9")) == 1
    assert len(repo.comments_for_notes(session, ws, [note.id], not_model_version="v10")) == 3
    assert repo.count_comments_by_note(session, ws, [note.id]) == {note.id: 3}


def test_series_are_ordered_and_latest_metrics_pick_the_newest(session: Session) -> None:
    ws = repo.create_workspace(session, "series").id
    kol = tables.Kol(workspace_id=ws, platform_user_id="k")
    session.add(kol)
    session.flush()
    note = tables.Note(workspace_id=ws, platform_note_id="n", kol_id=kol.id)
    session.add(note)
    session.flush()
    for day, followers in ((3, 30), (1, 10), (2, 20)):
        session.add(
            tables.FollowerSnapshot(
                workspace_id=ws, kol_id=kol.id, date=date(2024, 4, day), followers=followers
            )
        )
        session.add(
            tables.NoteMetricsSnapshot(
                workspace_id=ws, note_id=note.id, captured_at=date(2024, 4, day), views=day
            )
        )
    session.flush()
    assert [s.followers for s in repo.follower_series(session, ws, kol.id)] == [10, 20, 30]
    assert [s.followers for s in repo.follower_series(session, ws, kol.id, since=date(2024, 4, 2))] == [
        20,
        30,
    ]
    assert [s.views for s in repo.note_metrics_series(session, ws, note.id)] == [1, 2, 3]
    assert repo.latest_note_metrics(session, ws, [note.id])[note.id].views == 3


def test_list_notes_for_kol_newest_first_with_time_window(session: Session) -> None:
    ws = repo.create_workspace(session, "notes").id
    kol = tables.Kol(workspace_id=ws, platform_user_id="k")
    session.add(kol)
    session.flush()
    base = datetime(2024, 4, 1, tzinfo=UTC)
    for i in range(3):
        session.add(
            tables.Note(
                workspace_id=ws,
                platform_note_id=f"n{i}",
                kol_id=kol.id,
                published_at=base + timedelta(days=i),
            )
        )
    session.add(tables.Note(workspace_id=ws, platform_note_id="undated", kol_id=kol.id))
    session.flush()
    assert [n.platform_note_id for n in repo.list_notes_for_kol(session, ws, kol.id)] == [
        "n2",
        "n1",
        "n0",
        "undated",
    ]
    window = repo.list_notes_for_kol(
        session, ws, kol.id, since=base + timedelta(days=1), until=base + timedelta(days=2)
    )
    assert [n.platform_note_id for n in window] == ["n1"]


def test_campaigns_rows_carry_note_and_kol(seeded: tuple[Seeded, Seeded], session_factory: Factory) -> None:
    a, _ = seeded
    with session_factory() as session:
        campaign = repo.get_campaign_by_name(session, a.workspace_id, "Spring")
        assert campaign is not None and campaign.id == a.campaign_id and campaign.currency == "CNY"
        rows = repo.campaign_rows(session, a.workspace_id, campaign.id)
    assert len(rows) == 1 and rows[0].note.platform_note_id == "note-a"
    assert (
        rows[0].kol is not None
        and rows[0].kol.platform_user_id == "user-a"
        and rows[0].fee == Decimal("100.00")
    )
    with session_factory() as session, pytest.raises(ValueError, match="ends"):
        repo.create_campaign(
            session, a.workspace_id, "Backwards", start_date=date(2024, 5, 1), end_date=date(2024, 4, 1)
        )
    assert isinstance(campaign, tables.Campaign)


def test_job_lifecycle(session: Session) -> None:
    ws = repo.create_workspace(session, "jobs").id
    job = repo.create_job(session, ws, "training", {"task": "intents"})
    assert (job.kind, job.state, job.progress, job.started_at) == ("training", "queued", 0.0, None)
    with pytest.raises(ValueError, match="'exploded'"):
        repo.create_job(session, ws, "exploded")
    claimed = repo.claim_queued_job(session)
    assert claimed is not None and claimed.id == job.id
    assert repo.claim_queued_job(session) is None
    session.refresh(job)
    assert job.state == "running" and job.started_at is not None and job.heartbeat_at is not None
    assert repo.beat_job(session, ws, job.id, progress=0.25, message="fitting") is True
    with pytest.raises(ValueError, match="fraction"):
        repo.beat_job(session, ws, job.id, progress=1.5, message=None)
    with pytest.raises(ValueError, match="'running'"):
        repo.finish_job(session, ws, job.id, state="running", message=None)
    assert repo.finish_job(session, ws, job.id, state="succeeded", message="done", result={"f1": 0.81})
    session.refresh(job)
    assert (job.state, job.progress, job.result, job.message) == ("succeeded", 1.0, {"f1": 0.81}, "done")
    assert job.finished_at is not None
    assert repo.finish_job(session, ws, job.id, state="failed", message="late") is False  # never revived
    stale = repo.create_job(session, ws, "ingest")
    assert repo.claim_queued_job(session) is not None
    failed = repo.fail_stale_jobs(session, heartbeat_before=datetime.now(UTC) + timedelta(minutes=1))
    assert failed == 1
    assert [j.state for j in repo.list_jobs(session, ws)] == ["failed", "succeeded"]
    assert [j.id for j in repo.list_jobs(session, ws, state="failed")] == [stale.id]
    assert [j.id for j in repo.list_jobs(session, ws, kind="training")] == [job.id]


def _claims(session_factory: Factory, kinds: tuple[str, ...], n: int) -> list[tuple[str, int]]:
    """Claim ``n`` jobs of ``kinds`` one after the other: (workspace slug, job id) of each."""
    out = []
    for _ in range(n):
        with session_factory() as session, session.begin():
            job = repo.claim_queued_job(session, kinds)
            assert job is not None
            workspace = repo.get_workspace(session, job.workspace_id)
            assert workspace is not None
            out.append((workspace.slug, job.id))
    return out


def _queue(session_factory: Factory, slug: str, kind: str, n: int) -> list[int]:
    with session_factory() as session, session.begin():
        workspace = repo.get_workspace_by_slug(session, slug) or repo.create_workspace(session, slug)
        return [repo.create_job(session, workspace.id, kind).id for _ in range(n)]


def test_claims_take_turns_across_workspaces(session_factory: Factory) -> None:
    """Four trainings of one workspace queued first delay the other's by one job, not four."""
    a = _queue(session_factory, "busy", "training", 4)
    b = _queue(session_factory, "other", "training", 2)
    c = _queue(session_factory, "third", "training", 1)
    order = _claims(session_factory, ("training",), 7)
    assert order == [
        ("busy", a[0]),
        ("other", b[0]),
        ("third", c[0]),
        ("busy", a[1]),
        ("other", b[1]),
        ("busy", a[2]),
        ("busy", a[3]),
    ]


def test_a_workspace_that_queues_later_goes_before_one_served_recently(session_factory: Factory) -> None:
    a = _queue(session_factory, "busy", "training", 3)
    assert _claims(session_factory, ("training",), 1) == [("busy", a[0])]
    b = _queue(session_factory, "late", "training", 1)
    assert _claims(session_factory, ("training",), 2) == [("late", b[0]), ("busy", a[1])]


def test_a_lane_claims_only_its_kinds(session_factory: Factory) -> None:
    """The ingest lane takes another workspace's ingest at once, whatever trainings wait."""
    trainings = _queue(session_factory, "busy", "training", 4)
    ingest = _queue(session_factory, "small", "ingest", 1)
    assert _claims(session_factory, ("ingest",), 1) == [("small", ingest[0])]
    with session_factory() as session, session.begin():
        assert repo.claim_queued_job(session, ("ingest",)) is None
    assert _claims(session_factory, ("training",), 1) == [("busy", trainings[0])]


def test_cancelling_a_queued_job_and_asking_a_running_one_to_stop(session: Session) -> None:
    ws = repo.create_workspace(session, "cancel").id
    queued, running = repo.create_job(session, ws, "ingest"), repo.create_job(session, ws, "training")
    assert repo.cancel_queued_job(session, ws, queued.id, "cancelled before it started") is True
    claimed = repo.claim_queued_job(session)
    assert claimed is not None and claimed.id == running.id  # the cancelled job is never claimed
    assert repo.count_queued_jobs(session, ws) == 0
    assert repo.job_cancel_requested(session, ws, running.id) is False
    assert repo.cancel_queued_job(session, ws, running.id, "x") is False  # running: not cancelled at once
    assert repo.request_job_cancel(session, ws, running.id) is True
    assert repo.job_cancel_requested(session, ws, running.id) is True
    assert repo.finish_job(session, ws, running.id, state="cancelled", message="cancelled at 40%") is True
    assert repo.request_job_cancel(session, ws, running.id) is False  # finished: nothing to stop
    session.refresh(queued)
    session.refresh(running)
    assert (queued.state, queued.message) == ("cancelled", "cancelled before it started")
    assert queued.finished_at is not None and queued.started_at is None
    assert (running.state, running.progress) == ("cancelled", 0.0)


def test_a_stale_job_asked_to_stop_ends_cancelled(session: Session) -> None:
    ws = repo.create_workspace(session, "stale").id
    stopping, lost = repo.create_job(session, ws, "training"), repo.create_job(session, ws, "ingest")
    assert repo.claim_queued_job(session) is not None and repo.claim_queued_job(session) is not None
    repo.request_job_cancel(session, ws, stopping.id)
    assert repo.fail_stale_jobs(session, datetime.now(UTC) + timedelta(minutes=1), "no heartbeat") == 2
    session.refresh(stopping)
    session.refresh(lost)
    assert (stopping.state, stopping.message) == ("cancelled", "cancelled (no heartbeat)")
    assert (lost.state, lost.message) == ("failed", "no heartbeat")


def test_active_job_ids_are_the_queued_and_running_ones(session: Session) -> None:
    ws = repo.create_workspace(session, "active").id
    done, running, queued = (repo.create_job(session, ws, "ingest") for _ in range(3))
    for _ in range(2):
        repo.claim_queued_job(session)
    repo.finish_job(session, ws, done.id, state="succeeded", message="done")
    assert repo.active_job_ids(session, [done.id, running.id, queued.id, 999]) == {running.id, queued.id}


def test_model_versions_promote_within_their_scope(
    seeded: tuple[Seeded, Seeded], session_factory: Factory
) -> None:
    a, b = seeded
    with session_factory() as session, session.begin():
        assert repo.current_model_versions(session, a.workspace_id) == {}  # nothing of its own yet
        repo.promote_model_version(session, "sentiment", a.model_version, workspace_id=a.workspace_id)
    with session_factory() as session, session.begin():
        assert repo.current_model_versions(session, a.workspace_id) == {"sentiment": a.model_version}
        assert repo.current_model_versions(session, b.workspace_id) == {}
        assert repo.current_model_versions(session) == {"sentiment": "shipped-1"}
        repo.create_model_version(session, "sentiment", "shipped-2", "/m/2", "2" * 64, {"f1": 0.85})
        repo.promote_model_version(session, "sentiment", "shipped-2")
    with session_factory() as session:
        old = repo.get_model_version(session, "sentiment", "shipped-1")
        assert repo.current_model_versions(session) == {"sentiment": "shipped-2"}
        assert old is not None and old.is_current is False
        assert repo.current_model_versions(session, a.workspace_id) == {"sentiment": a.model_version}


def test_rollback_returns_the_workspace_to_its_previous_promotion(
    seeded: tuple[Seeded, Seeded], session_factory: Factory
) -> None:
    a, _ = seeded
    with session_factory() as session, session.begin():
        repo.create_model_version(
            session, "sentiment", "own-2", "/m/own-2", "3" * 64, workspace_id=a.workspace_id
        )
        repo.promote_model_version(session, "sentiment", a.model_version, workspace_id=a.workspace_id)
        latest = repo.promote_model_version(session, "sentiment", "own-2", workspace_id=a.workspace_id)
        assert repo.current_model_versions(session, a.workspace_id) == {"sentiment": "own-2"}
        restored = repo.roll_back_model_version(session, latest)
        assert restored is not None and restored.version == a.model_version
        assert repo.current_model_versions(session, a.workspace_id) == {"sentiment": a.model_version}
        repo.unset_current(session, "sentiment", workspace_id=a.workspace_id)
        assert repo.current_model_versions(session, a.workspace_id) == {}
        shipped = repo.find_model_version(session, "sentiment", "shipped-1")
        assert shipped is not None
        with pytest.raises(ValueError, match="shipped"):
            repo.roll_back_model_version(session, shipped)


def test_a_workspace_version_made_the_deployments_is_shipped(
    seeded: tuple[Seeded, Seeded], session_factory: Factory
) -> None:
    a, b = seeded
    with session_factory() as session, session.begin():
        row = repo.find_model_version(session, "sentiment", a.model_version)
        assert row is not None and row.workspace_id == a.workspace_id
        assert repo.model_version_trainers(session) == {
            ("sentiment", a.model_version): "a",
            ("sentiment", b.model_version): "b",
        }
        repo.mark_current(session, repo.make_shipped(session, row, "/models/sentiment/x"))
        assert row.path == "/models/sentiment/x"
        assert ("sentiment", a.model_version) not in repo.model_version_trainers(session)
        assert repo.current_model_versions(session) == {"sentiment": a.model_version}
        visible_to_b = repo.get_model_version(
            session, "sentiment", a.model_version, workspace_id=b.workspace_id
        )
        assert visible_to_b is not None and visible_to_b.id == row.id
