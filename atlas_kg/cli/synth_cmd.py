"""``atlas-kg synth``: write a synthetic Atlas (pages + truth.jsonl)."""

from __future__ import annotations

from pathlib import Path

import click

from ..synth import RENDERINGS, write_atlas
from .base import main, progress


@main.command("synth")
@click.option("--records", "-n", type=click.IntRange(min=1), required=True, help="Number of pages.")
@click.option("--seed", "-s", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder (created if needed).",
)
@click.option(
    "--render",
    type=click.Choice(RENDERINGS),
    default="plain",
    show_default=True,
    help="Page rendering; 'mixed' picks one per page.",
)
def synth_command(records: int, seed: int, out: Path, render: str) -> None:
    """Write a synthetic Atlas: N realistic pages and truth.jsonl (the record of each page).

    The same seed gives the same bytes. A summary line goes to stderr.

    \b
    Example:
        atlas-kg synth --records 300 --seed 7 --out build/demo-pages
        atlas-kg synth -n 12000 -s 1 -o build/atlas --render mixed
    """
    with progress(range(records), length=records, label="synth") as bar:
        summary = write_atlas(
            out, records, seed, render=render, progress=getattr(bar, "update", None)
        )
    click.echo(summary.line(), err=True)
