"""``redlens simulate``: simulated KOL accounts with ground truth, in RedLens's ingest formats."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from service.config import get_settings
from training.simulate import load_comment_pools, simulate_accounts, write_ingest


class PoolSplit(StrEnum):
    all = "all"
    tune = "tune"
    eval = "eval"


def simulate(
    out: Path = typer.Option(..., "--out", help="folder to write the ingest files and truth.csv into"),
    seed: int = typer.Option(0, "--seed", help="random seed; the same seed gives the same accounts"),
    accounts: int = typer.Option(100, "--accounts", min=1, max=100_000, help="number of accounts"),
    split: PoolSplit = typer.Option(
        PoolSplit.all, "--split", help="comment pool half: tune, eval (for honest evaluation) or all"
    ),
    max_comments: int = typer.Option(800, "--max-comments", min=10, help="collected comments per account"),
) -> None:
    """Simulate organic and manipulated KOL accounts and write them as ingest files."""
    corpora = get_settings().shared_corpora_dir
    pools = load_comment_pools(corpora if corpora.is_dir() else None, split.value)
    sims = simulate_accounts(seed, accounts, pools=pools, max_comments=max_comments)
    paths = write_ingest(sims, out)
    manipulated = sum(1 for s in sims if s.label == "manipulated")
    typer.echo(
        f"{len(sims)} accounts ({manipulated} manipulated) from comment pools '{pools.source}' written to {out}:"
    )
    for kind, path in paths.items():
        typer.echo(f"  {kind}: {path}")
