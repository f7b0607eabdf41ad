"""The ontology is the source of truth: every term the code, the queries and the shapes use
exists in it, with French and English labels and comments."""

from __future__ import annotations

import re

import pytest
from graph_helpers import ROOT, full_record
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from atlas_kg import vocab
from atlas_kg.rdf import record_to_quads, vocabulary_quads
from atlas_kg.vocab import AKG, AKG_NS, PREFIXES

RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def _ontology() -> list:
    return list(parse(path=str(ROOT / "ontology" / "atlas.ttl"), format=RdfFormat.TURTLE))


def _declared() -> set[str]:
    return {
        q.subject.value[len(AKG_NS) :]
        for q in _ontology()
        if isinstance(q.subject, NamedNode) and q.subject.value.startswith(AKG_NS)
    }


def test_vocab_module_and_ontology_list_the_same_terms() -> None:
    in_code = set(AKG.__annotations__)
    assert in_code == _declared()


def test_every_ontology_term_has_french_and_english_label_and_comment() -> None:
    langs: dict[tuple[str, str], set[str]] = {}
    for q in _ontology():
        if q.predicate.value in (RDFS + "label", RDFS + "comment") and isinstance(
            q.object, Literal
        ):
            langs.setdefault((q.subject.value, q.predicate.value), set()).add(q.object.language)
    for term in _declared():
        for prop in ("label", "comment"):
            assert {"fr", "en"} <= langs.get((AKG_NS + term, RDFS + prop), set()), (term, prop)


def test_a_typo_raises() -> None:
    with pytest.raises(AttributeError):
        _ = AKG.frenchPartnr
    with pytest.raises(AttributeError):
        _ = vocab.ox.AKG.Partnershp


_CODE_TERMS = re.compile(r"\b(?:ox\.)?AKG\.([A-Za-z_][A-Za-z0-9_]*)")
_SPARQL_TERMS = re.compile(r"\bakg:([A-Za-z_][A-Za-z0-9_]*)")


def test_every_term_used_in_code_queries_and_shapes_exists_in_the_ontology() -> None:
    declared = _declared()
    used: dict[str, set[str]] = {}
    for path in (ROOT / "atlas_kg").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith(">>>"):
                continue  # doctests show on purpose that a typo raises
            for term in _CODE_TERMS.findall(line):
                used.setdefault(term, set()).add(str(path.relative_to(ROOT)))
    texts = list((ROOT / "queries").rglob("*.rq")) + [ROOT / "ontology" / "shapes.ttl"]
    texts += [ROOT / "ontology" / "sdgs.ttl", ROOT / "ontology" / "README.md"]
    for path in texts:
        for term in _SPARQL_TERMS.findall(path.read_text(encoding="utf-8")):
            used.setdefault(term, set()).add(str(path.relative_to(ROOT)))
    unknown = {t: sorted(where) for t, where in used.items() if t not in declared and t != "_NS"}
    assert not unknown
    assert len(used) > 40  # the scan found the terms (guards against a broken pattern)


def test_every_class_and_property_written_is_declared() -> None:
    """Classes and predicates of a full record's graph: ontology terms or listed reused ones."""
    quads = record_to_quads(full_record())
    declared = {AKG_NS + t for t in _declared()}
    reused = {
        str(getattr(ns, name))
        for ns in (vocab.SCHEMA, vocab.TIME, vocab.XSD)
        for name in ns.__annotations__
    }
    strict = tuple(str(ns._NS) for ns in (vocab.ORG, vocab.SKOS, vocab.DCTERMS, vocab.PROV,
                                          vocab.FOAF, vocab.OWL, vocab.RDF, vocab.RDFS))  # fmt: skip
    rdf_type = PREFIXES["rdf"] + "type"
    terms = {q.predicate.value for q in quads}
    terms |= {q.object.value for q in quads if q.predicate.value == rdf_type}
    for term in terms:
        if term.startswith(AKG_NS):
            assert term in declared, term
        else:
            assert term in reused or term.startswith(strict), term


def test_vocabulary_graph_holds_ontology_themes_sdgs_and_countries() -> None:
    quads = vocabulary_quads()
    subjects = {q.subject.value for q in quads}
    assert "https://w3id.org/atlas-kg/def#Partnership" in subjects
    assert "http://metadata.un.org/sdg/17" in subjects
    assert "https://w3id.org/atlas-kg/def/theme/eau-et-assainissement" in subjects
    senegal = [q for q in quads if q.subject.value == "https://w3id.org/atlas-kg/id/country/sn"]
    values = {(q.predicate.value.rsplit("#", 1)[-1], q.object.value) for q in senegal}
    assert ("alpha3", "SEN") in values
    assert ("sameAs", "http://publications.europa.eu/resource/authority/country/SEN") in values
    assert ("searchKey", "senegal") in values
