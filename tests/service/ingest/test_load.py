"""Ingestion into a real database, on SQLite and PostgreSQL (the ``db_url`` fixture runs each test
on both): counts per fixture format, idempotent re-import, row errors, atomicity, merging."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from service.ingest import FileSummary, IngestProgress, ingest_file, ingest_paths
from service.ingest import load as load_module
from service.ingest.formats import creator_hash_of
from service.store import repositories as repo
from service.store import tables
from tests.utils import FIXTURES as TEST_FILES

FIXTURES = TEST_FILES / "ingest"

KOL_A = "5fa0000000000000000000a1"
KOL_B = "5fa0000000000000000000a2"
AS_OF = date(2026, 1, 2)

# file -> (format, rows, inserted, duplicates, rejected, rows of other tables created); options
EXPECTED: dict[str, tuple[str, int, int, int, int, dict[str, int]]] = {
    "mediacrawler_comments_v1.csv": ("mediacrawler_comments_v1", 9, 5, 1, 3, {"placeholder_note": 3}),
    "mediacrawler_comments_v2.json": ("mediacrawler_comments_v2", 6, 4, 1, 1, {"placeholder_note": 2}),
    "mediacrawler_comments_v2.jsonl": ("mediacrawler_comments_v2", 4, 3, 0, 1, {"placeholder_note": 1}),
    "xhs_hashed_comments.csv": ("xhs_hashed_comments", 6, 4, 1, 1, {"placeholder_note": 2}),
    "mediacrawler_contents_v1.csv": ("mediacrawler_notes", 5, 3, 1, 1, {"kol": 2, "search_hit": 3}),
    "mediacrawler_contents_v2.jsonl": ("mediacrawler_notes", 2, 2, 0, 0, {"kol": 2, "search_hit": 2}),
    "spider_xhs_notes.json": ("spider_xhs_notes", 3, 2, 0, 1, {"kol": 1}),
    "spider_xhs_note_info.json": ("spider_xhs_notes", 1, 1, 0, 0, {"kol": 1}),
    "spider_xhs_comments.json": ("spider_xhs_comments", 4, 3, 0, 1, {"placeholder_note": 2}),
    "spider_notes_xlsx": ("spider_xhs_notes", 4, 2, 1, 1, {"kol": 1}),
    "spider_comments_xlsx": ("spider_xhs_comments", 5, 3, 0, 2, {"placeholder_note": 2}),
    "creator_centre_notes.csv": ("creator_centre_notes", 6, 4, 1, 1, {"kol": 1, "note": 4}),
    "redlens_follower_snapshots.csv": ("redlens_follower_snapshots", 7, 4, 1, 2, {"kol": 2}),
    "redlens_note_metrics.csv": ("redlens_note_metrics", 6, 4, 1, 1, {"kol": 1, "placeholder_note": 3}),
    "redlens_campaign.csv": (
        "redlens_campaign",
        5,
        3,
        0,
        2,
        {"campaign": 1, "kol": 1, "placeholder_note": 3},
    ),
}
OPTIONS: dict[str, dict[str, Any]] = {"creator_centre_notes.csv": {"kol": KOL_A, "as_of": AS_OF}}
TABLES = (
    tables.Workspace,
    tables.Kol,
    tables.Note,
    tables.Comment,
    tables.NoteMetricsSnapshot,
    tables.FollowerSnapshot,
    tables.Campaign,
    tables.CampaignNote,
)

Factory = sessionmaker[Session]


def _path(name: str, request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(name) if name.endswith("_xlsx") else FIXTURES / name


def _table_counts(factory: Factory) -> dict[str, int]:
    with factory() as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}


def _assert_balanced(summary: FileSummary) -> None:
    assert summary.rows == (
        summary.inserted + summary.updated + summary.unchanged + summary.duplicates + summary.rejected
    ), summary


Ingest = Callable[[str], FileSummary]


@pytest.fixture
def ingest(session_factory: Factory, make_workspace: Callable[..., tables.Workspace]) -> Ingest:
    """Imports one test file of ``tests/fixtures/ingest`` by name into one fresh workspace."""
    workspace = make_workspace()
    return lambda name: ingest_file(session_factory, workspace.id, FIXTURES / name)


@dataclass
class FixtureImport:
    """One fixture file of :data:`EXPECTED` and a fresh workspace; :meth:`run` imports it."""

    name: str
    run: Callable[[], FileSummary]


@pytest.fixture(params=sorted(EXPECTED))
def fixture_import(
    request: pytest.FixtureRequest, session_factory: Factory, make_workspace: Callable[..., tables.Workspace]
) -> FixtureImport:
    name, workspace = request.param, make_workspace()
    path = _path(name, request)
    return FixtureImport(
        name, lambda: ingest_file(session_factory, workspace.id, path, **OPTIONS.get(name, {}))
    )


def test_ingest_file_counts_every_fixture_format(fixture_import: FixtureImport) -> None:
    fmt, rows, inserted, duplicates, rejected, created = EXPECTED[fixture_import.name]

    first = fixture_import.run()

    assert first.ok, first.failed
    assert (first.format, first.rows, first.inserted, first.duplicates, first.rejected) == (
        fmt,
        rows,
        inserted,
        duplicates,
        rejected,
    )
    assert first.updated == first.unchanged == 0
    assert first.created == created
    assert len(first.errors) >= rejected
    _assert_balanced(first)


def test_ingest_file_reimport_changes_nothing(
    fixture_import: FixtureImport, session_factory: Factory
) -> None:
    first = fixture_import.run()
    before = _table_counts(session_factory)

    again = fixture_import.run()

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.inserted)
    assert (again.duplicates, again.rejected) == (first.duplicates, first.rejected)
    assert again.created == {}
    assert _table_counts(session_factory) == before
    _assert_balanced(again)


def test_ingest_file_reports_bad_rows_with_line_and_column_and_keeps_good_ones(
    session_factory: Factory, ingest: Ingest
) -> None:
    summary = ingest("mediacrawler_comments_v1.csv")

    where = [(e.file.rsplit("/", 1)[-1], e.line, e.column) for e in summary.errors]
    assert where == [
        ("mediacrawler_comments_v1.csv", 7, "create_time"),
        ("mediacrawler_comments_v1.csv", 8, "comment_id"),
        ("mediacrawler_comments_v1.csv", 9, "like_count"),
    ]
    assert "notatime" in summary.errors[0].reason and summary.errors[0].value == "notatime"
    assert "abc" in summary.errors[2].reason
    with session_factory() as session:
        comments = {c.platform_comment_id: c for c in session.scalars(select(tables.Comment))}
    assert sorted(comments) == ["c101", "c102", "c103", "c104", "c107"]
    assert comments["c102"].like_count == 21000  # the later duplicate ("2.1w") wins
    assert comments["c103"].like_count == 15000
    assert comments["c103"].parent_comment_id == "c101"
    assert comments["c101"].parent_comment_id is None  # MediaCrawler writes 0 for "no parent"
    assert comments["c103"].created_at == datetime(2024, 4, 24, 23, 8, 40, tzinfo=UTC)  # seconds
    assert comments["c104"].created_at == datetime(2024, 4, 25, 0, 30, tzinfo=UTC)  # UTC+8 string
    assert comments["c104"].text == "多行的\r\n评论，第二行"
    assert comments["c104"].like_count == 100000  # 10万+
    assert comments["c107"].text == "" and comments["c107"].like_count is None
    assert comments["c107"].pictures == ["https://img.example/p1.jpg"]
    assert comments["c101"].commenter_id == "5f0000000000000000000001"
    assert comments["c101"].commenter_hash == creator_hash_of("5f0000000000000000000001")


def test_ingest_file_locates_errors_in_json_arrays_and_json_lines(ingest: Ingest) -> None:
    array = ingest("mediacrawler_comments_v2.json")
    lines = ingest("mediacrawler_comments_v2.jsonl")

    text = (FIXTURES / "mediacrawler_comments_v2.json").read_text(encoding="utf-8")
    bad_object_line = text[: text.index('"c204"')].count("\n")  # the line of its opening brace
    assert [(e.line, e.column) for e in array.errors] == [(bad_object_line, "create_time")]
    assert [(e.line, e.column) for e in lines.errors] == [(2, None)]
    assert lines.errors[0].reason.startswith("invalid JSON at line 2 column ")


def test_ingest_file_unknown_header_names_the_expected_columns(
    session_factory: Factory, ingest: Ingest
) -> None:
    before = _table_counts(session_factory)

    summary = ingest("unknown_columns.csv")

    assert not summary.ok and summary.format is None
    assert summary.failed is not None
    assert "id, time, text, likes" in summary.failed
    assert "mediacrawler_notes" in summary.failed
    assert "expects note_id, type, title, desc, time, liked_count" in summary.failed
    assert "missing: note_id, type, title, desc, liked_count" in summary.failed
    assert _table_counts(session_factory) == before


def test_ingest_file_crash_half_way_leaves_nothing(
    session_factory: Factory, ingest: Ingest, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _table_counts(session_factory)
    real_insert = load_module._insert
    calls = {"n": 0}

    def crash_on_second_batch(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # placeholders written, comments not yet
            raise RuntimeError("simulated crash")
        real_insert(*args, **kwargs)

    monkeypatch.setattr(load_module, "_insert", crash_on_second_batch)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest("mediacrawler_comments_v1.csv")

    assert calls["n"] == 2
    assert _table_counts(session_factory) == before
    monkeypatch.setattr(load_module, "_insert", real_insert)
    summary = ingest("mediacrawler_comments_v1.csv")
    assert summary.inserted == 5


def test_ingest_file_in_a_caller_session_rolls_back_only_the_failed_file(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = make_workspace()
    with session_factory() as session:
        ok = ingest_file(session, workspace.id, FIXTURES / "mediacrawler_contents_v1.csv")
        monkeypatch.setattr(load_module, "_update", _raise)
        monkeypatch.setattr(load_module, "_insert", _raise)
        with pytest.raises(RuntimeError):
            ingest_file(session, workspace.id, FIXTURES / "mediacrawler_comments_v1.csv")
        session.commit()
    assert ok.inserted == 3
    counts = _table_counts(session_factory)
    assert (counts["note"], counts["comment"]) == (3, 0)


def _raise(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("simulated crash")


def test_ingest_comments_then_notes_completes_placeholders_and_reports_coverage(
    session_factory: Factory, ingest: Ingest
) -> None:
    comments = ingest("mediacrawler_comments_v1.csv")
    notes = ingest("mediacrawler_contents_v1.csv")

    assert comments.created == {"placeholder_note": 3}
    assert (notes.inserted, notes.updated) == (0, 3)  # the three placeholders became real notes
    with session_factory() as session:
        stored = {n.platform_note_id: n for n in session.scalars(select(tables.Note))}
        kols = {k.platform_user_id: k for k in session.scalars(select(tables.Kol))}
    assert not any(n.is_placeholder for n in stored.values())
    assert stored["n001"].kol_id == kols[KOL_A].id and stored["n003"].kol_id == kols[KOL_B].id
    assert stored["n001"].liked_count == 13000  # duplicate row "1.3万" wins over "1.2万"
    assert stored["n002"].liked_count == 100000 and stored["n002"].collected_count == 21000
    assert stored["n003"].share_count == 1500
    assert stored["n001"].tags == ["防晒", "护肤"]
    assert stored["n002"].type == "video" and stored["n002"].last_update_at is None
    coverage = {c.note_id: (c.collected, c.reported, c.coverage) for c in notes.coverage}
    assert coverage == {"n001": (2, 4, 0.5), "n002": (2, 3, 0.6667), "n003": (1, 10, 0.1)}


def test_ingest_paths_imports_notes_before_comments(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace]
) -> None:
    workspace = make_workspace()
    summary = ingest_paths(
        session_factory,
        workspace.id,
        [FIXTURES / "mediacrawler_comments_v1.csv", FIXTURES / "mediacrawler_contents_v1.csv"],
    )
    assert [f.format for f in summary.files] == ["mediacrawler_notes", "mediacrawler_comments_v1"]
    assert "placeholder_note" not in summary.files[1].created
    json.dumps(summary.to_dict())  # JSON-serialisable as is
    assert summary.to_dict()["totals"]["inserted"] == 8


def test_ingest_current_schema_never_overwrites_real_identity_with_hash_or_masked_name(
    session_factory: Factory, ingest: Ingest
) -> None:
    ingest("mediacrawler_comments_v1.csv")
    second = ingest("mediacrawler_comments_v2.json")

    assert (second.inserted, second.updated) == (3, 1)  # c101 again, with more likes
    with session_factory() as session:
        c101 = session.scalar(select(tables.Comment).where(tables.Comment.platform_comment_id == "c101"))
    assert c101 is not None
    assert c101.like_count == 15
    assert c101.commenter_id == "5f0000000000000000000001"
    assert c101.nickname == "小明同学"


def test_ingest_recognises_one_kol_across_user_id_and_creator_hash(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace]
) -> None:
    workspace = make_workspace()
    ingest_file(session_factory, workspace.id, FIXTURES / "mediacrawler_contents_v1.csv")
    current = ingest_file(session_factory, workspace.id, FIXTURES / "mediacrawler_contents_v2.jsonl")

    # only the 0123456789abcdef account is new (each note keeps the keyword that found it)
    assert current.created == {"kol": 1, "search_hit": 2}
    with session_factory() as session:
        kol_a = repo.get_kol_by_platform_id(session, workspace.id, KOL_A)
        assert kol_a is not None and kol_a.nickname == "美妆博主A"
        notes = repo.list_notes_for_kol(session, workspace.id, kol_a.id)
    assert sorted(n.platform_note_id for n in notes) == ["n001", "n002", "n004"]


def test_ingest_changed_comment_text_clears_its_analysis(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace], tmp_path: Path
) -> None:
    workspace = make_workspace()
    source = FIXTURES / "mediacrawler_comments_v1.csv"
    ingest_file(session_factory, workspace.id, source)
    with session_factory() as session, session.begin():
        ids = {c.platform_comment_id: c.id for c in session.scalars(select(tables.Comment))}
        analyses = [
            repo.CommentAnalysis(
                ids[pid],
                "positive",
                0.8,
                0.15,
                0.05,
                {"question": {"probability": 0.1, "flag": False}},
                False,
                "v1",
            )
            for pid in ("c101", "c102")
        ]
        repo.save_comment_analyses(session, workspace.id, analyses)
    edited = tmp_path / "edited.csv"
    edited.write_bytes(
        source.read_bytes().replace("求链接！哪里买".encode(), "求链接！哪里买？已回购".encode())
    )

    summary = ingest_file(session_factory, workspace.id, edited)

    assert summary.updated == 1
    with session_factory() as session:
        rows = {c.platform_comment_id: c for c in session.scalars(select(tables.Comment))}
    assert rows["c101"].sentiment is None and rows["c101"].analyzed_at is None
    assert rows["c102"].sentiment == "positive" and rows["c102"].model_version == "v1"


def test_ingest_creator_centre_needs_the_kol(ingest: Ingest) -> None:
    summary = ingest("creator_centre_notes.csv")
    assert not summary.ok and summary.failed is not None and "--kol" in summary.failed


def test_ingest_creator_centre_matches_stored_notes_and_snapshots_metrics(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace]
) -> None:
    workspace = make_workspace()
    first = ingest_file(
        session_factory, workspace.id, FIXTURES / "creator_centre_notes.csv", kol=KOL_A, as_of=AS_OF
    )
    later = ingest_file(
        session_factory,
        workspace.id,
        FIXTURES / "creator_centre_notes.csv",
        kol=KOL_A,
        as_of=date(2026, 1, 9),
    )

    assert first.errors[0].line == 7 and first.errors[0].column == "首次发布时间"
    assert later.created == {} and later.inserted == 4  # same notes, new snapshot date
    with session_factory() as session:
        note = session.scalar(select(tables.Note).where(tables.Note.title == "给培训客户出的方案"))
        assert note is not None and note.type == "normal"
        assert note.published_at == datetime(2025, 12, 24, 3, 14, 15, tzinfo=UTC)
        series = repo.note_metrics_series(session, workspace.id, note.id)
    assert [s.captured_at for s in series] == [AS_OF, date(2026, 1, 9)]
    assert series[0].impressions == 12000
    assert series[0].cover_ctr == pytest.approx(0.123)
    assert series[0].avg_watch_seconds == 166.0
    assert series[0].follows == 1


def test_ingest_follower_snapshots_refresh_kol_followers(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace]
) -> None:
    workspace = make_workspace()
    summary = ingest_file(session_factory, workspace.id, FIXTURES / "redlens_follower_snapshots.csv")

    assert [(e.line, e.column) for e in summary.errors] == [(6, "date"), (7, "followers")]
    with session_factory() as session:
        kol = repo.get_kol_by_platform_id(session, workspace.id, KOL_A)
        assert kol is not None and kol.followers == 12350 and kol.following == 121
        series = repo.follower_series(session, workspace.id, kol.id)
    assert [(s.date, s.followers, s.likes_and_collects) for s in series] == [
        (date(2024, 4, 1), 12000, 34000),
        (date(2024, 4, 2), 12150, 34150),
        (date(2024, 4, 3), 12350, None),
    ]


def test_ingest_note_metrics_rejects_a_note_of_another_kol(ingest: Ingest) -> None:
    ingest("mediacrawler_contents_v1.csv")
    summary = ingest("redlens_note_metrics.csv")

    assert summary.inserted == 3
    assert [(e.line, e.column) for e in summary.errors] == [(5, "kol_id"), (6, "likes")]
    assert KOL_B in summary.errors[0].reason
    _assert_balanced(summary)


def test_ingest_campaign_economics_with_default_campaign(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace]
) -> None:
    workspace = make_workspace(currency="CNY")
    summary = ingest_file(
        session_factory, workspace.id, FIXTURES / "redlens_campaign.csv", campaign="Always On"
    )

    assert (summary.inserted, summary.rejected) == (4, 1)
    assert summary.errors[0].line == 5 and summary.errors[0].column == "fee"
    with session_factory() as session:
        campaigns = {c.name: c for c in repo.list_campaigns(session, workspace.id)}
        rows = repo.campaign_rows(session, workspace.id, campaigns["Spring Sun 2024"].id)
        always_on = repo.campaign_rows(session, workspace.id, campaigns["Always On"].id)
    assert sorted(campaigns) == ["Always On", "Spring Sun 2024"]
    first = rows[0]
    assert (
        first.note.platform_note_id == "n001"
        and first.kol is not None
        and first.kol.platform_user_id == KOL_A
    )
    assert (first.fee, first.product_cost, first.agency_cost, first.revenue) == (
        Decimal("12000.00"),
        Decimal("350.50"),
        Decimal("1500.00"),
        Decimal("18240.00"),
    )
    assert rows[1].currency == "CNY"  # empty cell: the campaign's currency
    assert all(r.note.sponsored for r in rows)
    assert [r.note.platform_note_id for r in always_on] == ["n005"]


def test_ingest_campaign_option_links_imported_notes(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace]
) -> None:
    workspace = make_workspace()
    summary = ingest_file(
        session_factory, workspace.id, FIXTURES / "mediacrawler_contents_v1.csv", campaign="Launch"
    )
    again = ingest_file(
        session_factory, workspace.id, FIXTURES / "mediacrawler_contents_v1.csv", campaign="Launch"
    )

    assert summary.created == {"kol": 2, "search_hit": 3, "campaign": 1, "campaign_note": 3}
    assert again.created == {}
    with session_factory() as session:
        campaign = repo.get_campaign_by_name(session, workspace.id, "Launch")
        assert campaign is not None
        rows = repo.campaign_rows(session, workspace.id, campaign.id)
    assert sorted(r.note.platform_note_id for r in rows) == ["n001", "n002", "n003"]
    assert all(r.fee is None and r.note.sponsored for r in rows)


def test_ingest_xlsx_reads_spider_xhs_python_reprs(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace], spider_notes_xlsx: Path
) -> None:
    workspace = make_workspace()
    summary = ingest_file(session_factory, workspace.id, spider_notes_xlsx)

    assert [(e.line, e.column) for e in summary.errors] == [(4, "笔记类型")]
    with session_factory() as session:
        notes = {n.platform_note_id: n for n in session.scalars(select(tables.Note))}
    assert notes["x001"].tags == ["辅食", "母婴"] and notes["x001"].liked_count == 13000
    assert notes["x001"].type == "video" and notes["x002"].type == "normal"
    assert notes["x002"].collected_count is None  # "None" written by str(None)
    assert notes["x001"].published_at == datetime(2024, 5, 6, 11, 30, tzinfo=UTC)


def test_ingest_progress_reports_reading_writing_and_done(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace]
) -> None:
    workspace = make_workspace()
    events: list[IngestProgress] = []
    ingest_paths(
        session_factory,
        workspace.id,
        [FIXTURES / "mediacrawler_contents_v1.csv", FIXTURES / "mediacrawler_comments_v1.csv"],
        progress=events.append,
    )
    stages = [(e.file_index, e.stage) for e in events]
    assert (0, "reading") in stages and (0, "writing") in stages and stages[-1] == (1, "done")
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_ingest_file_stores_text_databases_would_refuse(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace], tmp_path: Path
) -> None:
    workspace = make_workspace()
    path = tmp_path / "odd.jsonl"
    row = {"comment_id": "odd1", "create_time": 1714000000000, "note_id": "n1", "creator_hash": "h1"}
    with path.open("w", encoding="utf-8") as fh:  # json.dumps escapes: \u0000 and a lone \ud83d survive
        fh.write(json.dumps({**row, "content": "nul\x00here", "nickname": "半个\ud83d"}) + "\n")
        fh.write(json.dumps({**row, "comment_id": "big", "content": "x", "like_count": "9" * 20}) + "\n")

    summary = ingest_file(session_factory, workspace.id, path)

    assert (summary.inserted, summary.rejected) == (1, 1)
    assert summary.errors[0].column == "like_count" and "too large" in summary.errors[0].reason
    with session_factory() as session:
        comment = session.scalar(select(tables.Comment))
    assert comment is not None and comment.text == "nulhere" and comment.nickname == "半个?"


def test_ingest_file_refuses_an_unknown_workspace(session_factory: Factory) -> None:
    with pytest.raises(LookupError, match="workspace 999999"):
        ingest_file(session_factory, 999_999, FIXTURES / "mediacrawler_comments_v1.csv")


def _mediacrawler_comment(n: int, **values: Any) -> dict[str, Any]:
    row = {"comment_id": f"c{n}", "create_time": 1714000000000 + n, "note_id": "n1", "creator_hash": "h1"}
    return {**row, "content": "好看", **values}


def test_ingest_json_lines_with_a_long_first_line_imports_every_line(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace], tmp_path: Path
) -> None:
    """The issue's case: a first line over 256 KB made the file one JSON object, 1 row of 1,000."""
    workspace = make_workspace()
    rows = [_mediacrawler_comment(0, content="长" * 150_000)] + [
        _mediacrawler_comment(n) for n in range(1, 1000)
    ]
    path = tmp_path / "comments.json"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    summary = ingest_file(session_factory, workspace.id, path)

    assert (summary.ok, summary.rows, summary.inserted, summary.rejected) == (True, 1000, 1000, 0)


