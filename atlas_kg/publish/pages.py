"""The site's HTML pages, built with ``markup.html`` so that every data value is escaped.

Pages use one stylesheet (``static/publish/site.css``) and no script (the SPARQL editor
page loads the vendored YASGUI), so the server can forbid inline scripts with a
Content-Security-Policy. Links to the data's IRIs go through ``Links``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from pyoxigraph import BlankNode, Literal, NamedNode

from ..queries import NamedQuery, QueryResult
from ..vocab import PREFIXES
from .config import SOURCE_LICENCE_NOTE, SOURCE_PUBLISHER, SOURCE_URL, PublishConfig
from .conneg import RDF_FORMATS
from .entities import EntityView, GraphInfo, Incoming, ListItem, SiteData, Statement, Value
from .links import Links
from .markup import Markup, html, join

__all__ = [
    "entity_page",
    "error_page",
    "home_page",
    "index_page",
    "query_page",
    "queries_page",
    "search_page",
    "sparql_editor_page",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
_PLAIN_TYPES = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
CURIE_PREFIXES = {
    **PREFIXES,
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}
FORMAT_LABELS = {
    "turtle": "Turtle",
    "jsonld": "JSON-LD",
    "ntriples": "N-Triples",
    "rdfxml": "RDF/XML",
}


def curie(iri: str) -> str:
    """``akg:Partnership`` for a term of a known namespace, else the IRI."""
    for prefix, ns in CURIE_PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


# -- layout ----------------------------------------------------------------------------


NOTHING = Markup("")


def layout(links: Links, title: str, body: Markup, *, alternates: Sequence[tuple[str, str]] = (),
           network: bool = True, static: bool = False, head: Markup = NOTHING) -> Markup:  # fmt: skip
    """The page around ``body``: header with the site's sections, footer, stylesheet."""
    nav = [(links.url("index.html" if static else ""), "Home")]
    if not static:
        nav += [(links.url("search"), "Search"), (links.url("sparql"), "SPARQL")]
    nav += [
        (links.url("queries/index.html" if static else "queries"), "Queries"),
        (links.url("void.ttl" if static else "void"), "Dataset (VoID)"),
        (links.url("dumps/" + ("index.html" if static else "")), "Dumps"),
    ]
    if network:
        nav.append((links.url("network.html" if static else "network"), "Network"))
    alternate_links = join(
        html('<link rel="alternate" type="{}" href="{}">\n', media, href)
        for media, href in alternates
    )
    return html(
        """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{css}">
{alternates}{head}</head>
<body>
<header class="site"><a class="name" href="{home}">atlas-kg</a>{nav}</header>
<main>
{body}
</main>
<footer class="site">Data read from the <a href="{source}">Atlas français de la coopération
décentralisée</a> (French Ministry of Europe and Foreign Affairs). Published with atlas-kg.</footer>
</body>
</html>
""",
        title=title,
        css=links.url("static/publish/site.css"),
        alternates=alternate_links,
        head=head,
        home=nav[0][0],
        nav=join(html(' <a href="{}">{}</a>', href, label) for href, label in nav[1:]),
        body=body,
        source=SOURCE_URL,
    )


# -- values ----------------------------------------------------------------------------


def link(links: Links, iri: str, text: str | None = None) -> Markup:
    """A link to an IRI's page (or the IRI as text when it cannot be a safe link)."""
    href = links.href(iri)
    shown = text or curie(iri)
    if href is None:
        return html("<code>{}</code>", shown)
    if href == iri and not links.is_local(iri):
        return html('<a href="{}" rel="nofollow noopener">{}</a>', href, shown)
    return html('<a href="{}">{}</a>', href, shown)


def term_html(links: Links, value: Value, data: SiteData | None = None) -> Markup:
    term = value.term
    if isinstance(term, NamedNode):
        label = value.label or (data.term_label(term.value) if data else None)
        if label is None and links.is_local(term.value):
            label = links.rest(term.value)  # a row or a node without a name: its path
        return link(links, term.value, label)
    if isinstance(term, BlankNode):
        return html("<code>_:{}</code>", term.value)
    if isinstance(term, Literal):
        text = term.value
        cls = "text" if len(text) > 120 or "\n" in text else "literal"
        out = html('<span class="{}">{}</span>', cls, text)
        if term.language:
            out += html(' <span class="lang">@{}</span>', term.language)
        elif term.datatype.value not in _PLAIN_TYPES:
            out += html(' <span class="datatype">{}</span>', curie(term.datatype.value))
        return out
    return html("<code>{}</code>", str(term))


