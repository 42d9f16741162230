"""Evidence in a real browser: a KOL's comments filtered by label show only those comments, and an
upload of a file that is no table says nothing was imported and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from service.config import Settings
from service.store.engine import make_engine, make_session_factory
from service.store.tables import Comment, Note
from tests.e2e.conftest import LiveServer, Ui

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail in CI) with the reason
    expect = None  # type: ignore[assignment]

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def _mark_paid_suspicion(settings: Settings, kol_id: int, n: int) -> set[str]:
    """Store the analysis of ``n`` of the KOL's comments as paid suspicion, the others as not."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            notes = select(Note.id).where(Note.kol_id == kol_id)
            comments = list(
                session.scalars(select(Comment).where(Comment.note_id.in_(notes)).order_by(Comment.id))
            )
            for i, comment in enumerate(comments):
                intents = dict(comment.intents or {})
                intents["paid_suspicion"] = {"probability": 0.93 if i < n else 0.04, "flag": i < n}
                comment.intents = intents
            return {str(c.id) for c in comments[:n]}
    finally:
        engine.dispose()


def test_filter_a_kols_comments_by_label(ui: Ui, live_server: LiveServer) -> None:
    seeded = live_server.seeded
    kol_id = seeded.demo_kol_ids[0]
    ui.go("/login")
    ui.sign_in(seeded.demo.reader)
    ui.go(f"/kols/{kol_id}")  # vetting analyses what the serving model has not: mark after it
    flagged = _mark_paid_suspicion(live_server.settings, kol_id, 3)
    ui.page.click("#all-comments")
    assert ui.page.locator("tr[data-comment-id]").count() > len(flagged)
    ui.page.select_option("select[name=intent]", "paid_suspicion")
    ui.page.click(".comment-filters button[type=submit]")
    ui.page.wait_for_url("**intent=paid_suspicion**")
    rows = ui.page.locator("tr[data-comment-id]")
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.commentId)")) == flagged
    expect(rows.first.locator(".pill.intent")).to_contain_text("paid suspicion 93%")
    ui.shot("20-comments-paid-suspicion")
    ui.assert_no_console_errors()


def test_an_upload_of_an_image_says_nothing_was_imported_and_why(
    ui: Ui, live_server: LiveServer, tmp_path: Path
) -> None:
    image = tmp_path / "comments.csv"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64)
    ui.go("/login")
    ui.sign_in(live_server.seeded.demo.writer)
    ui.go("/upload")
    ui.page.set_input_files("#files", [str(image)])
    ui.page.click("#upload-button")
    headline = ui.page.locator("#upload-headline")
    expect(headline).to_contain_text("Nothing imported.")
    expect(headline).to_contain_text("this is a PNG image, not a CSV file")
    assert "Imported with problems" not in headline.inner_text()
    ui.shot("21-upload-nothing-imported")
