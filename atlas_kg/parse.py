"""Read one Atlas partnership page (text in either rendering, or saved HTML) into a ``Record``.

Public API: :func:`parse_text`, :func:`parse_bytes`, :func:`parse_file`,
:func:`iter_page_files`. Every problem with a page is either a warning in
``record.source.warnings`` (the record is still returned) or a ``PageError`` naming the
file, the line where it applies and what was expected. No other exception escapes.

How a page is read
------------------
1. Bytes → text (``htmltext.decode``: UTF-8 ± BOM, UTF-16 BOM, Windows-1252/Latin-1;
   CRLF → LF; NFC; no-break spaces → spaces). HTML is rendered to lines first (block
   elements → lines, a table row → one line with its cells joined by ``" | "``).
2. Template noise is removed from every line: ``???key???``, ``pagination.page.*``,
   ``commun.ico.loupe.alter``, pagination blocks (``<< < Précédent 1 Suivant > >>``, on one
   line or spread over five), ``---|`` table rules, table header rows, the breadcrumb and
   the ``Atlas français de la coopération décentralisée…`` banner.
3. Lines are cut into sections at the labels, in page order: a label line only opens a
   section if it comes at or after the current section in the template's order (so a free
   text line that happens to read ``Titre`` stays text). A label repeated before its
   section has any content is the Atlas's doubled table title (or a free text repeating
   its own label) and is dropped. Label variants accepted: ``Année de première signature
   de la convention`` / ``Année de signature de la convention`` / ``… ou de la lettre
   d'intention``; ``Année de début du partenariat`` / ``de projet``; ``Le partenariat est``
   / ``Le partenariat est :`` / ``Le projet est``; ``Date de fin du partenariat`` /
   ``du projet``; ``Contexte`` / ``Contexte et historique``. Matching ignores case,
   ``’`` vs ``'``, a trailing ``:``, and accents when a label is written with none.
4. A page is *complete* when it has the footer (``PIED DE PAGE`` / ``Tous droits
   réservés…``). Otherwise ``source.complete`` is false and a warning names the sections
   after the last one read (those the cut removed). ``strict=True`` rejects such pages.
   A text with fewer than two Atlas section labels is not an Atlas page (``PageError``).

Field conventions (a generator must follow them to round-trip)
--------------------------------------------------------------
- Every field value has surrounding spaces stripped; an empty value is ``None`` / ``[]``.
- ``title``: the non-blank lines under ``Titre`` joined with one space, kept as written
  (quotes, upper case, an Atlas cut at ~250 characters).
- ``context``, ``history``, ``objectives``, ``description``, ``beneficiaries``: the
  section's non-blank lines, each stripped, joined with ``"\\n"`` (blank lines dropped; a
  first line repeating the section's own label dropped). ``beneficiaries`` is one string.
- ``form``: the non-blank lines joined with one space.
- ``implementing_parties``, ``contracting_authorities``, ``french_partners``,
  ``other_partners``: one entry per non-blank line (or table row).
- Years are the 4-digit line under their label; ``end_date`` is ``dd/mm/yyyy`` → ISO.
- ``status``: ``En cours`` → ongoing, ``Terminé`` → finished, ``En sommeil`` → dormant;
  ``status_label`` keeps the text as written.
- ``theme``: ``None`` when the three levels are all empty. Labels are kept as written;
  labels missing from ``ontology/themes.ttl`` pass with a warning.
- Diplomatic posts: ``Contacts dans le poste diplomatique "<post>"`` (quotes ``"…"``,
  ``“…”`` or ``«…»`` removed); then per role a role line (``Correspondant coopération
  décentralisée`` or ``Conseiller de coopération et d'action culturelle``, kept as the
  contact's ``role``), an optional name line and ``Courriel : <address>`` (or
  ``Courriel :`` with the address on the next line). ``Pas de correspondant…`` /
  ``Pas de conseiller…`` mean no contact. A role with neither name nor e-mail gives no
  contact. E-mails are de-obfuscated (``[at]`` → ``@``) everywhere.
- ``triennial``: ``Le partenariat est triennal`` → True, ``… n'est pas triennal`` → False,
  absent → None.
- ``communication_france``, ``communication_partner_countries``, ``evaluation``: True when
  the section ``Évaluations, communication et perspectives`` holds the sentence
  ``Une communication a été engagée en France`` / ``… dans les pays partenaires`` /
  ``Une politique d'évaluation a été engagée``; False when the section is present without
  it; None when the section is absent.
- Amounts are ``int`` when whole, else ``float`` (``.`` or ``,`` as decimal mark).

Table rows
----------
Pipe rows (``a | b | c |``, as in the markdown-like rendering and in rendered HTML) are
split on ``|``; empty cells keep their place, trailing empty cells are dropped. Plain rows
join cells with single spaces and are split as follows:

- *Autres thématiques*: ``<theme> <sub-theme> [<sub-sub-theme>] <priority>``, split with
  the taxonomy (longest known label at each level; an unknown remainder is kept as the
  deepest level, with a warning). In pipe rows empty cells may move to the end
  (``Economie durable | Agriculture et développement rural | 1 | |``): the labels are the
  non-empty cells in order and the priority is the last cell when it is a number.
- *ODD*: ``<goal> - <label> <weight>``.
- *Partenaires étrangers*: ``<name> <country>``: the longest country name (any spelling of
  ``atlas_kg.countries``) ending the row. A row ending with no known country is kept as the
  name, with a warning. ``country`` keeps the spelling as written.
- *Contacts dans les partenaires étrangers*: ``<partner> <last name> <first name>
  <function words...> <email>``. The partner is the longest partner name listed above
  (in *Partenaires étrangers*) that starts the row; the e-mail is the last word when it
  holds ``@`` or ``[at]``; the last name is the leading run of UPPER-CASE words (when the
  row has more words after it), else the first word; the first name is the next single
  word; the function is the rest. A row whose partner is not listed above keeps its text
  (before the e-mail) as ``partner``, with a warning.
- *Financement*: ``<funder> <amount> <0 to 3 "1%" amounts> <year>``: the year is the last
  word (4 digits) when a number precedes it; the amounts are the up to four numbers
  before it; the funder is everything before. Pipe rows: the funder is the first cell,
  the non-empty cells after it are the amounts then the year (same rule), so empty cells
  may sit anywhere. Stray leading/trailing punctuation on the funder
  (``, Mantes la Jolie``) is stripped and reported in a warning.
- *Volontaires*: ``<last name> <first name…> <mission> <field> <assigned to…>``, split at
  the first known mission (``VOLUNTEER_MISSIONS``, longest match) and the known field
  after it (``VOLUNTEER_FIELDS``); names before the mission as for contacts (here the first
  name may have several words); the rest is ``assigned_to``.

What the plain rendering cannot represent (a generator must avoid it):

- funding: a funder name ending with a number, or missing; amounts with thousands
  separators; 1% amounts or a year without a main amount; a row without a year whose last
  amount looks like a year (1800–2199);
- foreign contacts: a missing last name; a first name of several words (``Jean Pierre``:
  write ``Jean-Pierre``) or in upper case; a function without a first name; a function
  word that looks like an e-mail; a last name of several words not all in upper case;
- foreign partners: a name that itself ends with a country name;
- volunteers: a missing mission or one not in ``VOLUNTEER_MISSIONS``; a field not in
  ``VOLUNTEER_FIELDS`` (read as part of ``assigned_to``); an ``assigned_to`` that starts
  with a field's words when the field is empty;
- diplomatic posts: roles other than the two above (the line would be read as a name);
- in every rendering: runs of spaces inside a table value (cells are re-joined with one
  space; HTML collapses spaces too), blank lines and surrounding spaces in free texts
  (dropped), a value line that is exactly a later section label, lines made only of
  pagination tokens (``<< 1 >>``). In HTML, labels and values must be separate blocks
  (or separated by ``<br>``), not cells of one table row.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import countries as _countries
from . import htmltext
from .errors import PageError
from .record import (
    SDG,
    STATUSES,
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
from .themes import check_label, split_theme_row

__all__ = [
    "PageError",
    "VOLUNTEER_FIELDS",
    "VOLUNTEER_MISSIONS",
    "iter_page_files",
    "parse_bytes",
    "parse_file",
    "parse_text",
]

PAGE_SUFFIXES = (".txt", ".html", ".htm")

VOLUNTEER_MISSIONS: tuple[str, ...] = (
    "VSI",
    "VIA",
    "VES",
    "Service civique",
    "Service civique international",
    "Volontariat de solidarité internationale",
    "Volontariat d'échange et de solidarité",
    "Volontariat international en administration",
    "Volontariat européen",
    "Corps européen de solidarité",
    "Chantier de jeunes",
    "Stage",
)
"""Known values of the volunteers table's "Mission" column (they delimit plain rows)."""