def predicate_html(links: Links, data: SiteData, predicate: str) -> Markup:
    label = data.term_label(predicate)
    if label:
        return html(
            '{}<br><span class="curie">{}</span>', link(links, predicate, label), curie(predicate)
        )
    return link(links, predicate)


def statements_table(links: Links, data: SiteData, statements: Iterable[Statement]) -> Markup:
    rows = [
        html(
            '<tr><th>{}</th><td><ul class="values">{}</ul></td></tr>',
            predicate_html(links, data, st.predicate),
            join(html("<li>{}</li>", term_html(links, v, data)) for v in st.values),
        )
        for st in statements
    ]
    return html('<table class="statements">{}</table>', join(rows))


# -- entity pages ----------------------------------------------------------------------


def alternates_for(links: Links, iri: str) -> list[tuple[str, str]]:
    return [(f.media_type, links.doc(iri, f.extension)) for f in RDF_FORMATS.values()]


def entity_page(view: EntityView, data: SiteData, links: Links, *, static: bool = False,
                network: bool = True) -> Markup:  # fmt: skip
    """The page of one entity: statements, rows, incoming links, provenance, flags."""
    title = view.label or curie(view.iri)
    types = join((link(links, t, data.term_label(t)) for t in view.types), ", ")
    formats = [
        (f.name, links.doc(view.iri, f.extension))
        for f in RDF_FORMATS.values()
        if not static or f.name in ("turtle", "jsonld")
    ]
    parts = [
        html("<h1>{}</h1>", title),
        html('<p class="types">{}</p>', types) if view.types else Markup(""),
        html(
            '<p class="iri">IRI: <a href="{}"><code>{}</code></a></p>',
            links.id_url(view.iri) if not static else links.doc(view.iri),
            view.iri,
        ),
        html(
            '<p class="formats">Also as: {}</p>',
            join((html('<a href="{}">{}</a>', href, FORMAT_LABELS[n]) for n, href in formats), " "),
        ),
    ]
    if view.flags:
        parts.append(flags_section(links, data, view))
    parts.append(html("<h2>Statements</h2>{}", statements_table(links, data, view.statements)))
    for child in view.children:
        child_types = ", ".join(data.term_label(t) or curie(t) for t in child.types) or "Row"
        parts.append(
            html(
                '<section id="{}"><h3>{}: <code>{}</code></h3>{}</section>',
                child.anchor,
                child_types,
                child.iri[len(view.iri) + 1 :],
                statements_table(links, data, child.statements),
            )
        )
    if view.incoming:
        parts.append(incoming_section(links, data, view, static=static))
    if view.graphs:
        parts.append(provenance_section(links, view))
    return layout(links, title, join(parts), alternates=alternates_for(links, view.iri),
                  static=static, network=network)  # fmt: skip


def flags_section(links: Links, data: SiteData, view: EntityView) -> Markup:
    items = []
    for flag in view.flags:
        where = ""
        if flag.focus != view.iri:
            where = (
                flag.focus[len(view.iri) + 1 :] if flag.focus.startswith(view.iri) else flag.focus
            )
        items.append(
            html(
                '<div class="flag {}"><strong>{}</strong> {}{}{}</div>',
                flag.severity or "Info",
                flag.severity or "Note",
                flag.message or "(no message)",
                html(' <span class="muted">on {}</span>', where) if where else Markup(""),
                html(
                    ' <span class="muted">({})</span>',
                    data.term_label(flag.path) or curie(flag.path),
                )
                if flag.path
                else Markup(""),
            )
        )
    return html('<section id="quality"><h2>Quality flags</h2>{}</section>', join(items))


def incoming_section(links: Links, data: SiteData, view: EntityView, *, static: bool) -> Markup:
    blocks = []
    for inc in view.incoming:
        blocks.append(incoming_block(links, data, view.iri, inc, static=static))
    return html('<section id="incoming"><h2>Linked from</h2>{}</section>', join(blocks))


