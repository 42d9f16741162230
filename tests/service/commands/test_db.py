"""``redlens db upgrade`` and ``redlens db current`` against the configured database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings
from service.store.engine import current_revision, head_revision


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    def use(url: str) -> None:
        monkeypatch.setenv("REDLENS_DATABASE_URL", url)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def test_db_upgrade_then_current_on_sqlite(tmp_path: Path, use_database: Callable[[str], None]) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'cli.db'}"
    use_database(url)
    runner = CliRunner()

    before = runner.invoke(app, ["db", "current"])
    assert before.exit_code == 1 and "redlens db upgrade" in before.output

    first = runner.invoke(app, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "upgraded empty database ->" in first.output
    assert current_revision(url) == head_revision()

    again = runner.invoke(app, ["db", "upgrade"])
    assert again.exit_code == 0 and "already at" in again.output

    now = runner.invoke(app, ["db", "current"])
    assert now.exit_code == 0 and "(head)" in now.output


@pytest.mark.postgres
def test_db_upgrade_on_postgresql(
    pg_schema_url: Callable[[bool], str], use_database: Callable[[str], None]
) -> None:
    url = pg_schema_url(False)
    use_database(url)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert current_revision(url) == head_revision()
