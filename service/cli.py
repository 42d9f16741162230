"""The ``redlens`` command line. It mirrors the API; each area's commands live in
``service/commands/<area>.py`` and are added here by its ``register(app)``."""

from __future__ import annotations

import typer

from service.commands import (
    analyze,
    db,
    demo,
    ingest,
    keys,
    kpis,
    models,
    report,
    serve,
    simulate,
    training,
    vet,
)

app = typer.Typer(
    name="redlens",
    help="RedLens: comment sentiment, intents and audience authenticity for Xiaohongshu KOLs.",
    no_args_is_help=True,
    add_completion=False,
)

for area in (db, ingest, training, analyze, models, kpis, simulate, serve, demo, vet, report, keys):
    area.register(app)


if __name__ == "__main__":
    app()