VOLUNTEER_FIELDS: tuple[str, ...] = (
    "Education",
    "Santé",
    "Eau et assainissement",
    "Agriculture",
    "Environnement",
    "Culture",
    "Jeunesse",
    "Gouvernance locale",
    "Développement économique",
    "Tourisme",
    "Numérique",
    "Francophonie",
    "Egalité femmes-hommes",
    "Formation professionnelle",
    "Sport",
    "Energie",
    "Gestion des déchets",
    "Urbanisme",
    "Patrimoine",
    "Communication",
)
"""Known values of the volunteers table's "Champs d'action" column."""

# -- the template's sections, in page order ----------------------------------------------


@dataclass(frozen=True)
class _Label:
    """A section label: exact spellings (``names``), or line starts (``prefixes``)."""

    key: str
    order: int
    names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return (self.names or self.prefixes)[0]


_LABELS = (
    _Label("breadcrumb", 0, prefixes=("Accueil >",)),
    _Label(
        "banner",
        1,
        ("Atlas français de la coopération décentralisée et des autres actions extérieures",),
    ),
    _Label("post", 2, prefixes=("Contacts dans le poste diplomatique",)),
    _Label("title", 3, ("Titre",)),
    _Label(
        "signature_year",
        4,
        (
            "Année de première signature de la convention",
            "Année de signature de la convention",
            "Année de signature de la convention ou de la lettre d'intention",
        ),
    ),
    _Label("theme", 5, ("Thématique d'intervention",)),
    _Label("subtheme", 6, ("Sous-thématique d'intervention",)),
    _Label("subsubtheme", 7, ("Sous-sous-thématique d'intervention",)),
    _Label("other_themes", 8, ("Autres thématiques mises en œuvre pour le partenariat",)),
    _Label("sdgs", 9, ("Objectifs de développement durable - ODD",)),
    _Label("start_year", 10, ("Année de début du partenariat", "Année de début de projet")),
    _Label("status", 11, ("Le partenariat est", "Le projet est")),
    _Label("end_date", 12, ("Date de fin du partenariat", "Date de fin du projet")),
    _Label("context", 13, ("Contexte", "Contexte et historique")),
    _Label("history", 14, ("Historique",)),
    _Label("objectives", 15, ("Objectif du partenariat", "Objectifs du partenariat")),
    _Label("description", 16, ("Description détaillée du partenariat",)),
    _Label("form", 17, ("Votre partenariat prend la forme d'un(e)",)),
    _Label("implementation", 18, ("Mise en œuvre du partenariat",)),
    _Label("implementing_parties", 19, ("Maître(s) d'œuvre",)),
    _Label("contracting_authorities", 20, ("Maître(s) d'ouvrage",)),
    _Label("beneficiaries", 21, ("Bénéficiaire(s)",)),
    _Label("foreign_partners", 22, ("Partenaires étrangers du partenariat",)),
    _Label("foreign_contacts", 23, ("Contacts dans les partenaires étrangers du partenariat",)),
    _Label("french_partners", 24, ("Collectivités territoriales partenaires du partenariat",)),
    _Label(
        "other_partners", 25, ("Autres partenaires du partenariat dans le(s) pays partenaire(s)",)
    ),
    _Label("triennial", 26, ("Le partenariat n'est pas triennal", "Le partenariat est triennal")),
    _Label("funding", 27, ("Financement du partenariat",)),
    _Label("evaluation", 28, ("Évaluations, communication et perspectives",)),
    _Label(
        "volunteers",
        29,
        (
            "Volontaires impliqués dans le partenariat (VSI, service civique, etc.) "
            "d'Échange et de Solidarité",
        ),
    ),
    _Label("footer", 30, ("PIED DE PAGE",), prefixes=("Tous droits réservés",)),
)
_BY_KEY = {label.key: label for label in _LABELS}
_NOISE_SECTIONS = {"breadcrumb", "banner", "implementation", "footer"}
_MAX_LABEL_LEN = max(len(n) for label in _LABELS for n in label.names) + 10


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _key(line: str) -> str:
    """A label's matching key: case-folded, one kind of apostrophe, no trailing colon."""
    return " ".join(line.casefold().replace("’", "'").split()).rstrip(" :")


