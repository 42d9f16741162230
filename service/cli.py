"""The ``redlens`` command line. It mirrors the API: each area's commands live in
``service/commands/<area>.py`` and are named here."""

from __future__ import annotations

import typer

from service.commands import (
    analyze,
    audience,
    db,
    demo,
    ingest,
    jobs,
    keys,
    kpis,
    market,
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
# Typer lists the commands first and then the groups, each in the order given here.
for name, command in (
    ("ingest", ingest.ingest),
    ("train", training.train),
    ("evaluate", training.evaluate),
    ("analyze", analyze.analyze),
    ("kpis", kpis.kpis),
    ("simulate", simulate.simulate),
    ("serve", serve.serve),
    ("demo", demo.demo),
    ("vet", vet.vet),
    ("sponsorship", audience.sponsorship),
    ("quote", audience.quote),
):
    app.command(name)(command)
for name, group in (
    ("db", db.db_app),
    ("models", models.models_app),
    ("jobs", jobs.jobs_app),
    ("report", report.report_app),
    ("keys", keys.keys_app),
    ("audience", audience.audience_app),
    ("market", market.market_app),
):
    app.add_typer(group, name=name)


if __name__ == "__main__":
    app()
