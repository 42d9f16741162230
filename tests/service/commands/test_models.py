"""``redlens models list | show | promote`` over the shipped folder and the workspaces' folders."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from models.artifacts import copy_version, current_version
from service.cli import app as cli
from service.config import Settings
from service.serving import record_registry, workspace_models_dir, workspaces_models_root
from service.store.engine import make_engine, make_session_factory
from service.store.repositories import create_model_version, create_workspace
from tests.utils.models import INTENTS_V1, SENTIMENT_V1, SENTIMENT_V2, SENTIMENT_V3


@pytest.fixture
def factory(cli_env: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(cli_env.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def _trained_by_workspace(settings: Settings, factory: sessionmaker[Session], slug: str, version: str) -> int:
    """A sentiment version trained by workspace ``slug``: in its folder only, recorded as its own."""
    with factory() as session, session.begin():
        record_registry(session, settings.models_dir)
        workspace = create_workspace(session, slug)
        folder = workspace_models_dir(workspaces_models_root(settings), workspace.id)
        copy_version("sentiment", version, settings.models_dir, folder)
        shutil.rmtree(settings.models_dir / "sentiment" / version)
        create_model_version(
            session,
            "sentiment",
            version,
            str(folder / "sentiment" / version),
            "0" * 64,
            workspace_id=workspace.id,
        )
        return workspace.id


def _rows(output: str) -> dict[str, str]:
    """Version -> its table row, from the listing."""
    return {
        version: line
        for line in output.splitlines()
        for version in (SENTIMENT_V1, SENTIMENT_V2, SENTIMENT_V3, INTENTS_V1)
        if version in line
    }


def test_models_list_names_who_trained_each_version(
    cli_env: Settings, factory: sessionmaker[Session]
) -> None:
    workspace_id = _trained_by_workspace(cli_env, factory, "acme", SENTIMENT_V2)
    killed = workspace_models_dir(workspaces_models_root(cli_env), workspace_id) / "sentiment" / ".20260109-x"
    killed.mkdir()
    (killed / "pipeline.joblib").write_bytes(b"")

    result = CliRunner().invoke(cli, ["models", "list"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    rows = _rows(result.output)
    assert set(rows) == {SENTIMENT_V1, SENTIMENT_V2, SENTIMENT_V3, INTENTS_V1}
    assert "workspace acme" in rows[SENTIMENT_V2]
    assert all("shipped" in rows[v] for v in (SENTIMENT_V1, SENTIMENT_V3, INTENTS_V1))
    assert ".20260109-x" not in result.output


def test_models_show_and_promote_find_a_workspace_version(
    cli_env: Settings, factory: sessionmaker[Session]
) -> None:
    """The operator makes a workspace's version the deployment's: it is copied into the shipped folder."""
    (cli_env.models_dir / "sentiment" / SENTIMENT_V2 / "README.md").write_text(f"# {SENTIMENT_V2}")
    workspace_id = _trained_by_workspace(cli_env, factory, "acme", SENTIMENT_V2)
    shown = CliRunner().invoke(cli, ["models", "show", "sentiment", SENTIMENT_V2])
    assert (shown.exit_code, shown.output) == (0, f"# {SENTIMENT_V2}\n")

    promoted = CliRunner().invoke(cli, ["models", "promote", "sentiment", SENTIMENT_V2])

    assert promoted.exit_code == 0, promoted.output
    assert "moved sentiment" in promoted.output
    assert (cli_env.models_dir / "sentiment" / SENTIMENT_V2 / "pipeline.joblib").is_file()
    own = workspace_models_dir(workspaces_models_root(cli_env), workspace_id)
    assert not (own / "sentiment" / SENTIMENT_V2).exists()
    assert current_version("sentiment", cli_env.models_dir) == SENTIMENT_V2
    listed = _rows(CliRunner().invoke(cli, ["models", "list"], env={"COLUMNS": "200"}).output)
    assert "shipped" in listed[SENTIMENT_V2] and "*" in listed[SENTIMENT_V2]