def test_ingest_a_file_read_only_in_part_says_so(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace], tmp_path: Path
) -> None:
    workspace = make_workspace()
    path = tmp_path / "comments.json"
    objects = [json.dumps(_mediacrawler_comment(n)) for n in range(3)]
    path.write_text(f"[{objects[0]},\n{objects[1]}\n{objects[2]}]", encoding="utf-8")

    summary = ingest_file(session_factory, workspace.id, path, display_name="mine.json")

    assert summary.inserted == 2 and not summary.ok
    assert summary.incomplete is not None and "line 3" in summary.incomplete
    assert "the rest of the file was not read" in summary.incomplete
    assert summary.to_dict()["ok"] is False


def test_ingest_gb18030_json_lines_stores_the_chinese_text(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace], tmp_path: Path
) -> None:
    workspace = make_workspace()
    path = tmp_path / "gbk.jsonl"
    rows = [
        _mediacrawler_comment(1, content="求链接！黄皮能用吗"),
        _mediacrawler_comment(2, content="滤镜太重"),
    ]
    path.write_bytes("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("gb18030"))

    summary = ingest_file(session_factory, workspace.id, path)

    assert (summary.inserted, summary.rejected) == (2, 0)
    with session_factory() as session:
        texts = set(session.scalars(select(tables.Comment.text)))
    assert texts == {"求链接！黄皮能用吗", "滤镜太重"}


def test_ingest_refuses_rows_without_content_huge_counts_and_deep_nesting(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace], tmp_path: Path
) -> None:
    """Per-row errors, the good rows kept: an object without ``content`` is no empty comment."""
    workspace = make_workspace()
    no_content = {k: v for k, v in _mediacrawler_comment(2).items() if k != "content"}
    lines = [
        json.dumps(_mediacrawler_comment(1)),
        json.dumps(no_content),
        json.dumps(_mediacrawler_comment(3, like_count=1e30)),
        json.dumps(_mediacrawler_comment(4, like_count="1" + "0" * 30)),
        json.dumps(_mediacrawler_comment(5)).replace('"h1"', "9" * 5000),
        json.dumps(_mediacrawler_comment(6, content="DEEP")).replace('"DEEP"', "[" * 5000 + "]" * 5000),
        json.dumps(_mediacrawler_comment(7, content={"text": "好看"})),
        json.dumps(_mediacrawler_comment(8, content="")),
    ]
    path = tmp_path / "comments.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    summary = ingest_file(session_factory, workspace.id, path)

    assert (summary.inserted, summary.rejected) == (2, 6)
    reasons = {error.line: (error.column, error.reason) for error in summary.errors}
    assert reasons[2] == ("content", "is missing: an object without content is not a comment")
    assert reasons[3][0] == "like_count" and "too large" in reasons[3][1]
    assert reasons[4][0] == "like_count" and "too large" in reasons[4][1]
    assert reasons[5][0] == "creator_hash" and "too long" in reasons[5][1]
    assert reasons[6][0] is None and "nested deeper than" in reasons[6][1]
    assert reasons[7] == ("content", "must be text, got an object")
    with session_factory() as session:
        stored = dict(session.execute(select(tables.Comment.platform_comment_id, tables.Comment.text)).all())
    assert stored == {"c1": "好看", "c8": ""}


