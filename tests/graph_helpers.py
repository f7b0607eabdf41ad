"""Helpers shared by the graph tests: records built by hand, SHACL validation."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, Triple, serialize

from atlas_kg.record import (
    SDG,
    Contact,
    DiplomaticPost,
    ForeignContact,
    ForeignPartner,
    Funding,
    OtherTheme,
    Record,
    Source,
    Theme,
    Volunteer,
)

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases"


def full_record(atlas_id: int | None = 501, **changes: object) -> Record:
    """A record using every field of the model."""
    record = Record(
        source=Source(
            path="hand/501.txt",
            sha256="a" * 64,
            atlas_id=atlas_id,
            complete=True,
            warnings=["line 3: something odd"],
        ),  # fmt: skip
        title="Eau et énergie à Thiès",
        diplomatic_posts=[
            DiplomaticPost(
                "Ambassade de France à Dakar",
                [
                    Contact(
                        "Correspondant coopération décentralisée",
                        "Julie CAMY",
                        "julie.camy@diplomatie.gouv.fr",
                    ),
                    Contact(
                        "Conseiller de coopération et d'action culturelle",
                        None,
                        "cocac@diplomatie.gouv.fr",
                    ),
                ],
            )
        ],
        first_signature_year=2017,
        theme=Theme("Environnement, Climat et Energie", "Energie", "Energies renouvelables"),
        other_themes=[
            OtherTheme("Economie durable", "Tourisme", None, 1),
            OtherTheme("Inconnu", None, None, 2),
        ],
        sdgs=[SDG(7, "Énergie propre et d'un coût abordable", 2), SDG(13, None, 1)],
        start_year=2018,
        status="finished",
        status_label="Terminé",
        end_date="2021-12-31",
        context="Contexte.",
        history="Historique.",
        objectives="Objectifs.",
        description="Description.",
        form="Projet de coopération décentralisée",
        implementing_parties=["Commune de Thiès", "ONG Eau Vive"],
        contracting_authorities=["Département de l'Isère"],
        beneficiaries="Les habitants.",
        foreign_partners=[
            ForeignPartner("Commune de Thiès", "Sénégal"),
            ForeignPartner("Xanadu", "Atlantide"),
        ],
        foreign_contacts=[
            ForeignContact("Commune de Thiès", "Diop", "Awa", "Maire adjointe", "awa.diop@thies.sn")
        ],
        french_partners=["Département de l'Isère"],
        other_partners=["ONG Eau Vive"],
        triennial=True,
        funding=[
            Funding("Département de l'Isère", 12500.5, [1000, 0], 2019),
            Funding("Agence de l'eau", None, [], None),
        ],
        communication_france=True,
        communication_partner_countries=False,
        evaluation=None,
        volunteers=[Volunteer("Martin", "Léa", "Animation", "Énergie", "Commune de Thiès")],
    )
    for key, value in changes.items():
        setattr(record, key, value)
    return record


def shacl_conforms(quads: Iterable[Quad]) -> tuple[bool, str]:
    """Validate the union graph of ``quads`` against ontology/shapes.ttl with pySHACL."""
    import pyshacl
    import rdflib

    data = serialize(
        [Triple(q.subject, q.predicate, q.object) for q in quads], format=RdfFormat.N_TRIPLES
    )
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    shapes = rdflib.Graph()
    shapes.parse(ROOT / "ontology" / "shapes.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(graph, shacl_graph=shapes, advanced=True)
    return bool(conforms), text
