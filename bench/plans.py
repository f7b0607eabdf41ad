"""The plan Oxigraph makes for a named query: ``python -m bench.plans QUERY [PARAM ...]``.

Example: ``python -m bench.plans partnerships country theme`` prints the plan of
``partnerships`` when ``country`` and ``theme`` are given (parameters not named are left
out, as ``queries.prepare`` does).

pyoxigraph has no ``explain``; the ``oxigraph`` command (PyPI package ``oxigraph``, the
test extra) prints the plan of a query on an empty store. The plan does not depend on the
data (Oxigraph's planner keeps no statistics) nor on the values of the parameters: it
does not see substituted values, so it plans as if they were unbound, and so does this.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from pyoxigraph import Store

from atlas_kg import queries
from atlas_kg.vocab import PREFIXES

from .common import require_oxigraph_command

_PLACEHOLDERS = {"integer": "1", "boolean": "true", "iri": "http://example.org/x"}
_NODE = re.compile(r'Node \{ name: "((?:[^"\\]|\\.)*)"|(\[)|(\])')


def plan(name: str, params: list[str], directory: Path | None = None) -> list[str]:
    """The plan of named query ``name`` with parameters ``params`` given, one node a line.

    A child is indented two spaces under its parent; IRIs are shortened with the
    prefixes of the named queries (``vocab.PREFIXES``).
    """
    command = require_oxigraph_command()
    query = queries.load_query(name, directory)
    # Placeholder values: the plan is the same for any (the planner does not see them).
    given = {p: _PLACEHOLDERS.get(getattr(query.param(p), "type", ""), "x") for p in params}
    sparql, _ = queries.prepare(query, given)
    prefixes = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
    with tempfile.TemporaryDirectory() as tmp:
        Store(str(Path(tmp, "store"))).flush()  # `oxigraph query` opens an existing store
        text = Path(tmp, "query.rq")
        text.write_text(prefixes + sparql, encoding="utf-8")
        out = Path(tmp, "plan.txt")
        subprocess.run(
            [command, "query", "--location", str(Path(tmp, "store")), "--union-default-graph",
             "--query-file", str(text), "--results-format", "csv", "--explain-file", str(out)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        explanation = out.read_text(encoding="utf-8")
    lines: list[str] = []
    depth = 0
    for m in _NODE.finditer(explanation):
        if m.group(1) is not None:
            label = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
            for prefix, iri in PREFIXES.items():
                label = re.sub(f"<{re.escape(iri)}([^>]*)>", prefix + r":\1", label)
            lines.append("  " * depth + label)
        elif m.group(2):
            depth += 1
        else:
            depth -= 1
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if args else 2
    print("\n".join(plan(args[0], args[1:])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