def incoming_block(
    links: Links, data: SiteData, iri: str, inc: Incoming, *, static: bool
) -> Markup:
    label = data.term_label(inc.predicate) or curie(inc.predicate)
    more = Markup("")
    if inc.count > len(inc.subjects):
        if static:
            more = html('<p class="muted">… and {} more.</p>', inc.count - len(inc.subjects))
        else:
            query = f"SELECT DISTINCT ?s WHERE {{ ?s <{inc.predicate}> <{iri}> }}"
            more = html(
                '<p class="muted">… and {} more: <a href="{}">all of them in the SPARQL editor</a>.</p>',
                inc.count - len(inc.subjects),
                links.url("sparql") + "?" + urlencode({"query": query}),
            )
    items = join(html("<li>{}</li>", term_html(links, v, data)) for v in inc.subjects)
    return html(
        '<h3>as “{}” <span class="count">({})</span></h3><ul class="columns">{}</ul>{}',
        label,
        inc.count,
        items,
        more,
    )


def provenance_section(links: Links, view: EntityView) -> Markup:
    rows = [graph_row(links, g) for g in view.graphs]
    note = Markup("")
    if view.graph_count > len(view.graphs):
        note = html(
            '<p class="muted">… and {} more record graphs.</p>', view.graph_count - len(view.graphs)
        )
    return html(
        """<section id="provenance"><h2>Provenance</h2>
<p>Described in {} record graph(s): what each Atlas page said, when it was read.</p>
<table><tr><th>Record graph</th><th>Source page</th><th>Read at</th><th>File</th><th>Parser</th>
<th>Complete</th><th>Warnings</th></tr>{}</table>{}</section>""",
        view.graph_count,
        join(rows),
        note,
    )


def graph_row(links: Links, g: GraphInfo) -> Markup:
    warnings = (
        html('<ul class="warnings">{}</ul>', join(html("<li>{}</li>", w) for w in g.warnings))
        if g.warnings
        else Markup("")
    )
    complete = "" if g.complete is None else ("yes" if g.complete else "no (truncated page)")
    return html(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        link(links, g.iri, curie_local(links, g.iri)),
        link(links, g.source_page, "Atlas page") if g.source_page else "",
        g.read_at or "",
        g.source_file or "",
        g.parser_version or "",
        complete,
        warnings,
    )


def curie_local(links: Links, iri: str) -> str:
    return links.rest(iri) if links.is_local(iri) else curie(iri)


# -- home, search, lists ---------------------------------------------------------------


