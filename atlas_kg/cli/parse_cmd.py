"""``atlas-kg parse``: Atlas pages → records (JSON Lines), warnings and errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import PageError
from ..parse import PAGE_SUFFIXES, iter_page_files, parse_file
from .base import format_option, format_rows, main

TABLE_COLUMNS = ["file", "atlas_id", "complete", "status", "start_year", "countries", "title"]


@main.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@format_option("jsonl", "json", "table", default="jsonl")
@click.option(
    "--id",
    "atlas_id",
    type=int,
    help="The Atlas prjId of a single page whose file name and text do not give it.",
)
@click.option("--strict", is_flag=True, help="Also reject incomplete (truncated) pages.")
def parse_command(paths: tuple[Path, ...], fmt: str, atlas_id: int | None, strict: bool) -> None:
    """Read Atlas pages (text or saved HTML; files or folders) into records.

    Prints one JSON record per line on stdout; warnings and errors go to stderr, prefixed
    with the file name. Exit 0 when every page was read, 1 when any was rejected.

    \b
    Example:
        atlas-kg parse ../shared/seeds/000_4d9583dcafd7f051.txt --id 12695
        atlas-kg parse ../shared/atlas-pages --format table
    """
    if atlas_id is not None and (len(paths) != 1 or paths[0].is_dir()):
        raise click.UsageError("--id applies to a single file, not to several files or a folder")
    rejected = 0
    records = []
    files = list(iter_page_files(paths))
    for given in paths:
        if given.is_dir() and not any(_under(f, given) for f in files):
            suffixes = ", ".join(f"*{s}" for s in PAGE_SUFFIXES)
            click.echo(f"{given}: error: no page files ({suffixes}) in this folder", err=True)
            rejected += 1
    for path in files:
        try:
            record = parse_file(path, atlas_id=atlas_id, strict=strict)
        except PageError as exc:
            click.echo(_error_line(exc), err=True)
            rejected += 1
            continue
        for warning in record.source.warnings:
            click.echo(f"{path}: warning: {warning}", err=True)
        if fmt == "jsonl":
            click.echo(record.to_json())
        else:
            records.append(record)
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
    elif fmt == "table":
        click.echo(format_rows([_row(r) for r in records], TABLE_COLUMNS, "table"))
    if rejected:
        raise click.exceptions.Exit(1)


def _under(path: Path, folder: Path) -> bool:
    return folder == path or folder in path.parents


def _error_line(exc: PageError) -> str:
    where = exc.path or "<input>"
    if exc.line is not None:
        where += f":{exc.line}"
    text = f"{where}: error: {exc.message}"
    if exc.expected:
        text += f"; expected {exc.expected}"
    return text


def _row(record) -> dict:
    countries = sorted({p.country for p in record.foreign_partners if p.country})
    return {
        "file": Path(record.source.path).name if record.source.path else None,
        "atlas_id": record.source.atlas_id,
        "complete": "yes" if record.source.complete else "no",
        "status": record.status,
        "start_year": record.start_year,
        "countries": ", ".join(countries),
        "title": record.title,
    }
