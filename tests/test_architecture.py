"""Layering (ARCHITECTURE.md): models imports neither training nor service; training does not import service.
And nothing outside models/artifacts.py unpickles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    ("package", "forbidden"), [("models", {"training", "service"}), ("training", {"service"})]
)
def test_layers_import_only_downwards(package: str, forbidden: set[str]) -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & forbidden) for p in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_artifact_module_unpickles() -> None:
    calls = []
    for package in ("models", "training", "service"):
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            for needle in ("joblib.load(", "pickle.load(", "pickle.loads(", "dill.load"):
                if needle in source and path.name != "artifacts.py":
                    calls.append(f"{path.relative_to(ROOT)}: {needle}")
    assert calls == []
