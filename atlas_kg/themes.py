"""The Atlas theme taxonomy (``ontology/themes.ttl``, SKOS, three levels) and its lookups.

The taxonomy is vocabulary, so its IRIs live under the ontology namespace
(``https://w3id.org/atlas-kg/def/theme/<slug>``), not under the configurable data base.
The Turtle file is parsed with rdflib once per process and cached.

Plain renderings join the cells of an "Autres thématiques" row with single spaces
(``Environnement, Climat et Energie Eau et déchets 1``) and labels contain commas,
slashes and spaces, so :func:`split_theme_row` splits such rows with the taxonomy:
the longest known theme label at the start, then the longest known sub-theme, then the
longest known sub-sub-theme, then the priority digits at the end.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .paths import ONTOLOGY_DIR

THEMES_TTL = ONTOLOGY_DIR / "themes.ttl"
THEME_NS = "https://w3id.org/atlas-kg/def/theme/"
SCHEME_IRI = THEME_NS + "scheme"


@dataclass(frozen=True)
class Concept:
    """One theme: ``level`` 1 (theme), 2 (sub-theme) or 3 (sub-sub-theme)."""

    iri: str
    label_fr: str
    label_en: str | None
    level: int
    parent: str | None


@lru_cache(maxsize=1 << 16)  # ~1 M calls at 12,000 pages over a few thousand labels
def label_key(label: str) -> str:
    """The matching key of a label: case-, accent- and spacing-insensitive."""
    decomposed = unicodedata.normalize("NFKD", label.casefold().replace("’", "'"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.split())


def slug(label: str) -> str:
    """The IRI slug minted for a label (``Eau et déchets`` → ``eau-et-dechets``)."""
    return re.sub(r"[^a-z0-9]+", "-", label_key(label)).strip("-")


class Taxonomy:
    """The concepts of the scheme, indexed by IRI and by label."""

    def __init__(self, concepts: list[Concept]) -> None:
        self._concepts = {c.iri: c for c in concepts}
        self._children: dict[str | None, list[Concept]] = {}
        self._by_key: dict[str, list[Concept]] = {}
        for c in sorted(concepts, key=lambda c: (c.level, c.label_fr)):
            self._children.setdefault(c.parent, []).append(c)
            self._by_key.setdefault(label_key(c.label_fr), []).append(c)

    def concepts(self) -> list[Concept]:
        """Every concept, top-down, then alphabetical."""
        return sorted(self._concepts.values(), key=lambda c: (c.level, c.label_fr))

    def top(self) -> list[Concept]:
        """The five top-level themes."""
        return list(self._children.get(None, []))

    def children(self, iri: str) -> list[Concept]:
        """The narrower concepts of a concept."""
        return list(self._children.get(iri, []))

    def get(self, iri: str) -> Concept | None:
        return self._concepts.get(iri)

    def by_label(self, label: str, level: int | None = None) -> Concept | None:
        """The concept with this French label (any case/accents), optionally at a level."""
        for c in self._by_key.get(label_key(label), []):
            if level is None or c.level == level:
                return c
        return None

    def __len__(self) -> int:
        return len(self._concepts)


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    """The taxonomy read from ``ontology/themes.ttl`` (parsed once, then cached)."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF, SKOS

    graph = Graph()
    graph.parse(THEMES_TTL, format="turtle")
    scheme = URIRef(SCHEME_IRI)
    parents: dict[str, str | None] = {}
    labels: dict[str, tuple[str, str | None]] = {}
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        if (concept, SKOS.inScheme, scheme) not in graph:
            continue
        fr = en = None
        for label in graph.objects(concept, SKOS.prefLabel):
            if label.language == "fr":
                fr = str(label)
            elif label.language == "en":
                en = str(label)
        broader = graph.value(concept, SKOS.broader)
        parents[str(concept)] = str(broader) if broader is not None else None
        labels[str(concept)] = (fr or str(concept), en)

    def level(iri: str) -> int:
        depth, parent = 1, parents.get(iri)
        while parent is not None:
            depth, parent = depth + 1, parents.get(parent)
        return depth

    return Taxonomy(
        [Concept(iri, labels[iri][0], labels[iri][1], level(iri), parents[iri]) for iri in parents]
    )


# -- splitting plain "Autres thématiques" rows -------------------------------------------

ThemeRow = tuple[str | None, str | None, str | None, int | None]

_PRIORITY = re.compile(r"^(.*?)\s*\b([1-9])$")


def _longest_prefix(text: str, candidates: list[Concept]) -> tuple[Concept, str] | None:
    """The candidate whose label starts ``text`` (longest first) and the remaining text."""
    key = label_key(text)
    best: Concept | None = None
    for c in candidates:
        ck = label_key(c.label_fr)
        if (key == ck or key.startswith(ck + " ")) and (
            best is None or len(ck) > len(label_key(best.label_fr))
        ):
            best = c
    if best is None:
        return None
    # Cut the original text after as many words as the label has.
    words = text.split()
    n = len(best.label_fr.split())
    return best, " ".join(words[n:])


def split_theme_row(text: str, warnings: list[str] | None = None) -> ThemeRow | None:
    """Split a plain "Autres thématiques" row into (theme, sub, sub-sub, priority).

    Known labels are written back as the taxonomy spells them only when they match
    exactly; otherwise as written. A row the taxonomy cannot split entirely still yields
    its parts (the unknown remainder as the deepest level) and a warning in ``warnings``.
    Returns None for a blank row.

    >>> split_theme_row("Environnement, Climat et Energie Eau et déchets 1")
    ('Environnement, Climat et Energie', 'Eau et déchets', None, 1)
    """
    text = " ".join(text.split())
    if not text:
        return None
    priority: int | None = None
    match = _PRIORITY.match(text)
    if match:
        text, priority = match.group(1), int(match.group(2))
    tax = taxonomy()
    first = _longest_prefix(text, tax.top())
    if first is None:
        _warn(warnings, f"theme {text!r} is not in the Atlas taxonomy (row kept whole)")
        return (text or None), None, None, priority
    theme, rest = first
    theme_label = _as_written(text, theme)
    if not rest:
        return theme_label, None, None, priority
    # Sub-themes of this theme first; any sub-theme otherwise (a taxonomy gap).
    second = _longest_prefix(rest, tax.children(theme.iri))
    if second is None:
        _warn(warnings, f"sub-theme {rest!r} is not in the Atlas taxonomy")
        return theme_label, rest, None, priority
    sub, rest2 = second
    sub_label = _as_written(rest, sub)
    if not rest2:
        return theme_label, sub_label, None, priority
    third = _longest_prefix(rest2, tax.children(sub.iri))
    if third is None or third[1]:
        _warn(warnings, f"sub-sub-theme {rest2!r} is not in the Atlas taxonomy")
        return theme_label, sub_label, rest2, priority
    return theme_label, sub_label, _as_written(rest2, third[0]), priority


def _as_written(text: str, concept: Concept) -> str:
    """The leading words of ``text`` that spell ``concept`` (source spelling is kept)."""
    return " ".join(text.split()[: len(concept.label_fr.split())])


def _warn(warnings: list[str] | None, message: str) -> None:
    if warnings is not None:
        warnings.append(message)


def check_label(label: str | None, level: int, warnings: list[str] | None = None) -> None:
    """Warn (never fail) when a theme label is not in the taxonomy at this level."""
    if label and taxonomy().by_label(label, level) is None:
        names = {1: "theme", 2: "sub-theme", 3: "sub-sub-theme"}
        _warn(warnings, f"{names[level]} {label!r} is not in the Atlas taxonomy")
