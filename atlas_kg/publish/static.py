"""``atlas-kg publish DIR``: the site as static files, with conneg rules for nginx and Apache.

The folder holds what ``atlas-kg serve`` answers, minus what needs a server (search, the
SPARQL endpoint, named queries with parameters)::

    index.html  404.html  static/publish/site.css
    doc/<rest>.html .ttl .jsonld      one set per entity (a partnership's rows included)
    resource/<key>.html               themes, SDGs, ontology terms (IRIs outside the base)
    browse/<class>.html               every entity of a class
    queries/index.html, queries/<name>.html (+ .json .csv for queries without parameters)
    void.ttl  .well-known/void        VoID + DCAT
    dumps/index.html  dumps/atlas-kg.nq.gz  dumps/atlas-kg.ttl
    network.html                      the network view (atlas_kg.export, ``html``)
    .htaccess   nginx.conf            rules: /id/<rest> → 303 /doc/<rest>.<ext> by Accept

The rules choose HTML when the client's ``Accept`` names ``text/html``, else Turtle or
JSON-LD when named, else HTML (q-values are not weighed: a regular expression cannot).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Triple

from ..errors import AtlasError, ConfigError
from ..queries import list_queries, run_query
from ..store import Store
from ..vocab import PREFIXES
from . import pages
from .app import STATIC_DIR
from .config import PublishConfig
from .entities import SiteData, serialize_rdf
from .links import Links, resource_key
from .void import DUMPS, dataset_counts, dataset_description

__all__ = ["PublishReport", "apache_rules", "default_public_url", "nginx_rules", "publish_site"]

STATIC_FORMATS = (("html", None), ("ttl", "turtle"), ("jsonld", "jsonld"))
"""The forms of each entity written by ``publish``: extension and RDF format name."""
BROWSE = {
    "akg:Partnership": "partnerships",
    "akg:FrenchCollectivity": "french-collectivities",
    "akg:ForeignCollectivity": "foreign-collectivities",
    "akg:DiplomaticPost": "posts",
    "akg:Funder": "funders",
    "akg:Country": "countries",
    "org:Organization": "organizations",
}


@dataclass
class PublishReport:
    """What ``publish_site`` wrote."""

    folder: Path
    entities: int = 0
    resources: int = 0
    files: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"wrote {self.files} files to {self.folder}: {self.entities} entities "
            f"(HTML, Turtle, JSON-LD), {self.resources} vocabulary pages, VoID, dumps, "
            "nginx.conf and .htaccess"
        ]
        return "\n".join(lines + [f"note: {n}" for n in self.notes])


def default_public_url(base: str) -> str:
    """Where the static site is hosted when not told: the base without its final ``id/``."""
    if base.endswith("/id/"):
        return base[: -len("id/")]
    raise ConfigError(
        "--public-url", None, "the URL the site will be hosted at (the base does not end with /id/)"
    )


Progress = Callable[[int, int], None]


def publish_site(
    store: Store,
    folder: str | Path,
    config: PublishConfig | None = None,
    *,
    queries_dir: Path | None = None,
    network: bool = True,
    progress: Progress | None = None,
) -> PublishReport:
    """Write the static site of the store into ``folder`` (created; files overwritten)."""
    config = config or PublishConfig()
    if config.public_url is None:
        config = config.with_public_url(default_public_url(config.base))
    site_url = config.public_url
    assert site_url is not None
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AtlasError(f"cannot create {out}: {exc.strerror or exc}") from None
    report = PublishReport(out)
    links = Links(config.base, config.prefix, static=True)
    data = SiteData.load(store, links)
    queries = list_queries(queries_dir)
    writer = _Writer(out, report)

    shutil.copytree(STATIC_DIR / "publish", out / "static" / "publish", dirs_exist_ok=True)
    subjects = data.local_subjects()
    vocabulary = sorted(links.known)
    total = len(subjects) + len(vocabulary)
    done = 0
    for iri in subjects:
        view = data.describe(iri)
        writer.text(
            f"doc/{links.path(iri)}.html",
            pages.entity_page(view, data, links, static=True, network=network),
        )
        triples = data.entity_triples(iri) + _document_triples(site_url, links, iri, config)
        for ext, fmt in STATIC_FORMATS[1:]:
            writer.bytes(f"doc/{links.path(iri)}.{ext}", serialize_rdf(triples, fmt))
        report.entities += 1
        done += 1
        if progress:
            progress(done, total)
    for iri in vocabulary:
        view = data.describe(iri)
        writer.text(
            f"resource/{resource_key(iri)}.html",
            pages.entity_page(view, data, links, static=True, network=network),
        )
        report.resources += 1
        done += 1
        if progress:
            progress(done, total)

    writer.text(
        "index.html", pages.home_page(data, links, config, queries, static=True, network=network)
    )
    writer.text(
        "404.html",
        pages.error_page(links, 404, "Not found", "This page is not in the dataset.", static=True),
    )
    _browse_pages(data, links, subjects, writer)
    _query_pages(store, links, queries, writer)
    counts = dataset_counts(store)
    void = serialize_rdf(
        dataset_description(data, config, site_url, counts=counts, static=True), "turtle"
    )
    writer.bytes("void.ttl", void)
    writer.bytes(".well-known/void", void)
    for dump in DUMPS:
        target = out / "dumps" / dump.name
        target.parent.mkdir(parents=True, exist_ok=True)
        store.dump(target, dump.format)
        report.files += 1
    writer.text("dumps/index.html", _dumps_page(links, data))
    if network:
        try:
            from ..export import html_page
            from ..metrics import load_network

            writer.text("network.html", html_page(load_network(store), mode="network"))
        except (ImportError, AtlasError) as exc:
            report.notes.append(f"no network view: {exc}")
    writer.text("nginx.conf", nginx_rules(out, config))
    writer.text(".htaccess", apache_rules(config))
    return report


class _Writer:
    def __init__(self, root: Path, report: PublishReport) -> None:
        self.root, self.report = root, report

    def _path(self, rel: str) -> Path:
        path = (self.root / rel).resolve()
        if not str(path).startswith(str(self.root.resolve()) + os.sep):
            raise AtlasError(f"refusing to write outside {self.root}: {rel}")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def text(self, rel: str, content: str) -> None:
        self._path(rel).write_text(str(content), encoding="utf-8")
        self.report.files += 1

    def bytes(self, rel: str, content: bytes) -> None:
        self._path(rel).write_bytes(content)
        self.report.files += 1


def _document_triples(site_url: str, links: Links, iri: str, config: PublishConfig) -> list[Triple]:
    doc = NamedNode(site_url + "doc/" + links.path(iri))
    return [
        Triple(doc, NamedNode("http://xmlns.com/foaf/0.1/primaryTopic"), NamedNode(iri)),
        Triple(doc, NamedNode("http://purl.org/dc/terms/license"), NamedNode(config.licence)),
        Triple(
            doc,
            NamedNode("http://rdfs.org/ns/void#inDataset"),
            NamedNode(site_url + "void.ttl#dataset"),
        ),
    ]


def _browse_pages(data: SiteData, links: Links, subjects: list[str], writer: _Writer) -> None:
    by_class: dict[str, list[tuple[str, str]]] = {name: [] for name in BROWSE.values()}
    wanted = {PREFIXES[c.split(":")[0]] + c.split(":")[1]: name for c, name in BROWSE.items()}
    for iri in subjects:
        view_types = data.store.query(
            "SELECT ?s ?t WHERE { ?s a ?t }", substitutions={"s": NamedNode(iri)}
        )
        for row in view_types:  # type: ignore[union-attr]
            name = wanted.get(row["t"].value)
            if name:
                by_class[name].append((iri, data.label(iri) or links.rest(iri)))
                break
    for cls, name in BROWSE.items():
        items = sorted(set(by_class[name]), key=lambda x: (x[1].casefold(), x[0]))
        title = f"All {name.replace('-', ' ')} ({cls})"
        writer.text(f"browse/{name}.html", pages.index_page(links, title, items))


def _query_pages(store: Store, links: Links, queries: list, writer: _Writer) -> None:
    import csv
    import io

    writer.text("queries/index.html", pages.queries_page(links, queries, static=True))
    for query in queries:
        writer.text(f"queries/{query.name}.html", pages.query_page(links, query, static=True))
        if query.params:
            continue
        result = run_query(store, query)
        writer.text(
            f"queries/{query.name}.json",
            json.dumps(
                {"query": query.name, "columns": result.columns, "rows": result.rows},
                ensure_ascii=False,
            ),
        )
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\r\n")
        out.writerow(result.columns)
        out.writerows(
            [["" if r.get(c) is None else r.get(c) for c in result.columns] for r in result.rows]
        )
        writer.text(f"queries/{query.name}.csv", buf.getvalue())


def _dumps_page(links: Links, data: SiteData) -> str:
    items = pages.join(
        pages.html(
            '<li><a href="{}">{}</a>: {}</li>', links.url("dumps/" + d.name), d.name, d.description
        )
        for d in DUMPS
    )
    body = pages.html(
        "<h1>Dumps</h1><p>Version <code>{}</code>.</p><ul>{}</ul>", data.version, items
    )
    return pages.layout(links, "Dumps", body, static=True)


# -- conneg rules ----------------------------------------------------------------------


def nginx_rules(root: Path, config: PublishConfig) -> str:
    """An nginx ``server`` (and the ``map`` it needs) serving the folder with conneg.

    Include it in the ``http`` block; change ``listen`` and ``server_name`` to taste. When
    the site lives under a path (``--public-url https://host/atlas/``), requests under it
    are mapped onto the folder, and redirects keep the path.
    """
    p = config.prefix
    strip = ""
    if p != "/":
        strip = f"""
    # The site lives under {p}: map it onto the folder (a proxy may also strip it).
    location ^~ {p} {{
        rewrite ^{p}(.*)$ /$1 last;
    }}
"""
    return f"""# atlas-kg: the static site of {config.base} at {config.public_url}
# Include this file inside nginx's `http {{ }}` block (e.g. /etc/nginx/conf.d/atlas-kg.conf).
# /id/<rest> answers 303 See Other to /doc/<rest>.<ext>: html when Accept names text/html,
# else ttl (Turtle) or jsonld (JSON-LD) when named, else html. q-values are not weighed.

map $http_accept $atlas_kg_ext {{
    default                                   html;
    "~*text/html"                             html;
    "~*(?:text/turtle|application/x-turtle)"  ttl;
    "~*application/ld\\+json"                  jsonld;
}}

server {{
    listen 80;
    server_name _;
    root {root.resolve()};
    absolute_redirect off;
    charset utf-8;
    charset_types text/html text/css text/turtle application/ld+json text/csv application/json;

    types {{
        text/html               html;
        text/css                css;
        text/turtle             ttl;
        application/ld+json     jsonld;
        application/json        json;
        text/csv                csv;
        application/javascript  js;
        application/gzip        gz;
    }}
    default_type application/octet-stream;
    error_page 404 /404.html;
{strip}
    # A partnership's rows are described in the partnership's document.
    # (Named captures: evaluating the map would overwrite $1.)
    location ~ ^/id/(?<atlas_kg_doc>partnership/[^/]+)/.+$ {{
        add_header Vary Accept always;
        return 303 {p}doc/$atlas_kg_doc.$atlas_kg_ext;
    }}
    # /id/<rest>.<ext> names the form.
    location ~ ^/id/(?<atlas_kg_doc>.+)\\.(?<atlas_kg_form>html|ttl|jsonld)$ {{
        return 303 {p}doc/$atlas_kg_doc.$atlas_kg_form;
    }}
    location ~ ^/id/(?<atlas_kg_doc>.+)$ {{
        add_header Vary Accept always;
        return 303 {p}doc/$atlas_kg_doc.$atlas_kg_ext;
    }}
    # /doc/<rest> without an extension: the negotiated form.
    location ~ ^/doc/.+$ {{
        add_header Vary Accept always;
        try_files $uri $uri.$atlas_kg_ext =404;
    }}
    location = /void {{
        default_type text/turtle;
        try_files /void.ttl =404;
    }}
    location = /.well-known/void {{
        default_type text/turtle;
        try_files $uri =404;
    }}
    location / {{
        index index.html;
    }}
}}
"""


def apache_rules(config: PublishConfig) -> str:
    """An Apache ``.htaccess`` for the folder (mod_rewrite, mod_headers, mod_mime)."""
    p = config.prefix
    rules = [
        f"# atlas-kg: the static site of {config.base} at {config.public_url}",
        "# Needs mod_rewrite, mod_headers and mod_mime, and `AllowOverride FileInfo Indexes`",
        "# for this folder (MultiViews off). /id/<rest> answers 303 See Other to",
        "# /doc/<rest>.<ext>: html when Accept names text/html, else ttl (Turtle) or jsonld",
        "# (JSON-LD) when named, else html. q-values are not weighed.",
        "",
        "AddType text/turtle .ttl",
        "AddType application/ld+json .jsonld",
        "AddType text/csv .csv",
        "AddCharset utf-8 .html .ttl .jsonld .css .csv .json",
        "DirectoryIndex index.html",
        f"ErrorDocument 404 {p}404.html",
        '<Files "void">',
        "    ForceType text/turtle",
        "</Files>",
        "",
        "RewriteEngine On",
        f"RewriteBase {p}",
        "",
        "# /id/<rest>.<ext> names the form.",
        "RewriteRule ^id/(.+)\\.(html|ttl|jsonld)$ doc/$1.$2 [R=303,L]",
        "RewriteRule ^void$ void.ttl [L]",
    ]
    for pattern, target in (
        ("^id/(partnership/[^/]+)/.+$", "doc/$1"),  # a partnership's rows: its document
        ("^id/(.+)$", "doc/$1"),
    ):
        rules += [
            "",
            "RewriteCond %{HTTP_ACCEPT} text/html [NC]",
            f"RewriteRule {pattern} {target}.html [R=303,L,E=ATLAS_VARY:1]",
            "RewriteCond %{HTTP_ACCEPT} (text/turtle|application/x-turtle) [NC]",
            f"RewriteRule {pattern} {target}.ttl [R=303,L,E=ATLAS_VARY:1]",
            "RewriteCond %{HTTP_ACCEPT} application/ld\\+json [NC]",
            f"RewriteRule {pattern} {target}.jsonld [R=303,L,E=ATLAS_VARY:1]",
            f"RewriteRule {pattern} {target}.html [R=303,L,E=ATLAS_VARY:1]",
        ]
    rules += [
        "",
        "# /doc/<rest> without an extension: the negotiated form.",
        "RewriteCond %{REQUEST_FILENAME} !-f",
        "RewriteCond %{HTTP_ACCEPT} (text/turtle|application/x-turtle) [NC]",
        "RewriteCond %{HTTP_ACCEPT} !text/html [NC]",
        "RewriteCond %{REQUEST_FILENAME}.ttl -f",
        "RewriteRule ^doc/(.+)$ doc/$1.ttl [L,E=ATLAS_VARY:1]",
        "RewriteCond %{REQUEST_FILENAME} !-f",
        "RewriteCond %{HTTP_ACCEPT} application/ld\\+json [NC]",
        "RewriteCond %{HTTP_ACCEPT} !text/html [NC]",
        "RewriteCond %{REQUEST_FILENAME}.jsonld -f",
        "RewriteRule ^doc/(.+)$ doc/$1.jsonld [L,E=ATLAS_VARY:1]",
        "RewriteCond %{REQUEST_FILENAME} !-f",
        "RewriteCond %{REQUEST_FILENAME}.html -f",
        "RewriteRule ^doc/(.+)$ doc/$1.html [L,E=ATLAS_VARY:1]",
        "",
        "Header always merge Vary Accept env=ATLAS_VARY",
        "Header always merge Vary Accept env=REDIRECT_ATLAS_VARY",
        "",
    ]
    return "\n".join(rules)
