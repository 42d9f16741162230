"""``redlens demo`` (idempotent seeding, key file) and the ``vet`` / ``report`` / ``keys`` commands."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.cli import app as cli
from service.config import Settings, get_settings
from service.demo import DEMO_CAMPAIGN, PROJECT_WRITTEN_CORPUS, DemoResult, project_comment_pools, seed_demo
from service.demo_market import UGC_CREATORS
from service.main import create_app
from service.serving import ModelHolder
from service.store.repositories import find_api_key
from service.store.tables import Comment
from tests.utils.client import auth

pytestmark = pytest.mark.slow


def _seed(settings: Settings) -> tuple[DemoResult, FastAPI]:
    app = create_app(settings, calibration=None)
    holder = ModelHolder(settings.models_dir)
    return seed_demo(
        app.state.services.session_factory, settings, holder.load_current(), n_kols=3, max_comments=60
    ), app


def test_demo_pool_keeps_realistic_intent_shares() -> None:
    pool = set(project_comment_pools().human["project_written"])
    with PROJECT_WRITTEN_CORPUS.open(encoding="utf-8", newline="") as fh:
        rows = {r["text"].strip(): r for r in csv.DictReader(fh)}
    assert pool <= set(rows)
    spam = sum(rows[t]["spam"] == "1" for t in pool) / len(pool)
    paid = sum(rows[t]["paid_suspicion"] == "1" for t in pool) / len(pool)
    assert spam == 0 and paid < 0.08


def test_demo_is_idempotent_and_keeps_its_key_private(settings: Settings) -> None:
    first, app = _seed(settings)
    # 3 simulated KOLs and the authors of the simulated keyword-search notes
    assert first.created and first.kols == 3 + UGC_CREATORS and first.comments_analyzed > 0
    mode = stat.S_IMODE(first.key_file.stat().st_mode)
    assert mode == 0o600
    with app.state.services.session_factory() as session:
        key = find_api_key(session, first.key)
        assert key is not None and key.scope_set == {"read", "write", "admin"}
        texts = [c.text for c in session.query(Comment).all()]
    with PROJECT_WRITTEN_CORPUS.open(encoding="utf-8", newline="") as fh:
        corpus = {r["text"].strip() for r in csv.DictReader(fh)}
    assert sum(t in corpus for t in texts) / len(texts) > 0.5, "comments come from the project's own corpus"
    second, _ = _seed(settings)
    assert not second.created and not second.key_created
    assert second.key == first.key and second.kols == 3 + UGC_CREATORS
    with TestClient(app) as client:
        kols = client.get("/v1/kols", headers=auth(first.key)).json()["items"]
        vetting = client.get(f"/v1/kols/{kols[0]['id']}/vetting", headers=auth(first.key))
        campaigns = client.get("/v1/campaigns", headers=auth(first.key)).json()["items"]
        report = client.get(f"/v1/campaigns/{campaigns[0]['id']}/report", headers=auth(first.key))
    assert vetting.status_code == 200 and vetting.json()["verdict"]["decision"]
    assert campaigns[0]["name"] == DEMO_CAMPAIGN and campaigns[0]["start_date"] is not None
    assert report.status_code == 200
    funnel = report.json()["funnel"]["steps"][0]
    assert funnel["rate"]["value"] is not None, "every campaign note has impressions"
    # The demo brand's target and fan portraits (every fourth KOL has none; here are three) fill the fit.
    fit = report.json()["audience_fit"]
    assert fit["target"] is not None and fit["target"]["shares"]["gender"] == {"female": 0.85, "male": 0.15}
    assert [k["portrait"] for k in fit["kols"]] == [True, True, True]
    assert all(k["score"] is not None for k in fit["kols"])
    assert fit["campaign"]["kols_with_data"] == 3 and fit["campaign"]["score"] is not None


def test_cli_demo_refuses_an_unmigrated_database(
    cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDLENS_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 2
    assert "redlens db upgrade" in result.output


def test_cli_commands_on_the_demo_workspace(settings: Settings, cli_env: Settings, tmp_path: Path) -> None:
    first, _ = _seed(settings)
    runner = CliRunner()
    again = runner.invoke(cli, ["demo", "--url", "http://127.0.0.1:8123/"])
    assert again.exit_code == 0, again.output
    assert first.key in again.stdout
    assert "http://127.0.0.1:8123/v1/kols" in again.output
    missing = runner.invoke(cli, ["vet", "nobody", "--workspace", "demo"])
    assert missing.exit_code == 2 and "no KOL" in missing.output
    from service.store.engine import make_engine, make_session_factory
    from service.store.repositories import get_workspace_by_slug, list_kols

    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        ws = get_workspace_by_slug(session, "demo")
        assert ws is not None
        kol_id = list_kols(session, ws.id)[0].platform_user_id
    engine.dispose()
    vet = runner.invoke(cli, ["vet", kol_id, "--workspace", "demo", "--json"])
    assert vet.exit_code == 0, vet.output
    assert json.loads(vet.stdout)["verdict"]["decision"] in ("recommend", "caution", "avoid")
    out = tmp_path / "report.html"
    report = runner.invoke(
        cli, ["report", "campaign", DEMO_CAMPAIGN, "--workspace", "demo", "--format", "html", "-o", str(out)]
    )
    assert report.exit_code == 0, report.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    as_csv = runner.invoke(
        cli, ["report", "campaign", DEMO_CAMPAIGN, "--workspace", "demo", "--format", "csv"]
    )
    assert as_csv.stdout.startswith("kol_id,kol_name,tier,notes,followers,")
    created = runner.invoke(
        cli, ["keys", "create", "--workspace", "demo", "--scopes", "read", "--name", "ci"]
    )
    assert created.exit_code == 0 and created.stdout.strip().startswith("rl_")
