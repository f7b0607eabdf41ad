"""The click group, shared options and output helpers. Commands live in sibling modules.

The CLI only parses arguments and formats output; the library does the work. Library
errors (``AtlasError``) become ``Error: <message>`` on stderr with the error's exit code,
never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click

from .. import __version__
from ..errors import AtlasError

DEFAULT_STORE = "./atlas-kg.oxigraph"
DEFAULT_BASE = "https://w3id.org/atlas-kg/id/"
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class AtlasCommandError(click.ClickException):
    """A library error shown as a one-line message with the error's exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class AtlasGroup(click.Group):
    """Turns ``AtlasError`` into a clean message and exit code for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AtlasError as exc:
            raise AtlasCommandError(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # `atlas-kg parse ... | head`: quietly stop, as Unix tools do.
            sys.stderr.close()
            ctx.exit(0)


@click.group(cls=AtlasGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="atlas-kg")
@click.option(
    "--store",
    envvar="ATLAS_KG_STORE",
    default=DEFAULT_STORE,
    show_default=True,
    metavar="PATH|URL",
    help="The store: a folder for the embedded Oxigraph store, or a SPARQL server URL "
    "(env: ATLAS_KG_STORE).",
)
@click.pass_context
def main(ctx: click.Context, store: str) -> None:
    """atlas-kg: turn Atlas partnership pages into a knowledge graph and explore it.

    Example:

        atlas-kg synth --records 300 --seed 1 --out pages/ && atlas-kg ingest pages/
    """
    ctx.ensure_object(dict)
    ctx.obj["store"] = store


def store_location(ctx: click.Context) -> str:
    """The ``--store`` given to the group (or its default)."""
    return ctx.find_root().obj["store"]


def format_option(*choices: str, default: str = "table") -> Callable:
    """The shared ``--format`` option."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices or ("table", "csv", "json")),
        default=default,
        show_default=True,
        help="Output format.",
    )


def is_terminal() -> bool:
    """Progress bars only on a terminal, quiet in pipes and CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def progress(items: Iterable, *, length: int | None = None, label: str = "") -> Any:
    """A click progress bar on a terminal; the bare iterable otherwise."""
    if is_terminal():
        return click.progressbar(items, length=length, label=label, file=sys.stderr)
    return _NullBar(items)


class _NullBar:
    def __init__(self, items: Iterable) -> None:
        self.items = items

    def __enter__(self) -> Iterable:
        return self.items

    def __exit__(self, *exc: object) -> None:
        return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def format_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """Render rows as an aligned text table, CSV or a JSON list of objects."""
    if fmt == "json":
        return json.dumps(
            [{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=2
        )
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow([_cell(r.get(c)) for c in columns])
        return buf.getvalue().rstrip("\n")
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    widths = [min(w, 60) for w in widths]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            (v if len(v) <= w else v[: w - 1] + "…").ljust(w)
            for v, w in zip(values, widths, strict=True)
        ).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out)
