"""Vetting, campaign reports and the labelling queue (API and pages) hold no pooled database
connection while the models run: they load what they need, give the connection back, run the
comment models, authenticity screening and theme summaries, and write through short sessions."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service import campaigns, comment_analysis, vetting
from tests.utils.client import auth
from tests.utils.factories import World
from tests.utils.pool import connections_held_while

VETTING = (
    (comment_analysis, "predict_in_batches"),
    (vetting, "score_account"),
    (vetting, "summarize_themes"),
)
CAMPAIGN = (
    (comment_analysis, "predict_in_batches"),
    (campaigns, "screened_out"),
    (campaigns, "summarize_themes"),
)
PAGE = {"accept": "text/html,application/xhtml+xml"}


@pytest.mark.parametrize(
    ("path", "headers", "targets"),
    [
        ("/v1/kols/{kol}/vetting", {}, VETTING),
        ("/kols/{kol}", PAGE, VETTING),
        ("/v1/campaigns/{campaign}/report", {}, CAMPAIGN),
        ("/campaigns/{campaign}", PAGE, CAMPAIGN),
        ("/labelling", PAGE, ((comment_analysis, "predict_in_batches"),)),
    ],
)
def test_no_connection_is_held_while_the_models_run(
    client: TestClient,
    world: World,
    app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    headers: dict[str, str],
    targets: tuple[tuple[object, str], ...],
) -> None:
    url = path.format(kol=world.a.kol_id, campaign=world.a.campaign_id)
    with connections_held_while(app, monkeypatch, *targets) as held:
        response = client.get(url, headers={**auth(world.a.writer), **headers})
    assert response.status_code == 200, response.text[:500]
    assert set(held) == {name for _, name in targets}  # every step ran (the comments were new)
    assert all(holders == [] for calls in held.values() for holders in calls), held
