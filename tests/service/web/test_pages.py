"""Server-side page tests: every page renders for demo-like data, sign-in and sign-out, scopes,
workspace isolation, friendly errors, and labels stored for the next training job."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from service.config import Settings
from service.jobs import labelled_frame
from service.main import create_app
from service.store import repositories as repo
from service.web.pages import safe_next
from tests.utils.client import TestClient
from tests.utils.web import HTML, ORIGIN, Seeded, sign_in


def _text(page: str) -> str:
    return html.unescape(page)


def _ids(page: str, attribute: str) -> list[str]:
    return re.findall(rf'{attribute}="([^"]*)"', page)


def _services(app: FastAPI) -> Any:
    return app.state.services


def _vetting(client: Any, key: str, kol_id: int) -> dict[str, Any]:
    response = client.get(f"/v1/kols/{kol_id}/vetting", headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


# --------------------------------------------------------------------------- sign-in and sign-out


def test_sign_in_attempts_are_limited_per_address_and_per_key_prefix(
    make_web_settings: Callable[..., Settings], seeded: Seeded
) -> None:
    app = create_app(make_web_settings(login_attempts_per_minute=3))
    guesses = [f"rl_Guess{n:03d}-{'x' * 30}" for n in range(4)]
    with TestClient(app, base_url=ORIGIN, client=("203.0.113.7", 5000)) as guesser:
        codes = [sign_in(guesser, key).status_code for key in guesses]
        refused = sign_in(guesser, seeded.demo.reader)  # even the right key, from this address
    assert codes == [401, 401, 401, 429]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "Too many sign-in attempts" in _text(refused.text)
    assert "redlens_session" not in refused.headers.get("set-cookie", "")
    with TestClient(app, base_url=ORIGIN, client=("198.51.100.9", 5000)) as own_address:
        assert sign_in(own_address, seeded.demo.reader).status_code == 303  # another address signs in
        # one key prefix tried from many addresses is limited too
    prefix_guesses = [f"{seeded.demo.admin[:10]}{n:04d}{'y' * 30}" for n in range(3)]
    for n, key in enumerate(prefix_guesses):
        with TestClient(app, base_url=ORIGIN, client=(f"192.0.2.{n + 1}", 5000)) as elsewhere:
            assert sign_in(elsewhere, key).status_code == 401
    with TestClient(app, base_url=ORIGIN, client=("192.0.2.99", 5000)) as last:
        chinese = sign_in(last, prefix_guesses[0] + "z", headers={"accept-language": "zh-CN"})
    assert chinese.status_code == 429
    assert "登录尝试过多" in _text(chinese.text)


def test_pages_redirect_to_sign_in_without_key(client: Any) -> None:
    response = client.get("/kols/3?x=1", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/kols/3%3Fx%3D1"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    form = client.get("/login", headers=HTML)
    assert form.status_code == 200 and 'name="key"' in form.text and 'type="password"' in form.text


def test_sign_in_keeps_a_session_token_not_the_key_in_an_http_only_cookie(
    client: Any, seeded: Seeded
) -> None:
    response = sign_in(client, seeded.demo.admin, "/campaigns?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login/done?next=/campaigns%3Fx%3D1"
    landed = client.get(response.headers["location"], headers=HTML, follow_redirects=False)
    assert landed.status_code == 303 and landed.headers["location"] == "/campaigns?x=1"
    cookie = response.headers.get_list("set-cookie")[0]
    assert cookie.startswith("redlens_session=rls_")
    assert seeded.demo.admin not in response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    page = client.get("/kols", headers=HTML)
    assert page.status_code == 200
    assert "Demo brand (simulated data)" in page.text


def test_sign_in_cookie_is_secure_when_settings_say_so(make_web_settings: Any, seeded: Seeded) -> None:
    from fastapi.testclient import TestClient

    from service.main import create_app

    with TestClient(create_app(make_web_settings(cookie_secure=True)), base_url=ORIGIN) as secure_client:
        response = sign_in(secure_client, seeded.demo.reader)
        cookie = response.headers["set-cookie"]
        # over plain HTTP on a non-local host the client drops the Secure cookie: the page says why
        landed = secure_client.get(response.headers["location"], headers=HTML, follow_redirects=False)
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert landed.status_code == 400
    assert "REDLENS_COOKIE_SECURE=false" in landed.text


def test_sign_in_refuses_unknown_key_without_cookie(client: Any) -> None:
    response = sign_in(client, "rl_not-a-real-key")
    assert response.status_code == 401
    assert "unknown or has been revoked" in response.text
    assert "set-cookie" not in response.headers
    assert sign_in(client, "   ").status_code == 400


def test_sign_in_form_from_another_site_is_refused(client: Any, seeded: Seeded) -> None:
    response = client.post(
        "/login",
        data={"key": seeded.demo.admin},
        headers={**HTML, "origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert "evil.example" in _text(response.text)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/kols/3?tier=mid", "/kols/3?tier=mid"),
        ("//evil.example/x", "/kols"),
        ("https://evil.example/", "/kols"),
        ("kols", "/kols"),
        ("/login?next=/x", "/kols"),
        (None, "/kols"),
    ],
)
def test_safe_next_stays_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_sign_out_clears_the_cookie(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.admin)
    response = client.post("/logout", headers={**HTML, "origin": ORIGIN}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?signed_out=1"
    assert 'redlens_session=""' in response.headers["set-cookie"]
    assert client.get("/kols", headers=HTML, follow_redirects=False).status_code == 303


def test_a_signed_out_session_cookie_no_longer_opens_pages(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.admin)
    token = client.cookies.get("redlens_session")
    client.post("/logout", headers={**HTML, "origin": ORIGIN}, follow_redirects=False)
    client.cookies.set("redlens_session", token)  # a copy kept from before sign-out
    response = client.get("/kols", headers=HTML, follow_redirects=False)
    assert response.status_code == 401
    assert "Session expired" in response.text


def test_revoked_key_shows_session_expired_and_clears_cookie(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    sign_in(client, seeded.demo.writer)
    factory = _services(web_app).session_factory
    with factory() as session, session.begin():
        key = repo.find_api_key(session, seeded.demo.writer)
        assert key is not None
        repo.revoke_api_key(session, seeded.demo_id, key.id)
    response = client.get("/kols", headers=HTML, follow_redirects=False)
    assert response.status_code == 401
    assert "Session expired" in response.text
    assert 'redlens_session=""' in response.headers["set-cookie"]


# --------------------------------------------------------------------------- every page


def test_every_page_renders_for_the_demo_workspace(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.admin)
    paths = [
        "/kols",
        *(f"/kols/{k}" for k in seeded.demo_kol_ids),
        "/campaigns",
        f"/campaigns/{seeded.demo_campaign_id}",
        "/upload",
        "/models",
        "/labelling",
    ]
    for path in paths:
        response = client.get(path, headers=HTML)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert '<html lang="en">' in response.text  # no cookie, no Accept-Language: English
        assert "<script>" not in response.text and " style=" not in response.text, path  # CSP: no inline code


def test_kol_list_shows_score_and_verdict_and_filters(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    page = client.get("/kols", headers=HTML).text
    rows = _ids(page, "data-kol-id")
    assert sorted(int(r) for r in rows) == sorted(seeded.demo_kol_ids)
    assert page.count("verdict-pill verdict-") == len(rows)
    first_id = seeded.demo_kol_ids[0]
    vetting = _vetting(client, seeded.demo.reader, first_id)
    nickname = vetting["kol"]["nickname"]
    searched = client.get("/kols", params={"q": nickname[:3]}, headers=HTML).text
    assert nickname in _text(searched)
    assert len(_ids(searched, "data-kol-id")) < len(rows) or len(rows) == 1
    tier = vetting["kpis"]["segment"]["tier"]
    tiered = client.get("/kols", params={"tier": tier}, headers=HTML).text
    assert str(first_id) in _ids(tiered, "data-kol-id")
    nothing = client.get("/kols", params={"q": "没有这个博主"}, headers=HTML).text
    assert "No KOL matches" in nothing


def test_kol_page_shows_verdict_growth_anomalies_and_flagged_comments(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.admin)
    for kol_id in seeded.demo_simulated_kol_ids:
        vetting = _vetting(client, seeded.demo.admin, kol_id)
        page = client.get(f"/kols/{kol_id}", headers=HTML).text
        text = _text(page)
        assert f'data-decision="{vetting["verdict"]["decision"]}"' in page
        for reason in vetting["verdict"]["reasons"]:
            assert reason["message"] in text
        authenticity = vetting["authenticity"]
        if authenticity["status"] == "ok":
            assert f'data-score="{authenticity["score"]}"' in page
            daily = authenticity["series"]["daily_followers"]
            assert page.count('class="anomaly"') == sum(1 for d in daily if d["anomaly"])
            growth_windows = [
                f
                for f in authenticity["flags"]
                if f["signal"] == "growth" and (f.get("details") or {}).get("start")
            ]
            assert page.count('class="flag-window"') == len(growth_windows)
            assert page.count('class="point"') >= 5  # snapshots drawn on the curve
            for flag in authenticity["flags"]:
                if flag["signal"] != "growth":
                    assert f'data-code="{flag["code"]}"' in page
        assert 'class="value-bar"' in page or "not available" in text  # engagement against the tier range


def test_flagged_comment_texts_come_from_the_store(client: Any, web_app: FastAPI, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.admin)
    checked = 0
    factory = _services(web_app).session_factory
    for kol_id in seeded.demo_kol_ids:
        vetting = _vetting(client, seeded.demo.admin, kol_id)
        ids = [
            cid
            for flag in vetting["authenticity"].get("flags", [])
            for cid in (flag.get("details") or {}).get("comment_ids", [])[:12]
        ]
        if not ids:
            continue
        page = _text(client.get(f"/kols/{kol_id}", headers=HTML).text)
        with factory() as session:
            notes = repo.list_notes_for_kol(session, seeded.demo_id, kol_id, limit=20)
            texts = {
                c.platform_comment_id: c.text
                for c in repo.comments_for_notes(session, seeded.demo_id, [n.id for n in notes])
            }
        for cid in ids:
            assert texts[cid] in page
            checked += 1
    assert checked > 0, "the demo has at least one KOL whose flags point at comments"


def test_campaign_dashboard_has_sections_sortable_table_and_exports(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    page = client.get(f"/campaigns/{seeded.demo_campaign_id}", headers=HTML).text
    for section in ("overview", "kol-breakdown", "content", "funnel", "brand-health", "context", "themes"):
        assert f'id="{section}"' in page
    table = page.split('id="kol-breakdown-table"', 1)[1].split("</table>", 1)[0]
    headers = table.split("</thead>", 1)[0].count("<th ")
    body = table.split("<tbody>", 1)[1]
    rows = body.count("<tr>")
    assert rows == 4  # one row per demo KOL
    assert body.count("data-sort=") == rows * headers  # every cell sortable
    assert "CNY " in page  # money with its currency
    assert re.search(r"\d+\.\d%", page)  # rates as percentages
    csv_link = f"/v1/campaigns/{seeded.demo_campaign_id}/report?format=csv"
    assert csv_link in page
    export = client.get(csv_link)  # the page's cookie opens the export
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    report = client.get(f"/v1/campaigns/{seeded.demo_campaign_id}/report?format=html")
    assert report.status_code == 200 and "<svg" in report.text


def test_models_page_shows_cards_and_promotion_needs_admin(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.admin)
    page = client.get("/models", headers=HTML).text
    assert 'class="confusion"' in page and "macro F1" in page and "precision" in page
    assert page.count('class="pill current"') == 2  # one current version per task
    assert 'id="admin-needed"' not in page
    sign_in(client, seeded.demo.reader)
    read_only = client.get("/models", headers=HTML).text
    assert 'id="admin-needed"' in read_only


def test_models_page_names_the_workspace_that_trained_a_version(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    from sklearn.dummy import DummyClassifier

    from models.artifacts import library_versions, save_artifact

    services = _services(web_app)
    own = services.holder.workspace_folder(seeded.demo_id)
    model = DummyClassifier(strategy="most_frequent").fit([[0], [1]], ["neutral", "positive"])
    card = {"description": "trained on the demo's labels", "library_versions": library_versions()}
    save_artifact(model, task="sentiment", version="20260110-000000-eeeeee", card=card, models_dir=own)
    with services.session_factory() as session, session.begin():
        repo.create_model_version(
            session, "sentiment", "20260110-000000-eeeeee", str(own), "0" * 64, workspace_id=seeded.demo_id
        )
        slug = getattr(repo.get_workspace(session, seeded.demo_id), "slug", None)
    sign_in(client, seeded.demo.reader)
    page = _text(client.get("/models", headers=HTML).text)
    block = page.split('data-version="20260110-000000-eeeeee"', 1)[1].split("</details>", 1)[0]
    assert f"trained by {slug}" in block and "trained on the demo's labels" in block
    assert page.count("trained by ") == 1  # the shipped versions name no workspace
    sign_in(client, seeded.rival.reader)
    assert "20260110-000000-eeeeee" not in client.get("/models", headers=HTML).text


# --------------------------------------------------------------------------- jobs


def _job_ids(page: str) -> list[int]:
    return [int(i) for i in _ids(page, "data-job-id")]


def test_jobs_page_lists_the_workspaces_jobs_and_cancels_a_queued_one(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    services = _services(web_app)
    services.runner.stop(grace=1)  # queued jobs stay queued
    with services.session_factory() as session, session.begin():
        queued = repo.create_job(session, seeded.demo_id, "ingest", {"files": []}).id
        done = repo.create_job(session, seeded.demo_id, "training")
        done.state, done_id = "succeeded", done.id
        rivals = repo.create_job(session, seeded.rival_id, "ingest", {"files": []}).id
    sign_in(client, seeded.demo.writer)
    page = client.get("/jobs", headers=HTML).text
    rows = _job_ids(page.split("<tbody>", 1)[1])
    assert queued in rows and done_id in rows and rivals not in rows
    assert _ids(page, 'class="cancel-job" data-job-id') == [str(queued)]  # only unfinished jobs
    assert 'id="write-needed"' not in page
    # the page's button posts to the API with the sign-in cookie, from the same origin
    cancelled = client.post(f"/v1/jobs/{queued}/cancel", headers={"origin": ORIGIN})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    after = client.get("/jobs", headers=HTML).text
    assert 'class="pill state-cancelled">cancelled' in after and "cancel-job" not in after
    cross = client.post(f"/v1/jobs/{rivals}/cancel", headers={"origin": ORIGIN})
    assert cross.status_code == 404


def test_jobs_page_of_a_read_key_shows_but_cannot_cancel(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    services = _services(web_app)
    services.runner.stop(grace=1)
    with services.session_factory() as session, session.begin():
        queued = repo.create_job(session, seeded.demo_id, "ingest", {"files": []}).id
    sign_in(client, seeded.demo.reader)
    page = client.get("/jobs", headers=HTML).text
    assert 'id="write-needed"' in page
    assert f'data-job-id="{queued}" disabled' in page
    assert client.post(f"/v1/jobs/{queued}/cancel", headers={"origin": ORIGIN}).status_code == 403


def test_read_key_gets_a_friendly_403_on_upload_and_labelling(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    for path in ("/upload", "/labelling"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 403
        assert "Not allowed with this key" in response.text and "write" in response.text


def test_empty_workspace_links_to_upload(client: Any, web_app: FastAPI) -> None:
    factory = _services(web_app).session_factory
    with factory() as session, session.begin():
        workspace = repo.create_workspace(session, "empty-brand", "Empty brand")
        _, secret = repo.create_api_key(session, workspace.id, ("write",), name="t")
    sign_in(client, secret)
    kols = client.get("/kols", headers=HTML).text
    assert 'id="empty-kols"' in kols and 'href="/upload"' in kols
    assert 'id="empty-campaigns"' in client.get("/campaigns", headers=HTML).text
    assert 'id="queue-empty"' in client.get("/labelling", headers=HTML).text


# --------------------------------------------------------------------------- isolation and errors


def test_key_of_one_workspace_cannot_open_the_other_workspaces_pages(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.rival.admin)
    own = client.get("/kols", headers=HTML).text
    assert _ids(own, "data-kol-id") == [str(seeded.rival_kol_id)]
    assert client.get(f"/kols/{seeded.rival_kol_id}", headers=HTML).status_code == 200
    for path in (
        f"/kols/{seeded.demo_kol_ids[0]}",
        f"/campaigns/{seeded.demo_campaign_id}",
    ):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "Not found" in response.text
    sign_in(client, seeded.demo.admin)
    assert client.get(f"/kols/{seeded.rival_kol_id}", headers=HTML).status_code == 404
    assert client.get(f"/campaigns/{seeded.rival_campaign_id}", headers=HTML).status_code == 404


def test_unknown_pages_are_friendly_and_the_api_keeps_problem_json(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    for path in ("/no-such-page", "/kols/not-a-number", "/kols/99999999"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
    api = client.get("/v1/kols/99999999", headers=HTML)
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert client.get("/no-such-page").headers["content-type"].startswith("application/problem+json")


# --------------------------------------------------------------------------- labelling


def _queue(page: str) -> list[int]:
    return [int(i) for i in _ids(page, "data-comment-id")]


def test_labelling_stores_examples_for_the_next_training_job(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    sign_in(client, seeded.demo.writer)
    queue = _queue(client.get("/labelling", headers=HTML).text)
    assert queue, "the demo has analysed comments to label"
    chosen = queue[0]
    body = {"comment_id": chosen, "sentiment": "negative", "intents": {"skepticism": True, "spam": False}}
    response = client.post("/labelling/labels", json=body, headers={"origin": ORIGIN})
    assert response.status_code == 200
    assert response.json() == {"comment_id": chosen, "labelled_total": 1}
    factory = _services(web_app).session_factory
    with factory() as session:
        comment = repo.get_comment(session, seeded.demo_id, chosen)
        frame = labelled_frame(session, seeded.demo_id)
        stored = repo.list_labelled_examples(session, seeded.demo_id)
    assert comment is not None
    assert [e.source for e in stored] == ["labelling"] and stored[0].comment_id == chosen
    row = frame[frame["text"] == comment.text].iloc[0]
    assert row["sentiment"] == "negative"
    assert row["skepticism"] == 1.0 and row["spam"] == 0.0 and row["question"] == 0.0
    again = client.post("/labelling/labels", json=body, headers={"origin": ORIGIN})
    assert again.status_code == 409
    assert chosen not in _queue(client.get("/labelling", headers=HTML).text)


@pytest.mark.parametrize(
    "body",
    [
        {"comment_id": 1, "sentiment": "happy", "intents": {}},
        {"comment_id": 1, "sentiment": "positive", "intents": {"buy": True}},
        {"comment_id": 0, "sentiment": "positive"},
    ],
)
def test_labelling_refuses_invalid_labels(client: Any, seeded: Seeded, body: dict[str, Any]) -> None:
    sign_in(client, seeded.demo.writer)
    response = client.post("/labelling/labels", json=body, headers={"origin": ORIGIN})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_labels_cannot_reach_another_workspace_or_come_from_another_site(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    factory = _services(web_app).session_factory
    with factory() as session:
        demo_note = repo.list_notes(session, seeded.demo_id, limit=1)[0]
        demo_comment = repo.comments_for_notes(session, seeded.demo_id, [demo_note.id])[0]
    body = {"comment_id": demo_comment.id, "sentiment": "positive", "intents": {}}
    sign_in(client, seeded.rival.admin)
    assert client.post("/labelling/labels", json=body, headers={"origin": ORIGIN}).status_code == 404
    sign_in(client, seeded.demo.admin)
    cross = client.post("/labelling/labels", json=body, headers={"origin": "https://evil.example"})
    assert cross.status_code == 403
    assert cross.json()["type"].endswith("/cross-site-request")
    with factory() as session:
        assert repo.count_labelled_examples(session, seeded.demo_id) == 0
        assert repo.count_labelled_examples(session, seeded.rival_id) == 0


def test_unexpected_errors_show_a_page_without_details(
    web_app: FastAPI, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    import service.deps as deps

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(deps, "vet_kol", broken)  # what the KOL page calls through AppServices.vet
    with TestClient(web_app, base_url=ORIGIN, raise_server_exceptions=False) as plain:
        sign_in(plain, seeded.demo.reader)
        response = plain.get(f"/kols/{seeded.demo_kol_ids[0]}", headers=HTML)
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internal detail" not in response.text


def test_user_content_is_escaped_in_pages_and_charts(client: Any, web_app: FastAPI, seeded: Seeded) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    factory = _services(web_app).session_factory
    with factory() as session, session.begin():
        kol = repo.get_kol(session, seeded.rival_id, seeded.rival_kol_id)
        assert kol is not None
        kol.nickname = hostile
        note = repo.list_notes(session, seeded.rival_id, limit=1)[0]
        note.title = hostile
        comment = repo.comments_for_notes(session, seeded.rival_id, [note.id])[0]
        comment.text = hostile
        comment.model_version = None  # analysed again, so it reaches the labelling queue
    sign_in(client, seeded.rival.admin)
    for path in (
        "/kols",
        f"/kols/{seeded.rival_kol_id}",
        f"/campaigns/{seeded.rival_campaign_id}",
        "/labelling",
    ):
        page = client.get(path, headers=HTML).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;" in page, path


# --------------------------------------------------------------------------- one truth on the vetting page

_RANGE = re.compile(r"(\d+(?:\.\d+)?)%\s*[-–]\s*(\d+(?:\.\d+)?)%")


def _allowed_ranges(vetting: dict[str, Any]) -> set[tuple[float, float | None]]:
    """The benchmark table's ranges that apply to this KOL: its tier's engagement range and the
    save-rate and completion ranges of its segment."""
    from models.benchmarks import Segment, default_benchmarks

    segment = vetting["kpis"].get("segment") or {}
    seg = Segment(
        tier=segment.get("tier"),
        category=segment.get("category"),
        content_format=segment.get("content_format"),
        content_type=segment.get("content_type"),
    )
    table = default_benchmarks()
    return {(r.low, r.high) for metric in table.metrics for r in table.rows_for(metric, seg)}


def test_vetting_page_ranges_equal_the_benchmark_table(client: Any, seeded: Seeded) -> None:
    """Every range the vetting page shows (reasons, the benchmark chart and caption, authenticity
    evidence) is a range of models/benchmarks.py for this KOL, and the engagement range is the
    tier's one range wherever it appears."""
    from models.benchmarks import engagement_band

    sign_in(client, seeded.demo.admin)
    shown_engagement = 0
    for kol_id in seeded.demo_kol_ids:
        vetting = _vetting(client, seeded.demo.admin, kol_id)
        text = _text(client.get(f"/kols/{kol_id}", headers=HTML).text)
        allowed = {
            (round(lo * 100, 1), None if hi is None else round(hi * 100, 1))
            for lo, hi in _allowed_ranges(vetting)
        }
        found = {(float(a), float(b)) for a, b in _RANGE.findall(text)}
        assert found, "the page shows at least one benchmark range"
        assert found <= allowed, (found - allowed, allowed)
        band = engagement_band(vetting["kpis"]["segment"]["tier"])
        assert band is not None and band.high is not None
        expected = (round(band.low * 100, 1), round(band.high * 100, 1))
        for reason in vetting["verdict"]["reasons"]:
            if reason["code"].startswith("engagement_"):
                assert tuple(reason["evidence"]["range"]) == (band.low, band.high)
                assert {(float(a), float(b)) for a, b in _RANGE.findall(reason["message"])} == {expected}
                shown_engagement += 1
    assert shown_engagement > 0