def _variants(name: str) -> set[str]:
    """Keys of a label as written, with ``oe`` for ``œ`` (Latin-1 tools), and with no accents."""
    return {_key(name), _key(name.replace("œ", "oe")), _key(_strip_accents(name))}


_EXACT = {v: label for label in _LABELS for name in label.names for v in _variants(name)}
_PREFIXES = tuple((v, label) for label in _LABELS for p in label.prefixes for v in _variants(p))
# The first word of every label key: a line starting with another word (most lines) is no
# label, which is found without building its key. Prefixes have several words, so a key
# starting with a prefix starts with the prefix's first word.
_FIRST_WORDS = frozenset(k.split(" ", 1)[0] for k in [*_EXACT, *(p for p, _ in _PREFIXES)])
_PREFILTER = all(" " in p for p, _ in _PREFIXES)


@functools.lru_cache(maxsize=4096)
def _label_of(line: str) -> _Label | None:
    """The label a line reads as, if any (cached: label lines repeat on every page)."""
    key = _key(line)
    label = _EXACT.get(key)
    if label is not None:
        return label
    for prefix, label in _PREFIXES:
        if key.startswith(prefix):
            return label
    return None


_SECTION_NAMES = {label.key: label.title for label in _LABELS}

# -- noise -----------------------------------------------------------------------------

_TEMPLATE_KEY = re.compile(
    r"\?\?\?[\w.\-]*\?\?\?|\bpagination\.page\.\w+|\bcommun\.ico\.loupe\.alter\b"
)
_PAGINATION_TOKENS = frozenset({"<<", "<", ">", ">>", "Précédent", "Suivant", "Precedent"})
_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-*:?\s*)*\|?$")
_HEADERS = tuple(
    _key(h)
    for h in (
        "Thématique éligible",
        "Nom de la collectivité étrangère",
        "Nom de la collectivité territoriale",
        "Nom du financeur",
        "Nom Prénom Mission",
    )
)


def _is_header(line: str) -> bool:
    key = _key(line.replace("|", " "))
    return key.startswith(_HEADERS)


def _pagination_like(line: str, started: bool) -> bool:
    tokens = line.split()
    if not tokens:
        return False
    for tok in tokens:
        if tok in _PAGINATION_TOKENS or tok.startswith("pagination.page."):
            continue
        if tok.isdigit() and len(tok) <= 4:
            continue
        return False
    return started or "<<" in tokens or ">>" in tokens


