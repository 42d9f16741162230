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
app.add_typer(db.db_app, name="db")
app.command("ingest")(ingest.ingest)
app.command("train")(training.train)
app.command("evaluate")(training.evaluate)
app.command("analyze")(analyze.analyze)
app.add_typer(models.models_app, name="models")
app.add_typer(jobs.jobs_app, name="jobs")
app.command("kpis")(kpis.kpis)
app.command("simulate")(simulate.simulate)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("vet")(vet.vet)
app.add_typer(report.report_app, name="report")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(audience.audience_app, name="audience")
app.command("sponsorship")(audience.sponsorship)
app.command("quote")(audience.quote)
app.add_typer(market.market_app, name="market")


if __name__ == "__main__":
    app()
