"""The comment table on the KOL, campaign and note pages: labels with probabilities, filtering by
label, search, paging, CSV export, and analysts' corrections with undo."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from service.jobs import labelled_frame
from service.store import repositories as repo
from service.store.comment_rows import CommentFilter, CommentScope, find_comments
from service.store.market import latest_quotes
from service.store.tables import Comment, Note
from service.web.comment_table import PAGE_SIZE, note_url
from tests.utils.web import HTML, ORIGIN, Seeded, sign_in


def _rows(page: str) -> list[dict[str, str]]:
    """Comment rows of a page: id, model sentiment and flagged intents."""
    found = re.findall(r'data-comment-id="(\d+)" data-sentiment="([^"]*)" data-intents="([^"]*)"', page)
    return [{"id": i, "sentiment": s, "intents": f} for i, s, f in found]


def _factory(app: FastAPI) -> Any:
    return app.state.services.session_factory


def _count(app: FastAPI, workspace_id: int, kol_id: int, wanted: CommentFilter) -> int:
    with _factory(app)() as session:
        return find_comments(session, workspace_id, CommentScope("kol", kol_id), wanted, limit=0)[1]


def _busiest_kol(app: FastAPI, seeded: Seeded) -> int:
    """The demo KOL with the most paid-suspicion comments (the filter has rows to show)."""
    counts = {
        k: _count(app, seeded.demo_id, k, CommentFilter(intent="paid_suspicion")) for k in seeded.demo_kol_ids
    }
    return max(counts, key=lambda k: counts[k])


def test_filter_by_intent_shows_only_those_comments_with_their_probabilities(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    sign_in(client, seeded.demo.reader)
    kol = _busiest_kol(web_app, seeded)
    expected = _count(web_app, seeded.demo_id, kol, CommentFilter(intent="paid_suspicion"))
    assert expected > 0
    page = client.get(f"/kols/{kol}/comments?intent=paid_suspicion", headers=HTML)
    assert page.status_code == 200
    rows = _rows(page.text)
    assert len(rows) == min(expected, PAGE_SIZE)
    assert all("paid_suspicion" in r["intents"].split() for r in rows)
    assert f"{expected} comment" in page.text
    assert re.search(r'title="[^"]*paid suspicion \d+%', page.text)  # probabilities on hover
    assert re.search(r'<span class="pill intent">paid suspicion \d+%</span>', page.text)  # and in text
    everything = _rows(client.get(f"/kols/{kol}/comments", headers=HTML).text)
    assert any("paid_suspicion" not in r["intents"].split() for r in everything)


def test_sentiment_filter_search_and_paging_are_query_parameters(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    sign_in(client, seeded.demo.reader)
    kol = seeded.demo_kol_ids[0]
    negative = _rows(client.get(f"/kols/{kol}/comments?sentiment=negative", headers=HTML).text)
    assert negative and {r["sentiment"] for r in negative} == {"negative"}
    with _factory(web_app)() as session:
        some = find_comments(session, seeded.demo_id, CommentScope("kol", kol), CommentFilter(), limit=1)[0][
            0
        ]
    total = _count(web_app, seeded.demo_id, kol, CommentFilter())
    fragment = some.text[:3]
    found = _rows(client.get(f"/kols/{kol}/comments", params={"q": fragment}, headers=HTML).text)
    matching = _count(web_app, seeded.demo_id, kol, CommentFilter(text=fragment))
    assert str(some.id) in {r["id"] for r in found} and len(found) == min(matching, PAGE_SIZE) < total + 1
    if total > PAGE_SIZE:
        second = client.get(f"/kols/{kol}/comments?page=2", headers=HTML)
        first = _rows(client.get(f"/kols/{kol}/comments", headers=HTML).text)
        assert not {r["id"] for r in first} & {r["id"] for r in _rows(second.text)}
        assert 'rel="prev"' in second.text


def test_csv_export_has_a_bom_one_row_per_selected_comment_and_safe_cells(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    sign_in(client, seeded.demo.reader)
    kol = seeded.demo_kol_ids[0]
    with _factory(web_app)() as session, session.begin():
        note = session.scalars(select(Note).where(Note.kol_id == kol)).first()
        assert note is not None
        session.add(
            Comment(
                workspace_id=seeded.demo_id, note_id=note.id, platform_comment_id="formula-1",
                text="=HYPERLINK(\"http://x\")", created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )  # fmt: skip
    response = client.get(f"/kols/{kol}/comments.csv?sentiment=positive")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(table) == _count(web_app, seeded.demo_id, kol, CommentFilter(sentiment="positive"))
    assert {r["sentiment"] for r in table} == {"positive"}
    everything = list(
        csv.DictReader(io.StringIO(client.get(f"/kols/{kol}/comments.csv").content.decode("utf-8-sig")))
    )
    formula = next(r for r in everything if r["platform_comment_id"] == "formula-1")
    assert formula["text"].startswith("'=")


def test_another_workspaces_kol_comments_are_not_found(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    assert client.get(f"/kols/{seeded.rival_kol_id}/comments", headers=HTML).status_code == 404
    assert client.get(f"/kols/{seeded.rival_kol_id}/comments.csv").status_code == 404
    assert client.get(f"/campaigns/{seeded.rival_campaign_id}/comments", headers=HTML).status_code == 404


def test_campaign_and_note_pages_list_their_comments(client: Any, web_app: FastAPI, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    campaign = client.get(f"/campaigns/{seeded.demo_campaign_id}/comments", headers=HTML)
    assert campaign.status_code == 200 and _rows(campaign.text)
    with _factory(web_app)() as session, session.begin():
        note = session.scalars(select(Note).where(Note.workspace_id == seeded.demo_id)).first()
        assert note is not None
        note.platform_note_id = "65a1b2c3d4e5f60718293a4b"
        note.note_url = None
        note_id = note.id
        stored = session.scalar(select(func.count()).where(Comment.note_id == note.id))
    page = client.get(f"/notes/{note_id}", headers=HTML)
    assert page.status_code == 200
    assert 'href="https://www.xiaohongshu.com/explore/65a1b2c3d4e5f60718293a4b"' in page.text
    assert len(_rows(page.text)) == min(stored or 0, PAGE_SIZE)


def test_note_url_only_for_xhs_ids_or_stored_urls() -> None:
    assert note_url(Note(platform_note_id="65a1b2c3d4e5f60718293a4b")) == (
        "https://www.xiaohongshu.com/explore/65a1b2c3d4e5f60718293a4b"
    )
    assert note_url(Note(platform_note_id="rivalnote000000000000001")) is None
    assert note_url(Note(platform_note_id="x", note_url="https://www.xiaohongshu.com/explore/abc")) == (
        "https://www.xiaohongshu.com/explore/abc"
    )


def _post(client: Any, url: str, data: dict[str, str], origin: str = ORIGIN) -> Any:
    return client.post(url, data=data, headers={**HTML, "origin": origin}, follow_redirects=False)


def test_a_correction_goes_to_the_training_labels_and_undo_takes_it_back(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    sign_in(client, seeded.demo.writer)
    kol = _busiest_kol(web_app, seeded)
    back = f"/kols/{kol}/comments?intent=paid_suspicion"
    row = _rows(client.get(back, headers=HTML).text)[0]
    with _factory(web_app)() as session:
        before = len(labelled_frame(session, seeded.demo_id))
    done = _post(client, f"/comments/{row['id']}/labels", {"label": "paid_suspicion:no", "next": back})
    assert done.status_code == 303
    assert done.headers["location"] == f"{back}#comment-{row['id']}"
    with _factory(web_app)() as session:
        frame = labelled_frame(session, seeded.demo_id)
    assert len(frame) == before + 1 and frame.iloc[-1]["paid_suspicion"] == 0.0
    page = client.get(back, headers=HTML).text
    undo = re.search(r'action="/corrections/(\d+)/undo"', page)
    assert undo is not None
    assert "Undo “paid suspicion: no”" in html.unescape(page)
    assert _post(client, f"/corrections/{undo.group(1)}/undo", {"next": back}).status_code == 303
    with _factory(web_app)() as session:
        assert len(labelled_frame(session, seeded.demo_id)) == before
    assert 'action="/corrections/' not in client.get(back, headers=HTML).text


def test_corrections_need_write_scope_same_origin_and_a_known_label(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    with _factory(web_app)() as session:
        comment = session.scalars(select(Comment).where(Comment.workspace_id == seeded.demo_id)).first()
        rival = session.scalars(select(Comment).where(Comment.workspace_id == seeded.rival_id)).first()
        assert comment is not None and rival is not None
        labels = repo.count_labelled_examples(session, seeded.demo_id)
    sign_in(client, seeded.demo.reader)
    assert _post(client, f"/comments/{comment.id}/labels", {"label": "sentiment:negative"}).status_code == 403
    sign_in(client, seeded.demo.writer)
    cross = _post(
        client, f"/comments/{comment.id}/labels", {"label": "sentiment:negative"}, "https://evil.example"
    )
    assert cross.status_code == 403
    bad = _post(client, f"/comments/{comment.id}/labels", {"label": "sentiment:angry"})
    assert bad.status_code == 422 and "sentiment:negative" in html.unescape(bad.text)
    assert _post(client, f"/comments/{rival.id}/labels", {"label": "sentiment:negative"}).status_code == 404
    with _factory(web_app)() as session:
        assert repo.count_labelled_examples(session, seeded.demo_id) == labels


def _growth_window(client: Any, key: str, kol_id: int) -> tuple[str, str] | None:
    vetting = client.get(f"/v1/kols/{kol_id}/vetting", headers={"authorization": f"Bearer {key}"}).json()
    for flag in (vetting.get("authenticity") or {}).get("flags") or []:
        details = flag.get("details") or {}
        if flag.get("signal") == "growth" and details.get("start"):
            return str(details["start"])[:10], str(details["end"])[:10]
    return None


def test_a_follower_spike_links_to_the_notes_and_comments_of_its_days(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    windows = {k: _growth_window(client, seeded.demo.reader, k) for k in seeded.demo_kol_ids}
    kol, window = next((k, w) for k, w in windows.items() if w is not None)
    page = html.unescape(client.get(f"/kols/{kol}", headers=HTML).text)
    link = f"/kols/{kol}/comments?from={window[0]}&to={window[1]}"
    assert link in page
    days = client.get(link, headers=HTML)
    assert days.status_code == 200
    assert 'id="window-notes"' in days.text
    assert f'value="{window[0]}"' in days.text  # the table is filtered to those days
    assert 'id="note-table"' in page and 'href="/notes/' in page


def test_the_kol_figures_form_stores_followers_and_a_quote(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    kol = seeded.demo_kol_ids[1]
    sign_in(client, seeded.demo.reader)
    assert _post(client, f"/kols/{kol}/figures", {"followers": "1"}).status_code == 403
    sign_in(client, seeded.demo.writer)
    bad = _post(client, f"/kols/{kol}/figures", {"followers": "12k", "price": ""})
    assert bad.status_code == 422 and "not a whole number" in html.unescape(bad.text)
    bad_price = _post(
        client, f"/kols/{kol}/figures", {"followers": "7", "note_format": "video", "price": "-5"}
    )
    assert bad_price.status_code == 422 and "must be more than 0" in html.unescape(bad_price.text)
    done = _post(
        client,
        f"/kols/{kol}/figures",
        {"followers": "25,300", "note_format": "video", "price": "4800", "next": f"/kols/{kol}"},
    )
    assert (done.status_code, done.headers["location"]) == (303, f"/kols/{kol}")
    with _factory(web_app)() as session:
        stored = repo.get_kol(session, seeded.demo_id, kol)
        assert stored is not None and stored.followers == 25300  # not 7: the refused form changed nothing
        quotes = latest_quotes(session, seeded.demo_id, kol)
        assert {f: (str(q.price), q.currency, q.entered_via) for f, q in quotes.items()} == {
            "video": ("4800.00", "CNY", "cookie")
        }
    # followers only: the quote stays, no second one is added
    assert _post(client, f"/kols/{kol}/figures", {"followers": "25301", "price": ""}).status_code == 303
    page = client.get(f"/kols/{kol}", headers=HTML).text
    assert 'class="kol-quote" data-format="video"' in page and "CNY 4,800.00" in page
    assert 'data-format="video"' in page.split('id="sponsorship"')[1]  # the same quote, with its CPM / CPE
    with _factory(web_app)() as session:
        assert len(latest_quotes(session, seeded.demo_id, kol)) == 1
    assert _post(client, f"/kols/{seeded.rival_kol_id}/figures", {"followers": "5"}).status_code == 404


def test_the_filter_form_as_a_browser_submits_it_is_accepted(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    kol = seeded.demo_kol_ids[0]
    query = {"q": "", "sentiment": "negative", "intent": "", "from": "", "to": ""}
    page = client.get(f"/kols/{kol}/comments", params=query, headers=HTML)
    assert page.status_code == 200 and 'id="comment-count"' in page.text
    assert client.get(f"/kols/{kol}/comments?from=2026-02-30", headers=HTML).status_code == 422