MARKET = TEST_FILES / "market"


def _search_hits(factory: Factory) -> list[tuple[str, str, datetime | None]]:
    with factory() as session:
        rows = session.execute(
            select(tables.Note.platform_note_id, tables.SearchHit.keyword, tables.SearchHit.crawled_at)
            .join(tables.Note, tables.Note.id == tables.SearchHit.note_id)
            .order_by(tables.Note.platform_note_id, tables.SearchHit.keyword)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_ingest_search_exports_keep_every_keyword_and_crawl_time_idempotently(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace], tmp_path: Path
) -> None:
    workspace = make_workspace()
    files = [
        MARKET / "search_contents.csv",
        MARKET / "spider_search_notes.csv",
        MARKET / "search_comments.jsonl",
    ]
    first = ingest_paths(session_factory, workspace.id, files)
    hits = _search_hits(session_factory)
    again = ingest_paths(session_factory, workspace.id, files)

    crawled = datetime(2026, 3, 20, 9, 46, 40, tzinfo=UTC)  # last_modify_ts 1774000000000
    assert ("6a2000000000000000000n01", "朵拉朵尚", crawled) in hits
    assert ("6a2000000000000000000n01", "精华推荐", crawled) in hits  # listed twice: both keywords kept
    assert ("6a2000000000000000000s01", "朵拉朵尚平替", None) in hits  # Spider_XHS: no crawl time
    assert len(hits) == 9  # 6 MediaCrawler notes, one of them under two keywords, + 2 Spider_XHS notes
    assert [f.format for f in first.files] == [
        "mediacrawler_notes",
        "spider_xhs_search_notes",
        "mediacrawler_comments_v2",
    ]
    assert [f.created.get("search_hit", 0) for f in first.files] == [7, 2, 0]
    assert all(f.inserted == 0 and f.updated == 0 and not f.created for f in again.files)
    assert _search_hits(session_factory) == hits

    later = tmp_path / "later.csv"
    later.write_text(
        (MARKET / "search_contents.csv")
        .read_text(encoding="utf-8")
        .replace("1774000000000", "1775000000000"),
        encoding="utf-8",
    )
    ingest_file(session_factory, workspace.id, later)
    moved = {(note, keyword): at for note, keyword, at in _search_hits(session_factory)}
    assert moved[("6a2000000000000000000n01", "朵拉朵尚")] == datetime(2026, 3, 31, 23, 33, 20, tzinfo=UTC)


def test_ingest_search_index_rejects_bad_rows_and_replaces_changed_values(
    session_factory: Factory, make_workspace: Callable[..., tables.Workspace], tmp_path: Path
) -> None:
    workspace = make_workspace()
    first = ingest_file(session_factory, workspace.id, MARKET / "search_index.csv")
    changed = tmp_path / "volume.csv"
    changed.write_text(
        "date,keyword,volume\n2026-03-03,兰蔻,51000\n2026-03-03,朵拉朵尚,20000\n", encoding="utf-8"
    )
    second = ingest_file(session_factory, workspace.id, changed)

    assert (first.format, first.inserted, first.rejected) == ("search_index", 5, 1)
    assert (first.errors[0].line, first.errors[0].column) == (7, "搜索指数")
    assert (second.updated, second.unchanged) == (1, 1)
    with session_factory() as session:
        values = dict(
            session.execute(select(tables.SearchIndexPoint.keyword, tables.SearchIndexPoint.value).where(
                tables.SearchIndexPoint.day == date(2026, 3, 3)
            )).all()
        )  # fmt: skip
    assert values == {"兰蔻": 51000, "朵拉朵尚": 20000}