def test_vetting_page_scores_statuses_and_findings_agree(client: Any, seeded: Seeded) -> None:
    """The score on the page is the verdict's, with its interval; each signal says whether its data
    sufficed and, separately, what it found, in line with its own score; a medium or high grade
    names its findings in words."""
    from models.authenticity import load_calibration
    from models.authenticity.result import FINDING_WORDS

    cal = load_calibration()
    sign_in(client, seeded.demo.admin)
    for kol_id in seeded.demo_simulated_kol_ids:
        vetting = _vetting(client, seeded.demo.admin, kol_id)
        authenticity = vetting["authenticity"]
        if authenticity["status"] != "ok":
            continue
        page = client.get(f"/kols/{kol_id}", headers=HTML).text
        text = _text(page)
        score = authenticity["score"]
        low, high = authenticity["score_interval"]
        assert low <= score <= high
        assert f"80% interval {low:.0f}–{high:.0f}" in text
        grade = vetting["verdict"]["reasons"]
        first = next(
            r for r in grade if r["code"].startswith("authenticity_") and r["code"].endswith("_risk")
        )
        assert f"authenticity score {score:.0f}/100" in first["message"]
        assert first["code"] == f"authenticity_{authenticity['risk']}_risk"
        if authenticity["risk"] in ("medium", "high"):
            assert any(words in first["message"] for words in FINDING_WORDS.values())
        table = page.split('id="signal-table"', 1)[1].split("</table>", 1)[0]
        for name, signal in authenticity["signals"].items():
            if signal["status"] == "ok":
                assert (
                    "insufficient"
                    not in table.split(f'<td data-label="Signal">{name}</td>', 1)[1].split("</tr>", 1)[0]
                )
                own = cal.grade(signal["score"])
                finding = signal["finding"]
                if own == "high":
                    assert finding.startswith("strong signs")
                elif own == "medium":
                    assert finding.startswith("signs of manipulation")
                else:
                    assert finding in (
                        "nothing suspicious found",
                        "minor signs, not enough to raise the risk",
                    )
            else:
                assert signal["score"] is None and signal["finding"].startswith("not assessed")


def test_campaign_table_has_authenticity_and_verdict_and_links_to_vetting(
    client: Any, seeded: Seeded
) -> None:
    sign_in(client, seeded.demo.reader)
    page = client.get(f"/campaigns/{seeded.demo_campaign_id}", headers=HTML).text
    table = page.split('id="kol-breakdown-table"', 1)[1].split("</table>", 1)[0]
    head = table.split("</thead>", 1)[0]
    assert ">Authenticity<" in head and ">Verdict<" in head
    links = {int(k) for k in re.findall(r'href="/kols/(\d+)" class="kol-link"', table)}
    assert links == set(seeded.demo_simulated_kol_ids)
    for kol_id in links:
        vetting = _vetting(client, seeded.demo.reader, kol_id)
        assert f"verdict-pill verdict-{vetting['verdict']['decision']}" in table
