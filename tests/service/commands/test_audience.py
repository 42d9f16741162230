"""``redlens audience show|import|target``, ``redlens sponsorship`` and ``redlens quote`` on the
small MediaCrawler-shaped exports of tests/fixtures/market, ingested by ``redlens ingest``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings
from service.store.engine import make_engine, make_session_factory
from service.store.market import latest_audience_profile, latest_quotes
from service.store.repositories import create_workspace, get_kol_by_platform_id, get_workspace_by_slug
from tests.utils import FIXTURES as TEST_FILES

FIXTURES = TEST_FILES / "market"
KOL = "5fa00000000000000000aa01"


@pytest.fixture
def database(sqlite_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("REDLENS_DATABASE_URL", sqlite_db_url)
    monkeypatch.setenv("REDLENS_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    files = [str(FIXTURES / name) for name in ("contents.csv", "comments.csv")]
    result = CliRunner().invoke(app, ["ingest", *files, "-w", "acme", "--create-workspace"])
    assert result.exit_code == 0, result.output
    engine = make_engine(sqlite_db_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            create_workspace(session, "rival")
    finally:
        engine.dispose()
    yield sqlite_db_url
    get_settings.cache_clear()


def _stored(url: str, kind: str) -> tuple[Any, dict[str, Any]]:
    """The latest ``kind`` profile of workspace acme (the KOL's for ``kol``) and the KOL's quotes."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            ws = get_workspace_by_slug(session, "acme")
            assert ws is not None
            kol = get_kol_by_platform_id(session, ws.id, KOL)
            assert kol is not None
            profile = latest_audience_profile(session, ws.id, kind, kol.id if kind == "kol" else None)
            shares = None if profile is None else (profile.shares, profile.weights, profile.entered_via)
            quotes = {
                f: (str(q.price), q.currency, q.entered_via)
                for f, q in latest_quotes(session, ws.id, kol.id).items()
            }
            return shares, quotes
    finally:
        engine.dispose()


def test_audience_import_prints_row_errors_and_show_reports_regions_and_fit(database: str) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["audience", "show", KOL, "-w", "acme"])
    assert shown.exit_code == 0, shown.output
    assert "9 of 12 show a location (coverage 75%)" in shown.output and "广东 44%" in shown.output
    assert "no target audience profile" in shown.output

    imported = runner.invoke(app, ["audience", "import", KOL, str(FIXTURES / "portrait.csv"), "-w", "acme"])
    assert imported.exit_code == 0, imported.output
    assert "imported age, gender, interests (2 skipped)" in imported.stdout
    assert "row 14: interests: the bucket is empty" in imported.output
    assert "city_tier: shares add up to 90.0%" in imported.output
    portrait, _ = _stored(database, "kol")
    assert portrait == (
        {
            "gender": {"female": 0.82, "male": 0.18},
            "age": {"18-24": 0.1, "25-34": 0.2, "35-44": 0.3, ">44": 0.4},
            "interests": {"美食": 0.6, "家居": 0.45},
        },
        None,
        "cli",
    )

    target = runner.invoke(
        app, ["audience", "target", str(FIXTURES / "portrait.csv"), "--weight", "gender=2", "-w", "acme"]
    )
    assert target.exit_code == 0, target.output
    assert "target set: age, gender, interests (2 skipped)" in target.stdout
    assert _stored(database, "target")[0] == (portrait[0], {"gender": 2.0}, "cli")
    show_target = runner.invoke(app, ["audience", "target", "--show", "-w", "acme", "--json"])
    assert json.loads(show_target.stdout)["profile"]["weights"] == {"gender": 2.0}

    fit = json.loads(runner.invoke(app, ["audience", "show", KOL, "-w", "acme", "--json"]).stdout)["fit"]
    assert fit["score"] == pytest.approx(100.0) and {d["source"] for d in fit["dimensions"]} == {"platform"}


def test_audience_import_exits_non_zero_when_nothing_is_imported(database: str, tmp_path: Path) -> None:
    bad = tmp_path / "portrait.csv"
    bad.write_text("dimension,bucket,share\ngender,female,50\ngender,male,20\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["audience", "import", KOL, str(bad), "-w", "acme"])
    assert result.exit_code == 1 and "gender: shares add up to 70.0%" in result.output
    assert _stored(database, "kol")[0] is None
    wrong = runner.invoke(app, ["audience", "import", KOL, str(tmp_path / "portrait.txt"), "-w", "acme"])
    assert wrong.exit_code == 2 and "use a .csv or .xlsx file" in wrong.output
    other = runner.invoke(app, ["audience", "import", KOL, str(FIXTURES / "portrait.csv"), "-w", "rival"])
    assert other.exit_code == 2 and f"no KOL '{KOL}' in workspace 'rival'" in other.output
    both = runner.invoke(app, ["audience", "target", str(bad), "--show", "-w", "acme"])
    assert both.exit_code == 2 and "either a FILE" in both.output
    assert runner.invoke(app, ["audience", "target", "--show", "-w", "acme"]).stdout.strip() == (
        "no target audience set"
    )


def test_sponsorship_and_quote_commands_store_a_quote_with_its_cpe(database: str) -> None:
    runner = CliRunner()
    sponsored = runner.invoke(app, ["sponsorship", KOL, "-w", "acme"])
    assert sponsored.exit_code == 0, sponsored.output
    assert "4 of the 8 most recent notes look sponsored" in sponsored.stdout
    assert "m006" in sponsored.stdout and "brand_tag_cluster" in sponsored.stdout
    assert "ratio: 0.48" in sponsored.stdout and "no price quoted" in sponsored.stdout

    quoted = runner.invoke(app, ["quote", KOL, "-w", "acme", "--format", "video", "--price", "2560"])
    assert quoted.exit_code == 0, quoted.output
    assert quoted.stdout.startswith("video note CNY 2,560.00: CPM –, CPE CNY 2.00")
    assert _stored(database, "kol")[1] == {"video": ("2560.00", "CNY", "cli")}
    body = json.loads(runner.invoke(app, ["sponsorship", KOL, "-w", "acme", "--json"]).stdout)
    assert [(q["format"], q["cpe"]) for q in body["quotes"]] == [("video", pytest.approx(2.0))]

    bad = runner.invoke(app, ["quote", KOL, "-w", "acme", "--format", "video", "--price", "-5"])
    assert bad.exit_code == 2 and "more than 0" in bad.output
    unknown = runner.invoke(app, ["quote", KOL, "-w", "acme", "--format", "gif", "--price", "5"])
    assert unknown.exit_code == 2 and "use image or video" in unknown.output
    assert _stored(database, "kol")[1] == {"video": ("2560.00", "CNY", "cli")}