def home_page(data: SiteData, links: Links, config: PublishConfig, queries: Sequence[NamedQuery],
              *, static: bool = False, network: bool = True) -> Markup:  # fmt: skip
    """The home page: dataset description, search, lists, named queries, network view."""
    stats = data.stats
    figures = Markup("")
    if stats is not None:
        top = list(stats.entities.items())[:14]
        figures = html(
            "<p>{} records, {} quads in {} graphs (version <code>{}</code>{}).</p>"
            "<details><summary>Entities per class</summary><table>{}</table></details>",
            stats.records,
            stats.quads,
            stats.graphs,
            data.version,
            html(", last read {}", data.modified) if data.modified else Markup(""),
            join(html("<tr><td>{}</td><td>{}</td></tr>", cls, n) for cls, n in top),
        )
    search = Markup("")
    if static:
        from .static import BROWSE

        search = html(
            "<h2>Browse</h2><p>{}</p>",
            join(
                (html('<a href="{}">{}</a>', links.url(f"browse/{name}.html"), name.replace("-", " "))
                 for name in BROWSE.values()),
                " · ",
            ),
        )  # fmt: skip
    else:
        search = html(
            '<h2>Search</h2><form action="{}" method="get"><input type="search" name="q" '
            'placeholder="a collectivity, post, country, funder…" size="40" aria-label="name"> '
            "<button>Search</button></form>",
            links.url("search"),
        )
    themes = theme_tree(links, data.themes)
    parts = [
        html("<h1>{}</h1><p>{}</p>", config.title, config.description),
        html(
            '<p>Licence of this data: <a href="{}">{}</a>. Source: the <a href="{}">Atlas '
            "français de la coopération décentralisée</a>, published by the {} ({}) under "
            '<a href="{}">{}</a>. {}</p>',
            config.licence,
            config.licence_label,
            SOURCE_URL,
            SOURCE_PUBLISHER[1],
            SOURCE_PUBLISHER[0],
            config.source_licence,
            config.source_licence_label,
            SOURCE_LICENCE_NOTE,
        ),
        figures,
        html(
            '<p>Machine access: <a href="{}">SPARQL endpoint</a> · <a href="{}">dataset description '
            '(VoID, DCAT)</a> · <a href="{}">dumps</a>. Every IRI <code>{}…</code> is served '
            "under <code>{}</code> as HTML, Turtle, JSON-LD, N-Triples and RDF/XML.</p>",
            links.url("sparql") if not static else links.url("void.ttl"),
            links.url("void" if not static else "void.ttl"),
            links.url("dumps/" + ("index.html" if static else "")),
            links.base,
            links.url("id/"),
        )
        if not static
        else html(
            '<p>Machine access: <a href="{}">dataset description (VoID, DCAT)</a> · <a href="{}">dumps</a>.</p>',
            links.url("void.ttl"),
            links.url("dumps/index.html"),
        ),
        search,
        html("<h2>Partnerships by country</h2>{}", item_list(links, data.countries)),
        html("<h2>Partnerships by diplomatic post</h2>{}", item_list(links, data.posts)),
        html("<h2>Partnerships by theme</h2>{}", themes),
        html(
            "<h2>Named queries</h2><p>Each runs with bound parameters; results as JSON, CSV "
            'or a table. Documentation: <a href="{}">all queries</a>.</p>{}',
            links.url("queries/index.html" if static else "queries"),
            join(query_form(links, q, static=static) for q in queries),
        ),  # fmt: skip
    ]
    if network:
        parts.append(
            html(
                '<h2>Network view</h2><p><a href="{}">The partnership network</a>: French and '
                "foreign collectivities linked by their partnerships, with a world map (an "
                "interactive page that works offline).</p>",
                links.url("network.html" if static else "network"),
            )
        )
    return layout(links, config.title, join(parts), static=static, network=network)


def item_list(links: Links, items: Sequence[ListItem]) -> Markup:
    if not items:
        return html('<p class="muted">None yet.</p>')
    return html(
        '<ul class="columns">{}</ul>',
        join(
            html(
                '<li>{} <span class="count">({})</span></li>', link(links, i.iri, i.label), i.count
            )
            for i in items
        ),
    )


def theme_tree(links: Links, items: Sequence[ListItem]) -> Markup:
    children: dict[str | None, list[ListItem]] = {}
    for item in items:
        children.setdefault(item.parent, []).append(item)

    def branch(parent: str | None) -> Markup:
        kids = children.get(parent, [])
        if not kids:
            return Markup("")
        return html(
            '<ul class="plain">{}</ul>',
            join(
                html(
                    '<li>{} <span class="count">({})</span>{}</li>',
                    link(links, k.iri, k.label),
                    k.count,
                    branch(k.iri),
                )
                for k in kids
            ),
        )

    return branch(None) if items else html('<p class="muted">None yet.</p>')


def search_page(
    links: Links, data: SiteData, text: str, results: Sequence[tuple[str, str, list[str]]]
) -> Markup:
    form = html(
        '<form action="{}" method="get"><input type="search" name="q" value="{}" size="40" '
        'aria-label="name"> <button>Search</button></form>',
        links.url("search"),
        text,
    )
    if not text:
        body = html("<h1>Search</h1>{}<p>Names are compared without case or accents.</p>", form)
    elif not results:
        body = html("<h1>Search</h1>{}<p>Nothing is named like “{}”.</p>", form, text)
    else:
        items = join(
            html(
                '<li>{} <span class="muted">{}</span></li>',
                link(links, iri, label),
                ", ".join(data.term_label(t) or curie(t) for t in types),
            )
            for iri, label, types in results
        )
        body = html(
            "<h1>Search</h1>{}<p>{} result(s) for “{}”.</p><ul>{}</ul>",
            form,
            len(results),
            text,
            items,
        )
    return layout(links, f"Search: {text}" if text else "Search", body)