# -- small value parsers ---------------------------------------------------------------

_YEAR = re.compile(r"^(1[89]\d\d|2[01]\d\d)$")
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_AT = re.compile(r"\s*\[\s*at\s*\]\s*|\s*\(\s*at\s*\)\s*", re.IGNORECASE)
_POST_LABEL = re.compile(r"^contacts\s+dans\s+le\s+poste\s+diplomatique\s*:?\s*", re.IGNORECASE)
_QUOTED_POST = re.compile(r"""^["“”«»'\s]*(.*?)["“”«»'\s]*$""")
_SDG = re.compile(r"^(\d{1,2})\s*[-–—]\s*(.*?)\s+([1-9])$")
_SDG_NO_WEIGHT = re.compile(r"^(\d{1,2})\s*[-–—]\s*(.+)$")
_STRAY = re.compile(r"^[\s,;:.\-–]+|[\s,;:\-–]+$")
_PRJ_NAME = re.compile(r"prjId_(\d+)", re.IGNORECASE)
_PRJ_URL = re.compile(r"prjId=(\d+)", re.IGNORECASE)

_STATUS_KEYS = {_key(k): (k, v) for k, v in STATUSES.items()} | {
    _key(_strip_accents(k)): (k, v) for k, v in STATUSES.items()
}
_ROLES = {
    _key("Correspondant coopération décentralisée"): "Correspondant coopération décentralisée",
    _key("Conseiller de coopération et d'action culturelle"): (
        "Conseiller de coopération et d'action culturelle"
    ),
}
_EVALUATION = {
    _key("Une communication a été engagée en France"): "communication_france",
    _key("Une communication a été engagée dans les pays partenaires"): (
        "communication_partner_countries"
    ),
    _key("Une politique d'évaluation a été engagée"): "evaluation",
}


def _email(text: str | None) -> str | None:
    if not text:
        return None
    text = _AT.sub("@", text.strip())
    return text or None


def _looks_like_email(text: str) -> bool:
    return " " not in text.strip() and ("@" in text or "[at]" in text.lower())


