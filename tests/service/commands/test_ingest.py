"""``redlens ingest`` end to end on a SQLite file (the import logic itself is tested on both backends)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings
from service.store.engine import make_engine, make_session_factory
from service.store.repositories import get_workspace_by_slug, list_notes
from tests.utils import FIXTURES as TEST_FILES

FIXTURES = TEST_FILES / "ingest"


@pytest.fixture
def database(sqlite_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("REDLENS_DATABASE_URL", sqlite_db_url)
    get_settings.cache_clear()
    yield sqlite_db_url
    get_settings.cache_clear()


def test_ingest_cli_needs_an_existing_workspace_or_the_flag(database: str) -> None:
    result = CliRunner().invoke(
        app, ["ingest", str(FIXTURES / "mediacrawler_contents_v1.csv"), "--workspace", "acme"]
    )
    assert result.exit_code == 2
    assert "workspace 'acme' does not exist" in result.output and "--create-workspace" in result.output


def test_ingest_cli_imports_and_prints_json_summary(database: str) -> None:
    runner = CliRunner()
    args = [
        "ingest",
        str(FIXTURES / "mediacrawler_comments_v1.csv"),
        str(FIXTURES / "mediacrawler_contents_v1.csv"),
        "--workspace",
        "acme",
        "--create-workspace",
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [f["format"] for f in summary["files"]] == ["mediacrawler_notes", "mediacrawler_comments_v1"]
    assert summary["totals"]["inserted"] == 8 and summary["totals"]["rejected"] == 4
    assert summary["files"][1]["errors"][0]["line"] == 7

    strict = runner.invoke(app, [*args[:-2], "--strict"])
    assert strict.exit_code == 1  # rows were rejected
    assert "rejected" in strict.output and "mediacrawler_comments_v1.csv:7 [create_time]" in strict.output

    engine = make_engine(database)
    try:
        with make_session_factory(engine)() as session:
            workspace = get_workspace_by_slug(session, "acme")
            assert workspace is not None
            assert len(list_notes(session, workspace.id)) == 3
    finally:
        engine.dispose()


def test_ingest_cli_fails_on_unknown_columns_and_names_expected_ones(database: str) -> None:
    result = CliRunner().invoke(
        app, ["ingest", str(FIXTURES / "unknown_columns.csv"), "-w", "acme", "--create-workspace"]
    )
    assert result.exit_code == 1
    assert "not imported" in result.output and "expects note_id, type, title" in result.output


def test_ingest_cli_creator_centre_with_kol_and_date(database: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "ingest",
            str(FIXTURES / "creator_centre_notes.csv"),
            "-w",
            "acme",
            "--create-workspace",
            "--kol",
            "5fa0000000000000000000a1",
            "--as-of",
            "2026-01-02",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"][0]["inserted"] == 4


def test_ingest_cli_rejects_a_bad_date_and_missing_paths(database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    bad_date = runner.invoke(
        app, ["ingest", str(FIXTURES / "creator_centre_notes.csv"), "-w", "a", "--as-of", "30/12"]
    )
    assert bad_date.exit_code == 2 and "'30/12'" in bad_date.output
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv"), "-w", "a"])
    assert missing.exit_code == 2 and "nope.csv" in missing.output


def test_ingest_cli_asks_for_migrations_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDLENS_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["ingest", str(FIXTURES / "unknown_columns.csv"), "-w", "a"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "redlens db upgrade" in result.output