def index_page(
    links: Links, title: str, items: Sequence[tuple[str, str]], *, static: bool = True
) -> Markup:
    """A list of entities (static site indexes)."""
    body = html(
        '<h1>{}</h1><p>{} entities.</p><ul class="columns">{}</ul>',
        title,
        len(items),
        join(html("<li>{}</li>", link(links, iri, label)) for iri, label in items),
    )
    return layout(links, title, body, static=static)


def error_page(
    links: Links, status: int, title: str, message: str, *, static: bool = False
) -> Markup:
    body = html(
        '<h1>{}</h1><p>{}</p><p><a href="{}">Home</a></p>',
        title,
        message,
        links.url("index.html" if static else ""),
    )
    return layout(links, f"{status} {title}", body, static=static)


# -- named queries ---------------------------------------------------------------------


def query_form(links: Links, query: NamedQuery, *, values: dict[str, str] | None = None,
               static: bool = False) -> Markup:  # fmt: skip
    values = values or {}
    page = links.url(f"queries/{query.name}.html" if static else f"queries/{query.name}")
    if static:
        if query.params:
            return html(
                '<div class="query"><h3><a href="{}">{}</a></h3><p>{}</p><p class="muted">Takes '
                "parameters: run it on a server (<code>atlas-kg serve</code>) or with "
                "<code>atlas-kg query {}</code>.</p></div>",
                page, query.name, query.summary, query.name,
            )  # fmt: skip
        return html(
            '<div class="query"><h3><a href="{}">{}</a></h3><p>{}</p><p>Results: <a href="{}">JSON</a> · '
            '<a href="{}">CSV</a></p></div>',
            page,
            query.name,
            query.summary,
            links.url(f"queries/{query.name}.json"),
            links.url(f"queries/{query.name}.csv"),
        )
    inputs = join(
        html(
            '<label>{}{} <input type="text" name="{}" value="{}" {} title="{}"></label>',
            p.name,
            " *" if p.required else "",
            p.name,
            values.get(p.name, ""),
            Markup("required") if p.required else Markup(""),
            p.description,
        )
        for p in query.params
    )
    return html(
        '<form class="query" action="{}" method="get"><strong><a href="{}">{}</a></strong> — {}<br>{}'
        '<label>format <select name="format"><option value="html">table</option>'
        '<option value="json">JSON</option><option value="csv">CSV</option></select></label> '
        "<button>Run</button></form>",
        page,
        page,
        query.name,
        query.summary,
        inputs,
    )


def queries_page(links: Links, queries: Sequence[NamedQuery], *, static: bool = False) -> Markup:
    body = html(
        "<h1>Named queries</h1><p>One SPARQL file per query in <code>queries/</code>; its "
        "<code>#+</code> header gives the summary, the parameters and the columns. "
        "{}</p>{}",
        Markup("")
        if static
        else html(
            "Run one as <code>{}NAME?param=value</code> (JSON by default, <code>format=csv</code> "
            "or <code>Accept: text/csv</code> for CSV, <code>NAME.csv</code> too).",
            links.url("queries/"),
        ),
        join(query_form(links, q, static=static) for q in queries),
    )
    return layout(links, "Named queries", body, static=static)