def _amount(text: str) -> int | float | None:
    text = text.replace(" ", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return int(value) if value.is_integer() else value


def _cells(line: str) -> list[str] | None:
    """The cells of a pipe row (trailing empty cells dropped), or None for a plain row."""
    if "|" not in line:
        return None
    cells = [c.strip() for c in line.split("|")]
    if cells and not cells[0] and line.lstrip().startswith("|"):
        cells = cells[1:]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _words_key(words: list[str]) -> str:
    return _countries.normalize(" ".join(words))


def _names(words: list[str]) -> tuple[str | None, list[str]]:
    """(last name, remaining words): the leading UPPER-CASE run, else the first word."""
    run = 0
    for w in words:
        letters = [ch for ch in w if ch.isalpha()]
        if len(letters) >= 2 and all(ch.isupper() for ch in letters):
            run += 1
        else:
            break
    if run == 0 or run >= len(words):
        run = 1
    if not words:
        return None, []
    return " ".join(words[:run]), words[run:]


# -- the scan ----------------------------------------------------------------------------


@dataclass
class _Section:
    key: str
    line: int
    label: str
    body: list[tuple[int, str]] = field(default_factory=list)

    def values(self) -> list[tuple[int, str]]:
        return [(n, s) for n, s in self.body if s]

    def has_content(self) -> bool:
        return any(s for _, s in self.body)


class _Page:
    """The lines of one page, cut into sections."""

    def __init__(self, lines: list[str], warnings: list[str]) -> None:
        self.warnings = warnings
        self.sections: dict[str, _Section] = {}
        self.posts: list[_Section] = []
        self.order: list[str] = []
        self.preamble = 0
        self._scan(lines)

    def _match(self, line: str) -> _Label | None:
        if len(line) > _MAX_LABEL_LEN and not line.startswith("Contacts dans le poste"):
            return None
        if _PREFILTER:
            words = line.split(None, 1)
            if not words:
                return None
            # The key's first word is this one, or this one without a trailing colon.
            first = words[0].casefold().replace("’", "'")
            if first not in _FIRST_WORDS and first.rstrip(":") not in _FIRST_WORDS:
                return None
        return _label_of(line)

    def _scan(self, lines: list[str]) -> None:
        current: _Section | None = None
        position = -1
        in_pagination = False
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line:
                in_pagination = False
                if current is not None:
                    current.body.append((number, ""))
                continue
            if "???" in line or "pagination." in line or "commun.ico" in line:
                line = " ".join(_TEMPLATE_KEY.sub(" ", line).split()).strip(" |")
                if not line:
                    continue
            first = line[0]
            if (first in "<>" or in_pagination or line.isdigit()) and _pagination_like(
                line, in_pagination
            ):
                in_pagination = True
                continue
            in_pagination = False
            if first in "|-:" and "|" in line and _RULE.match(line):
                continue
            label = self._match(line)
            if label is not None and label.order >= position:
                if current is not None and current.key == label.key and label.key != "post":
                    if current.has_content():  # a text quoting its own label: keep the line
                        current.body.append((number, line))
                    # else the doubled table title, or a text repeating its label: dropped
                    continue
                current = self._open(label, number, line)
                position = label.order
                continue
            if current is None:
                self.preamble += 1
                continue
            current.body.append((number, line))

    def _open(self, label: _Label, number: int, line: str) -> _Section:
        self.order.append(label.key)
        section = _Section(label.key, number, line)
        if label.key == "post":
            self.posts.append(section)
        else:
            self.sections.setdefault(label.key, section)
        return self.sections.get(label.key, section)

    def get(self, key: str) -> _Section | None:
        return self.sections.get(key)


# -- sections → fields -------------------------------------------------------------------


class _Reader:
    def __init__(self, page: _Page, warnings: list[str]) -> None:
        self.page = page
        self.warnings = warnings

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(f"line {line}: {message}" if line else message)

    def check_labels(self, line: int, labels: list[tuple[int, str]]) -> None:
        """Warn (never fail) about theme labels missing from the taxonomy."""
        local: list[str] = []
        for level, value in labels:
            check_label(value, level, local)
        for message in local:
            self.warn(line, message)

    # single values

    def text(self, key: str, sep: str = "\n") -> str | None:
        section = self.page.get(key)
        if section is None:
            return None
        values = [s for _, s in section.values()]
        return sep.join(values) or None

    def first(self, key: str) -> tuple[int, str] | None:
        section = self.page.get(key)
        if section is None:
            return None
        values = section.values()
        if len(values) > 1:
            self.warn(
                values[1][0],
                f"{_SECTION_NAMES[key]!r}: {len(values) - 1} extra line(s) ignored "
                f"after {values[0][1]!r}",
            )
        return values[0] if values else None

    def year(self, key: str) -> int | None:
        hit = self.first(key)
        if hit is None:
            return None
        number, value = hit
        if _YEAR.match(value):
            return int(value)
        self.warn(number, f"{_SECTION_NAMES[key]!r}: {value!r} is not a year (yyyy)")
        return None

    def lines(self, key: str) -> list[str]:
        section = self.page.get(key)
        if section is None:
            return []
        out: list[str] = []
        for _, s in section.values():
            if _is_header(s):
                continue
            cells = _cells(s)
            value = " ".join(c for c in cells if c) if cells is not None else s
            if value:
                out.append(value)
        return out

    def rows(self, key: str) -> list[tuple[int, str]]:
        section = self.page.get(key)
        if section is None:
            return []
        return [(n, s) for n, s in section.values() if not _is_header(s)]

    # sections

    def posts(self) -> list[DiplomaticPost]:
        out = []
        for section in self.page.posts:
            name = _POST_LABEL.sub("", section.label, count=1)
            name = _QUOTED_POST.match(name).group(1).strip()
            if not name:
                self.warn(section.line, "diplomatic post without a name")
            out.append(DiplomaticPost(name=name or "", contacts=self._contacts(section)))
        return out

    def _contacts(self, section: _Section) -> list[Contact]:
        contacts: list[Contact] = []
        current: Contact | None = None
        awaiting_email = False

        def close() -> None:
            if current is not None and (current.name or current.email):
                contacts.append(current)

        for number, line in section.values():
            key = _key(line)
            if key in _ROLES:
                close()
                current, awaiting_email = Contact(role=line), False
                continue
            if key.startswith(("pas de correspondant", "pas de conseiller")):
                close()
                current, awaiting_email = None, False
                continue
            if key.startswith("courriel"):
                value = line.split(":", 1)[1].strip() if ":" in line else line[8:].strip()
                if current is None:
                    self.warn(number, "e-mail line outside any contact role")
                    continue
                if value:
                    current.email = _email(value)
                    awaiting_email = False
                else:
                    awaiting_email = True
                continue
            if current is None:
                self.warn(number, f"unexpected line in a diplomatic post: {line!r}")
                continue
            if awaiting_email and _looks_like_email(line):
                current.email = _email(line)
                awaiting_email = False
            elif current.name is None and current.email is None and not awaiting_email:
                current.name = line
            else:
                self.warn(number, f"unexpected line in a diplomatic post: {line!r}")
        close()
        return contacts

    def theme(self) -> Theme | None:
        values = []
        for level, key in enumerate(("theme", "subtheme", "subsubtheme"), start=1):
            hit = self.first(key)
            if hit is None:
                values.append(None)
                continue
            self.check_labels(hit[0], [(level, hit[1])])
            values.append(hit[1])
        return Theme(*values) if any(values) else None

    def other_themes(self) -> list[OtherTheme]:
        out = []
        for number, row in self.rows("other_themes"):
            cells = _cells(row)
            if cells is None:
                local: list[str] = []
                parts = split_theme_row(row, local)
                self.warnings.extend(f"line {number}: {w}" for w in local)
                if parts is None:
                    continue
                theme, sub, subsub, priority = parts
            else:
                # Empty cells may sit anywhere (the converter moves them to the row's end,
                # HTML keeps them in place): the labels are the non-empty cells in order,
                # the priority the last one when it is a number.
                filled = [c for c in cells if c]
                priority = int(filled.pop()) if filled and filled[-1].isdigit() else None
                if len(filled) > 3:
                    self.warn(number, f"other theme: extra cells ignored: {filled[3:]!r}")
                theme, sub, subsub = (filled + ["", "", ""])[:3]
                self.check_labels(number, [(1, theme), (2, sub), (3, subsub)])
            if priority is None:
                self.warn(number, f"other theme row without a priority: {row!r}")
            out.append(OtherTheme(theme or None, sub or None, subsub or None, priority))
        return out

    def sdgs(self) -> list[SDG]:
        out = []
        for number, row in self.rows("sdgs"):
            cells = _cells(row)
            text = " ".join(c for c in cells if c) if cells is not None else row
            match = _SDG.match(text)
            if match:
                goal, label, weight = int(match.group(1)), match.group(2), int(match.group(3))
            else:
                loose = _SDG_NO_WEIGHT.match(text)
                if not loose:
                    self.warn(number, f"ODD row not understood: {row!r}")
                    continue
                goal, label, weight = int(loose.group(1)), loose.group(2), None
                self.warn(number, f"ODD row without a weight: {row!r}")
            if not 1 <= goal <= 17:
                self.warn(number, f"ODD goal {goal} is not one of the 17 goals")
            out.append(SDG(goal=goal, label=label.strip() or None, weight=weight))
        return out

    def status(self) -> tuple[str | None, str | None]:
        hit = self.first("status")
        if hit is None:
            return None, None
        number, value = hit
        known = _STATUS_KEYS.get(_key(value))
        if known is None:
            self.warn(number, f"unknown status {value!r}; expected En cours, Terminé or En sommeil")
            return None, value
        return known[1], value

    def end_date(self) -> str | None:
        hit = self.first("end_date")
        if hit is None:
            return None
        number, value = hit
        match = _DATE.match(value)
        if match:
            day, month, year = (int(g) for g in match.groups())
            try:
                return _dt.date(year, month, day).isoformat()
            except ValueError:
                pass
        self.warn(number, f"end date {value!r} is not a date (dd/mm/yyyy)")
        return None

    def free_text(self, key: str) -> str | None:
        section = self.page.get(key)
        if section is None:
            return None
        values = [s for _, s in section.values()]
        own = {_key(n) for n in _BY_KEY[key].names}
        while values and _key(values[0]) in own:
            values.pop(0)
        return "\n".join(values) or None

    def foreign_partners(self) -> list[ForeignPartner]:
        out = []
        for number, row in self.rows("foreign_partners"):
            cells = _cells(row)
            if cells is not None:
                name = cells[0] if cells else ""
                country = cells[1] if len(cells) > 1 else ""
                if country and _countries.lookup(country) is None:
                    self.warn(number, f"foreign partner {name!r}: unknown country {country!r}")
                if not name:
                    self.warn(number, f"foreign partner row without a name: {row!r}")
                    continue
                if not country:
                    self.warn(number, f"foreign partner {name!r}: no known country")
                out.append(ForeignPartner(name=name, country=country or None))
                continue
            split = _countries.split_trailing_country(row)
            if split is None or not split[0]:
                self.warn(number, f"foreign partner {row!r}: no known country")
                out.append(ForeignPartner(name=row, country=None))
                continue
            out.append(ForeignPartner(name=split[0], country=split[2]))
        return out

    def foreign_contacts(self, partners: list[ForeignPartner]) -> list[ForeignContact]:
        known = sorted(
            {(len(p.name.split()), _words_key(p.name.split())) for p in partners}, reverse=True
        )
        out = []
        for number, row in self.rows("foreign_contacts"):
            cells = _cells(row)
            if cells is not None:
                cells = cells + [""] * (5 - len(cells))
                partner, last, first, function, email = cells[:5]
                if partner and (len(partner.split()), _words_key(partner.split())) not in known:
                    self.warn(
                        number, f"foreign contact: partner {partner!r} is not one listed above"
                    )
                out.append(
                    ForeignContact(
                        partner or None,
                        last or None,
                        first or None,
                        function or None,
                        _email(email),
                    )
                )
                continue
            words = row.split()
            email = None
            if words and _looks_like_email(words[-1]):
                email = _email(words.pop())
            partner = None
            for n, key in known:
                if len(words) >= n and _words_key(words[:n]) == key:
                    partner, words = " ".join(words[:n]), words[n:]
                    break
            if partner is None:
                partner = " ".join(words) or None
                self.warn(number, f"foreign contact: partner {partner!r} is not one listed above")
                out.append(ForeignContact(partner, None, None, None, email))
                continue
            last, rest = _names(words)
            first = rest[0] if rest else None
            function = " ".join(rest[1:]) or None
            out.append(ForeignContact(partner, last, first, function, email))
        return out

    def funding(self) -> list[Funding]:
        out = []
        for number, row in self.rows("funding"):
            cells = _cells(row)
            if cells is not None:
                funder, numbers = cells[0] if cells else "", [c for c in cells[1:] if c]
            else:
                words = row.split()
                tail = 0
                while tail < len(words) - 1 and tail < 5 and _NUMBER.match(words[-1 - tail]):
                    tail += 1
                funder, numbers = " ".join(words[: len(words) - tail]), words[len(words) - tail :]
            # The year closes the row; alone, a number is the amount (unless a full pipe row).
            year = None
            if (
                numbers
                and _YEAR.match(numbers[-1])
                and (len(numbers) >= 2 or len(cells or ()) >= 6)
            ):
                year = int(numbers.pop())
            values = []
            for text in numbers:
                value = _amount(text)
                if value is None:
                    self.warn(number, f"funding: {text!r} is not an amount")
                else:
                    values.append(value)
            if len(values) > 4:
                self.warn(number, f"funding: more amounts than columns in {row!r}")
            clean = _STRAY.sub("", funder)
            if clean != funder.strip():
                self.warn(
                    number,
                    f"funding: stray punctuation stripped from funder {funder!r} → {clean!r}",
                )
            if not values:
                self.warn(number, f"funding row without an amount: {row!r}")
            out.append(
                Funding(
                    funder=clean or None,
                    amount_eur=values[0] if values else None,
                    one_percent_eur=values[1:],
                    year=year,
                )
            )
        return out

    def evaluation(self) -> dict[str, bool | None]:
        section = self.page.get("evaluation")
        result: dict[str, bool | None] = dict.fromkeys(_EVALUATION.values())
        if section is None:
            return result
        result = dict.fromkeys(_EVALUATION.values(), False)
        for number, line in section.values():
            name = _EVALUATION.get(_key(line))
            if name is None:
                self.warn(number, f"evaluation section: sentence not understood: {line!r}")
            else:
                result[name] = True
        return result

    def volunteers(self) -> list[Volunteer]:
        out = []
        for number, row in self.rows("volunteers"):
            cells = _cells(row)
            if cells is not None:
                cells = cells + [""] * (5 - len(cells))
                out.append(Volunteer(*(c or None for c in cells[:5])))
                continue
            words = row.split()
            mission_at = _find_phrase(words, _MISSIONS, start=1)
            if mission_at is None:
                self.warn(number, f"volunteer {row!r}: no known mission (VOLUNTEER_MISSIONS)")
                last, rest = _names(words[:2])
                out.append(
                    Volunteer(last, " ".join(rest) or None, None, None, " ".join(words[2:]) or None)
                )
                continue
            start, end = mission_at
            last, rest = _names(words[:start])
            mission = " ".join(words[start:end])
            field_at = _find_phrase(words, _FIELDS, start=end, anchored=True)
            field_value = None
            if field_at is not None:
                field_value = " ".join(words[field_at[0] : field_at[1]])
                end = field_at[1]
            out.append(
                Volunteer(
                    last,
                    " ".join(rest) or None,
                    mission,
                    field_value,
                    " ".join(words[end:]) or None,
                )
            )
        return out


def _phrases(values: Iterable[str]) -> list[tuple[int, str]]:
    """(word count as written, matching key), longest first."""
    keyed = {(len(v.split()), _countries.normalize(v)) for v in values}
    return sorted(keyed, reverse=True)


_MISSIONS = _phrases(VOLUNTEER_MISSIONS)
_FIELDS = _phrases(VOLUNTEER_FIELDS)


def _find_phrase(
    words: list[str], phrases: list[tuple[int, str]], *, start: int, anchored: bool = False
) -> tuple[int, int] | None:
    """(start, end) word indexes of the first (then longest) known phrase from ``start``."""
    positions = [start] if anchored else range(start, len(words))
    for i in positions:
        for n, key in phrases:
            if i + n <= len(words) and _countries.normalize(" ".join(words[i : i + n])) == key:
                return i, i + n
    return None


# -- public API --------------------------------------------------------------------------


def parse_text(
    text: str, *, path: str | None = None, atlas_id: int | None = None, strict: bool = False
) -> Record:
    """Parse a page's text (either rendering, or HTML source) into a record.

    >>> rec = parse_text("Titre\\nUn titre\\nThématique d'intervention\\nEconomie durable")
    >>> rec.title, rec.theme.theme, rec.source.complete
    ('Un titre', 'Economie durable', False)
    """
    data = text.encode("utf-8", errors="surrogatepass")
    return _parse(htmltext.normalize(text), [], data, path, atlas_id, strict)


def parse_bytes(
    data: bytes, *, path: str | None = None, atlas_id: int | None = None, strict: bool = False
) -> Record:
    """Parse a page's raw bytes (encoding detected, HTML rendered) into a record."""
    text, warnings = htmltext.decode(data, path)
    return _parse(text, warnings, data, path, atlas_id, strict)


def parse_file(path: str | Path, *, atlas_id: int | None = None, strict: bool = False) -> Record:
    """Parse a page file. ``atlas_id`` comes from ``prjId_<N>`` in the file name, else a
    ``prjId=<N>`` URL in the page, else the argument."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PageError(str(path), f"cannot read the file ({exc.strerror or exc})") from None
    return parse_bytes(data, path=str(path), atlas_id=atlas_id, strict=strict)


def iter_page_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files given, and the ``*.txt``/``*.html``/``*.htm`` files under folders (recursive,
    sorted); each file once, in argument order."""
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            found = sorted(
                p for p in given.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES
            )
        else:
            found = [given]
        for p in found:
            if p not in seen:
                seen.add(p)
                yield p


def _parse(
    text: str,
    warnings: list[str],
    data: bytes,
    path: str | None,
    atlas_id: int | None,
    strict: bool,
) -> Record:
    try:
        return _build(text, warnings, data, path, atlas_id, strict)
    except PageError:
        raise
    except Exception as exc:  # a parser bug must still not be a traceback for the user
        raise PageError(
            path, f"internal parser error, please report it: {type(exc).__name__}: {exc}"
        ) from exc


def _build(
    text: str,
    warnings: list[str],
    data: bytes,
    path: str | None,
    atlas_id: int | None,
    strict: bool,
) -> Record:
    if not text.strip():
        raise PageError(path, "empty file", expected="an Atlas partnership page (text or HTML)")
    if htmltext.looks_like_html(text):
        lines = htmltext.html_to_lines(text, path)
    else:
        lines = text.split("\n")
    page = _Page(lines, warnings)
    found = [k for k in page.order if k != "breadcrumb"]
    if len(set(found)) < 2:
        raise PageError(
            path,
            "not an Atlas partnership page (fewer than two of its section labels)",
            expected="labels such as 'Titre', 'Thématique d'intervention', "
            "'Année de début du partenariat'",
        )
    if page.preamble and "banner" not in page.order and "breadcrumb" not in page.order:
        warnings.append(f"{page.preamble} line(s) before the first section ignored")

    reader = _Reader(page, warnings)
    status, status_label = reader.status()
    partners = reader.foreign_partners()
    evaluation = reader.evaluation()
    triennial_section = page.get("triennial")
    triennial = None
    if triennial_section is not None:
        triennial = "n'est pas" not in _key(triennial_section.label)
        for number, line in triennial_section.values():
            reader.warn(number, f"unexpected line after {triennial_section.label!r}: {line!r}")

    record = Record(
        source=Source(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            atlas_id=_atlas_id(path, text, atlas_id, warnings),
            complete="footer" in page.sections,
            warnings=warnings,
        ),
        title=reader.text("title", " "),
        diplomatic_posts=reader.posts(),
        first_signature_year=reader.year("signature_year"),
        theme=reader.theme(),
        other_themes=reader.other_themes(),
        sdgs=reader.sdgs(),
        start_year=reader.year("start_year"),
        status=status,
        status_label=status_label,
        end_date=reader.end_date(),
        context=reader.free_text("context"),
        history=reader.free_text("history"),
        objectives=reader.free_text("objectives"),
        description=reader.free_text("description"),
        form=reader.text("form", " "),
        implementing_parties=reader.lines("implementing_parties"),
        contracting_authorities=reader.lines("contracting_authorities"),
        beneficiaries=reader.free_text("beneficiaries"),
        foreign_partners=partners,
        foreign_contacts=reader.foreign_contacts(partners),
        french_partners=reader.lines("french_partners"),
        other_partners=reader.lines("other_partners"),
        triennial=triennial,
        funding=reader.funding(),
        communication_france=evaluation["communication_france"],
        communication_partner_countries=evaluation["communication_partner_countries"],
        evaluation=evaluation["evaluation"],
        volunteers=reader.volunteers(),
    )
    if record.title is None:
        warnings.append("no title ('Titre')")
    if not record.source.complete:
        message = _missing_message(page)
        warnings.append(message)
        if strict:
            last = max((s.body[-1][0] if s.body else s.line) for s in page.sections.values())
            raise PageError(
                path,
                message,
                line=last,
                expected="a complete page ending with 'Tous droits réservés - Ministère de "
                "l'Europe et des Affaires étrangères'",
            )
    return record


def _missing_message(page: _Page) -> str:
    """Name the section the page stops in and the sections the cut removed."""
    last = max(_BY_KEY[k].order for k in page.sections)
    stop = next(s for s in page.sections.values() if _BY_KEY[s.key].order == last)
    merged_history = stop.key == "context" and _key(stop.label) == _key("Contexte et historique")
    missing = [
        _MISSING_NAMES.get(label.key, label.title)
        for label in _LABELS
        if label.order > last
        and label.key not in _NOISE_SECTIONS
        and not (label.key == "history" and merged_history)
    ]
    text = f'incomplete page (no footer): it stops in "{stop.label.rstrip(" :")}"'
    if missing:
        text += "; missing sections: " + "; ".join(missing)
    return text


_MISSING_NAMES = {"triennial": "Le partenariat est / n'est pas triennal"}


def _atlas_id(path: str | None, text: str, given: int | None, warnings: list[str]) -> int | None:
    found = None
    if path:
        match = _PRJ_NAME.search(Path(path).name)
        if match:
            found = int(match.group(1))
    if found is None:
        match = _PRJ_URL.search(text)
        if match:
            found = int(match.group(1))
    if found is None:
        return given
    if given is not None and given != found:
        warnings.append(f"atlas id {given} given, but the page says {found}: kept {found}")
    return found
