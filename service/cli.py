"""The ``redlens`` command line. It mirrors the API: each area registers its commands from
``service/commands/<area>.py`` (a ``register(app)`` function), so areas stay independent."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="redlens",
    help="RedLens: comment sentiment, intents and audience authenticity for Xiaohongshu KOLs.",
    no_args_is_help=True,
    add_completion=False,
)


# A callback keeps subcommands named even while only one area is registered: typer would otherwise
# run a lone command as the root, and `redlens kpis FILE` would read "kpis" as FILE.
@app.callback()
def _root() -> None:
    pass


_AREAS = ("db", "ingest", "classify", "kpis", "authenticity", "serve", "demo", "vet", "report", "keys")

for _area in _AREAS:
    try:
        _module = importlib.import_module(f"service.commands.{_area}")
    except ModuleNotFoundError as exc:  # an area not written yet
        if exc.name != f"service.commands.{_area}":
            raise
        continue
    _module.register(app)


if __name__ == "__main__":
    app()