def query_page(links: Links, query: NamedQuery, *, values: dict[str, str] | None = None,
               result: QueryResult | None = None, error: str | None = None,
               static: bool = False) -> Markup:  # fmt: skip
    """A named query's documentation (from its header), its form, and its results."""
    params = join(
        html(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.name,
            p.type,
            "yes" if p.required else "no",
            p.description,
        )
        for p in query.params
    )
    example = {p.name: "…" for p in query.params if p.required}
    api = Markup("")
    if not static:
        api = html(
            '<p>API: <code>GET {}</code> → JSON (<code>{{"columns": [...], "rows": '
            "[{{...}}]}}</code>); CSV with <code>format=csv</code>, <code>Accept: text/csv</code> or "
            "<code>{}.csv</code>; <code>limit=N</code> caps the rows.</p>",
            links.url(f"queries/{query.name}") + ("?" + urlencode(example) if example else ""),
            links.url(f"queries/{query.name}"),
        )
    parts = [
        html("<h1>Query <code>{}</code></h1><p>{}</p>", query.name, query.summary),
        html(
            "<h2>Parameters</h2><table><tr><th>name</th><th>type</th><th>required</th>"
            '<th>description</th></tr>{}</table><p class="muted">Labels match the '
            "<code>akg:searchKey</code> of names: case and accents do not matter.</p>",
            params,
        )
        if query.params
        else html("<p>No parameters.</p>"),
        html(
            "<h2>Columns</h2><p>{}</p>",
            join((html("<code>{}</code>", c) for c in query.columns), ", "),
        ),
        api,
        query_form(links, query, values=values, static=static),
    ]
    if error:
        parts.append(html('<div class="flag Violation">{}</div>', error))
    if result is not None:
        parts.append(results_table(links, result))
    parts.append(html("<h2>SPARQL</h2><pre>{}</pre>", query.sparql))
    if query.unfiltered is not None:
        parts.append(
            html(
                "<h3>Without filters</h3><p>When no optional parameter is given, this text runs "
                "instead: the same rows, each column read in one pass over the store.</p>"
                "<pre>{}</pre>",
                query.unfiltered,
            )
        )
    return layout(links, f"Query {query.name}", join(parts), static=static)


def results_table(links: Links, result: QueryResult) -> Markup:
    head = join(html("<th>{}</th>", c) for c in result.columns)

    def cell(value: Any) -> Markup:
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return link(links, value, curie_local(links, value) if links.is_local(value) else None)
        return html("{}", "" if value is None else value)

    rows = join(
        html("<tr>{}</tr>", join(html("<td>{}</td>", cell(r.get(c))) for c in result.columns))
        for r in result.rows
    )
    return html(
        "<h2>Results</h2><p>{} row(s).</p><table><tr>{}</tr>{}</table>", len(result), head, rows
    )


# -- SPARQL editor ---------------------------------------------------------------------


def json_for_script(data: Any) -> Markup:
    """JSON safe inside a ``<script>`` element (no ``</script>``, no HTML specials)."""
    text = json.dumps(data, ensure_ascii=False)
    for char, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                      ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(char, esc)
    return Markup(text)


def editor_text(query: NamedQuery) -> str:
    """A named query as an editor example: optional parameters left out (as when they are
    not given), required ones left as variables, with how to bind them."""
    from ..queries import prepare

    # Any valid value: only the text (optional lines left out) is kept, not the bindings.
    dummy = {"integer": "0", "boolean": "true", "iri": "urn:x"}
    text, _ = prepare(query, {p.name: dummy.get(p.type, "x") for p in query.params if p.required})
    required = [p for p in query.params if p.required]
    if not required:
        return text
    notes = [
        f"#  ?{p.variable}: {p.description or p.type}; bind it with the request parameter "
        f'${p.variable}="..." (an N-Triples term; label parameters compare with akg:searchKey)'
        for p in required
    ]
    return "\n".join(["# Parameters, unbound here (so every value is returned):", *notes, text])


def sparql_editor_page(links: Links, endpoint: str, queries: Sequence[NamedQuery],
                       initial: str | None = None) -> Markup:  # fmt: skip
    """YASGUI (vendored, offline) on this endpoint, one tab per named query."""
    examples = [{"name": q.name, "summary": q.summary, "query": editor_text(q)} for q in queries]
    config = {"endpoint": endpoint, "examples": examples, "initial": initial}
    head = html(
        '<link rel="stylesheet" href="{}">\n<script src="{}"></script>\n'
        '<script type="application/json" id="atlas-sparql-config">{}</script>\n'
        '<script src="{}" defer></script>\n',
        links.url("static/yasgui/yasgui.min.css"),
        links.url("static/yasgui/yasgui.min.js"),
        json_for_script(config),
        links.url("static/publish/sparql-editor.js"),
    )
    body = html(
        "<h1>SPARQL</h1><p>Endpoint <code>{}</code> (SPARQL 1.1 Protocol: GET or POST; "
        "read-only; the default graph is the union of all graphs; the usual prefixes "
        "<code>akg:</code>, <code>rdfs:</code>, <code>dcterms:</code>… are predefined). "
        'The named queries are in the tabs.</p><div id="yasgui"></div>',
        endpoint,
    )
    return layout(links, "SPARQL", body, head=head)
