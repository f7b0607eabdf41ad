"""The partnership record: what one Atlas page says, typed, with a stable JSON form.

The JSON field names are a public interface (other tools and our checks read them); they
are exactly the dataclass field names below. Conventions:

- an empty field is ``None`` or an empty list, never ``""``;
- years are ``int``; ``end_date`` is ISO ``YYYY-MM-DD``;
- amounts are numbers in euros (``int`` when whole, else ``float``);
- e-mails are de-obfuscated (``[at]`` → ``@``);
- values keep the source's spelling: normalising and linking happen later (``resolve``).

Round trip: ``Record.from_dict(rec.to_dict()) == rec`` for every record.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .errors import RecordError

STATUSES = {"En cours": "ongoing", "Terminé": "finished", "En sommeil": "dormant"}
"""Status labels as the Atlas writes them → the record's ``status`` code."""

Number = int | float


@dataclass
class Source:
    """Where the record was read from."""

    path: str | None = None
    sha256: str | None = None
    atlas_id: int | None = None
    """The Atlas's ``prjId``; from the file name, a ``prjId=`` URL in the page, or ``--id``."""
    complete: bool = True
    """False when the page is truncated (no footer); the missing sections are in ``warnings``."""
    warnings: list[str] = field(default_factory=list)


@dataclass
class Contact:
    """A person in a diplomatic post: ``role`` as written (e.g. ``Correspondant coopération décentralisée``)."""

    role: str | None = None
    name: str | None = None
    email: str | None = None


@dataclass
class DiplomaticPost:
    """An embassy or consulate following the partnership (``Ambassade de France à Dakar``)."""

    name: str
    contacts: list[Contact] = field(default_factory=list)


@dataclass
class Theme:
    """The primary theme: three levels of the Atlas taxonomy, any of which may be empty."""

    theme: str | None = None
    subtheme: str | None = None
    subsubtheme: str | None = None


@dataclass
class OtherTheme:
    """A row of "Autres thématiques mises en œuvre pour le partenariat"."""

    theme: str | None = None
    subtheme: str | None = None
    subsubtheme: str | None = None
    priority: int | None = None


@dataclass
class SDG:
    """A UN Sustainable Development Goal row: ``goal`` 1–17, the French label, weight 1 or 2."""

    goal: int
    label: str | None = None
    weight: int | None = None


@dataclass
class ForeignPartner:
    """A foreign local authority and its country, as written (French country name)."""

    name: str
    country: str | None = None


@dataclass
class ForeignContact:
    """A person in a foreign partner; ``partner`` is the partner's name as listed above it."""

    partner: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    function: str | None = None
    email: str | None = None


@dataclass
class Funding:
    """A row of "Financement du partenariat"."""

    funder: str | None = None
    amount_eur: Number | None = None
    one_percent_eur: list[Number] = field(default_factory=list)
    """The "1% Eau / Énergie / Déchets" amounts present on the row, in page order."""
    year: int | None = None


@dataclass
class Volunteer:
    """A volunteer (VSI, civic service...) involved in the partnership."""

    last_name: str | None = None
    first_name: str | None = None
    mission: str | None = None
    field: str | None = None
    assigned_to: str | None = None


@dataclass
class Record:
    """One Atlas partnership page."""

    source: Source = field(default_factory=Source)
    title: str | None = None
    diplomatic_posts: list[DiplomaticPost] = field(default_factory=list)
    first_signature_year: int | None = None
    theme: Theme | None = None
    other_themes: list[OtherTheme] = field(default_factory=list)
    sdgs: list[SDG] = field(default_factory=list)
    start_year: int | None = None
    status: str | None = None
    """``ongoing`` | ``finished`` | ``dormant`` | None (see ``STATUSES``)."""
    status_label: str | None = None
    end_date: str | None = None
    context: str | None = None
    history: str | None = None
    objectives: str | None = None
    description: str | None = None
    form: str | None = None
    implementing_parties: list[str] = field(default_factory=list)
    """Maître(s) d'œuvre."""
    contracting_authorities: list[str] = field(default_factory=list)
    """Maître(s) d'ouvrage."""
    beneficiaries: str | None = None
    foreign_partners: list[ForeignPartner] = field(default_factory=list)
    foreign_contacts: list[ForeignContact] = field(default_factory=list)
    french_partners: list[str] = field(default_factory=list)
    other_partners: list[str] = field(default_factory=list)
    triennial: bool | None = None
    funding: list[Funding] = field(default_factory=list)
    communication_france: bool | None = None
    communication_partner_countries: bool | None = None
    evaluation: bool | None = None
    volunteers: list[Volunteer] = field(default_factory=list)

    # -- JSON form ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The record's JSON form (plain dicts and lists, field order as declared)."""
        return asdict(self)

    def to_json(self, **kwargs: Any) -> str:
        """One line of JSON (``ensure_ascii=False``: French text stays readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """Build a record from its JSON form; raises ``RecordError`` naming a bad field."""
        if not isinstance(data, dict):
            raise RecordError(f"a record must be a JSON object, got {type(data).__name__}")
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise RecordError(f"unknown record field(s): {', '.join(sorted(unknown))}")
        try:
            kwargs = dict(data)
            kwargs["source"] = Source(**(data.get("source") or {}))
            kwargs["diplomatic_posts"] = [
                DiplomaticPost(
                    name=p["name"], contacts=[Contact(**c) for c in p.get("contacts") or []]
                )
                for p in data.get("diplomatic_posts") or []
            ]
            kwargs["theme"] = Theme(**data["theme"]) if data.get("theme") else None
            for name, klass in _LIST_FIELDS.items():
                kwargs[name] = [klass(**item) for item in data.get(name) or []]
            return cls(**kwargs)
        except (TypeError, KeyError) as exc:
            raise RecordError(f"record does not follow the record model: {exc}") from None

    @classmethod
    def from_json(cls, text: str) -> Record:
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise RecordError(f"not JSON: {exc.msg} at column {exc.colno}") from None


_LIST_FIELDS: dict[str, type] = {
    "other_themes": OtherTheme,
    "sdgs": SDG,
    "foreign_partners": ForeignPartner,
    "foreign_contacts": ForeignContact,
    "funding": Funding,
    "volunteers": Volunteer,
}


def source_url(atlas_id: int) -> str:
    """The public page of an Atlas record."""
    return (
        "https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/detailProjet.html"
        f"?criteres.prjId={atlas_id}"
    )
