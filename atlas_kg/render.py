"""Render a record as an Atlas page: the inverse of ``atlas_kg.parse``.

Three styles, each modelled on real pages (``../shared/ATLAS-PAGES.md``):

- ``plain`` (like ``seeds/000_4d9583dcafd7f051.txt``): a breadcrumb, blank lines between
  blocks, table titles printed twice, table cells joined by single spaces, the icon text
  ``commun.ico.loupe.alter`` ending the partner rows, pagination on one line, the footer.
- ``pipe`` (like ``atlas-pages/prjId_12496.txt``): no breadcrumb, no blank lines, tables as
  ``A | B |`` rows under a ``---|`` rule, ``Courriel :`` with the address on the next line,
  pagination spread over five lines. In the theme and funding tables empty cells move to
  the end of their row (the converter's quirk: ``Economie durable | Agriculture et
  développement rural | 1 | |``) and the last row of the "Autres thématiques" table loses
  its trailing empty cell; the contact and volunteer tables keep empty cells in place.
- ``html``: a saved page (``<meta charset>``, headings, ``div``/``p``/``br``, real
  ``<table>``s, every text HTML-escaped) whose text rendering (block elements → lines,
  cells joined with ``" | "``) reads like the ``pipe`` style.

Which label variants a page shows (breadcrumb, ``Année de première signature…`` or
``Année de signature…``, ``Le partenariat est`` or ``… :``, ``Précédent`` or
``pagination.page.precedent``, the 2022 layout with ``Contexte et historique`` and the old
one with ``Année de début de projet``) is a pure function of the record's Atlas id and
start year (:func:`page_layout`, :func:`_variant`), so rendering is deterministic.

``noise`` adds rendering-level anomalies that the parser repairs: stray punctuation around
a funder name (``, Mantes la Jolie``: the record keeps the clean name, the parser warns),
spaces at line ends, no-break spaces, CRLF line ends. :func:`render_page` returns the
warnings the parser gives for them, worded and numbered as ``atlas_kg.parse`` does.

What a record must satisfy to render unambiguously is listed in ``atlas_kg.parse``'s
docstring; ``atlas_kg.synth`` generates records that do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from .errors import ConfigError
from .record import Contact, DiplomaticPost, Record

STYLES = ("plain", "pipe", "html")

BANNER = "Atlas français de la coopération décentralisée et des autres actions extérieures"
FOOTER = (
    "PIED DE PAGE",
    "Tous droits réservés - Ministère de l'Europe et des Affaires étrangères 2013",
)
ICON = "commun.ico.loupe.alter"
ROLES = (
    "Correspondant coopération décentralisée",
    "Conseiller de coopération et d'action culturelle",
)
NO_ROLE = (
    "Pas de correspondant coopération décentralisée",
    "Pas de conseiller de coopération et d'action culturelle",
)
BREADCRUMBS = (
    "Accueil > ???menu.atlas.libelle??? > ???menu.atlas.detailProjet.libelle???",
    "Accueil > Atlas > Détail projet",
    "Accueil > Atlas et Bourse partenariats > Détail projet",
    None,
)
OTHER_THEMES = "Autres thématiques mises en œuvre pour le partenariat"
SDG_TITLE = "Objectifs de développement durable - ODD"
EVALUATION_SENTENCES = (
    ("communication_france", "Une communication a été engagée en France"),
    (
        "communication_partner_countries",
        "Une communication a été engagée dans les pays partenaires",
    ),
    ("evaluation", "Une politique d'évaluation a été engagée"),
)
ONE_PERCENT = "Montant 1% Eau (Loi Oudin 2005)"
VOLUNTEERS = (
    "Volontaires impliqués dans le partenariat (VSI, service civique, etc.) "
    "d'Échange et de Solidarité"
)

NEW_LAYOUT_YEAR = 2022
"""Records starting this year or later use the 2022 template (``Contexte et historique``)."""
OLD_LAYOUT_MAX_ID = 4000
"""Some records below this Atlas id use the first template (``Année de début de projet``),
which has no "Autres thématiques" table: such records have no other themes."""


@dataclass(frozen=True)
class RenderNoise:
    """Rendering-level anomalies (the record stays the truth; the parser repairs these)."""

    funder_punctuation: tuple[tuple[int, str, str], ...] = ()
    """(funding row index, text before the funder name, text after it), e.g. ``(3, ", ", "")``."""
    trailing_spaces: bool = False
    """Spaces at the end of some lines (stripped by the parser, no warning)."""
    nbsp: bool = False
    """No-break spaces instead of some spaces (normalised by the parser, no warning)."""
    crlf: bool = False
    """Windows line ends (text styles only; normalised by the parser, no warning)."""


@dataclass(frozen=True)
class RenderedPage:
    text: str
    warnings: list[str] = field(default_factory=list)
    """The warnings ``atlas_kg.parse`` gives for the page's noise, as it words them."""


def _mix(atlas_id: int | None, salt: int) -> int:
    """A stable pseudo-random number from the id (never Python's salted ``hash``)."""
    x = ((atlas_id or 0) * 2654435761 + salt * 40503 + 12345) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 2246822519) & 0xFFFFFFFF
    x ^= x >> 13
    return x


def _variant(atlas_id: int | None, salt: int, n: int) -> int:
    return _mix(atlas_id, salt) % n


def page_layout(atlas_id: int | None, start_year: int | None) -> str:
    """``new`` (2022 template), ``old`` (first template, no other themes) or ``standard``."""
    if start_year is not None and start_year >= NEW_LAYOUT_YEAR:
        return "new"
    if atlas_id is not None and atlas_id < OLD_LAYOUT_MAX_ID and _variant(atlas_id, 7, 4) == 0:
        return "old"
    return "standard"


def render(record: Record, style: str = "plain", *, noise: RenderNoise | None = None) -> str:
    """The page text (or HTML source) of a record in one of ``STYLES``."""
    return render_page(record, style, noise=noise).text


def render_page(
    record: Record, style: str = "plain", *, noise: RenderNoise | None = None
) -> RenderedPage:
    """The page and the warnings the parser will give for its noise."""
    if style not in STYLES:
        raise ConfigError("style", style, " | ".join(STYLES))
    noise = noise or RenderNoise()
    writer: _Writer = (
        _HtmlWriter(record, noise) if style == "html" else _TextWriter(style == "pipe")
    )
    warnings = _emit(record, writer, noise)
    return RenderedPage(writer.finish(noise), warnings)


# -- the page, section by section --------------------------------------------------------


def _emit(record: Record, w: _Writer, noise: RenderNoise) -> list[str]:
    rid = record.source.atlas_id
    layout = page_layout(rid, record.start_year)
    new = layout == "new"
    warnings: list[str] = []

    w.breadcrumb(BREADCRUMBS[_variant(rid, 1, len(BREADCRUMBS))])
    w.banner(BANNER)
    for i, post in enumerate(record.diplomatic_posts):
        _post(w, post, first=i == 0)

    w.label("Titre")
    w.title(record.title, split=_variant(rid, 2, 3) == 0)

    if new:
        signature = "Année de signature de la convention ou de la lettre d'intention"
    elif _variant(rid, 3, 6) == 0:
        signature = "Année de signature de la convention"
    else:
        signature = "Année de première signature de la convention"
    if record.first_signature_year is not None or _variant(rid, 4, 2):
        w.label(signature)
        w.values(_str(record.first_signature_year))

    theme = record.theme
    for label, value in (
        ("Thématique d'intervention", theme.theme if theme else None),
        ("Sous-thématique d'intervention", theme.subtheme if theme else None),
        ("Sous-sous-thématique d'intervention", theme.subsubtheme if theme else None),
    ):
        w.label(label)
        w.values(value)

    pagination = _variant(rid, 5, 3) == 0
    if layout != "old":
        rows = [
            [t.theme or "", t.subtheme or "", t.subsubtheme or "", _str(t.priority) or ""]
            for t in record.other_themes
        ]
        headers = ["Thématique éligible", "Sous-thématique", "Sous-sous-thématique", "Priorité"]
        w.table(OTHER_THEMES, headers, rows, kind="themes")
        w.pagination(template_keys=not pagination)
    if record.sdgs:
        rows = [[f"{s.goal} - {s.label or ''}".rstrip(), _str(s.weight) or ""] for s in record.sdgs]
        w.table(SDG_TITLE, ["Thématique éligible"], rows, kind="sdgs")

    if layout == "old":
        labels = ("Année de début de projet", "Le projet est", "Date de fin du projet")
    elif new or _variant(rid, 6, 4) == 0:
        labels = (
            "Année de début du partenariat",
            "Le partenariat est :",
            "Date de fin du partenariat",
        )
    else:
        labels = (
            "Année de début du partenariat",
            "Le partenariat est",
            "Date de fin du partenariat",
        )
    w.label(labels[0])
    w.values(_str(record.start_year))
    w.label(labels[1])
    w.values(record.status_label)
    w.label(labels[2])
    w.values(_date(record.end_date))

    w.label("Contexte et historique" if new else "Contexte")
    w.values(record.context)
    if not new or record.history is not None:
        w.label("Historique")
        w.values(record.history)
    w.label("Objectif du partenariat")
    w.values(record.objectives)
    w.label("Description détaillée du partenariat")
    w.values(record.description)
    w.label("Votre partenariat prend la forme d'un(e)")
    w.values(record.form)
    w.label("Mise en œuvre du partenariat")
    w.label("Maître(s) d'œuvre")
    w.values("\n".join(record.implementing_parties))
    w.label("Maître(s) d'ouvrage")
    w.values("\n".join(record.contracting_authorities))
    w.label("Bénéficiaire(s)")
    w.values(record.beneficiaries)

    w.table(
        "Partenaires étrangers du partenariat",
        ["Nom de la collectivité étrangère", "Pays", ""],
        [[p.name, p.country or "", ICON] for p in record.foreign_partners],
        kind="icon",
    )
    obfuscate = _variant(rid, 8, 2) == 0
    w.table(
        "Contacts dans les partenaires étrangers du partenariat",
        ["Nom de la collectivité étrangère", "Nom", "Prénom", "Fonction", "Courriel"],
        [
            [
                c.partner or "",
                c.last_name or "",
                c.first_name or "",
                c.function or "",
                _obfuscate(c.email) if obfuscate else c.email or "",
            ]
            for c in record.foreign_contacts
        ],
    )
    w.table(
        "Collectivités territoriales partenaires du partenariat",
        ["Nom de la collectivité territoriale", ""],
        [[name, ICON] for name in record.french_partners],
        kind="icon",
    )
    w.gap()
    w.label("Autres partenaires du partenariat dans le(s) pays partenaire(s)")
    w.values("\n".join(record.other_partners))
    if record.triennial is not None:
        w.gap(2)
        w.label(
            "Le partenariat est triennal"
            if record.triennial
            else "Le partenariat n'est pas triennal"
        )

    stray = {i: (before, after) for i, before, after in noise.funder_punctuation}
    funding_rows = []
    for i, f in enumerate(record.funding):
        before, after = stray.get(i, ("", ""))
        funding_rows.append(
            [before + (f.funder or "") + after, _str(f.amount_eur) or ""]
            + [_str(v) or "" for v in f.one_percent_eur]
            + [""] * (3 - len(f.one_percent_eur))
            + [_str(f.year) or ""]
        )
    headers = [
        "Nom du financeur",
        "Montant en euros",
        ONE_PERCENT,
        ONE_PERCENT,
        ONE_PERCENT,
        "Année",
    ]
    numbers = w.table("Financement du partenariat", headers, funding_rows, kind="funding")
    for i, (before, after) in sorted(stray.items()):
        funder = " ".join((before + (record.funding[i].funder or "") + after).split())
        clean = record.funding[i].funder
        warnings.append(
            f"line {numbers[i]}: funding: stray punctuation stripped from funder "
            f"{funder!r} → {clean!r}"
        )
    w.gap(4)

    flags = [getattr(record, name) for name, _ in EVALUATION_SENTENCES]
    if any(flag is not None for flag in flags):
        w.label("Évaluations, communication et perspectives")
        w.sentences(
            [text for (name, text), flag in zip(EVALUATION_SENTENCES, flags, strict=True) if flag]
        )
    w.table(
        VOLUNTEERS,
        ["Nom", "Prénom", "Mission", "Champs d'action", "Entité d'affectation"],
        [
            [
                v.last_name or "",
                v.first_name or "",
                v.mission or "",
                v.field or "",
                v.assigned_to or "",
            ]
            for v in record.volunteers
        ],
    )
    w.footer(FOOTER)
    return warnings


def _post(w: _Writer, post: DiplomaticPost, *, first: bool) -> None:
    w.post(f'Contacts dans le poste diplomatique "{post.name}"', first=first)
    by_role: dict[str, Contact] = {}
    for c in post.contacts:
        by_role.setdefault(c.role or "", c)
    for i, role in enumerate(ROLES):
        if i:
            w.role_gap()
        contact = by_role.get(role)
        if contact is None:
            w.line(NO_ROLE[i])
        else:
            w.contact(role, contact.name, _obfuscate(contact.email))


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _date(iso: str | None) -> str | None:
    if not iso:
        return None
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _obfuscate(email: str | None) -> str:
    return email.replace("@", "[at]") if email else ""


# -- writers -----------------------------------------------------------------------------


class _Writer:
    def breadcrumb(self, text: str | None) -> None: ...
    def banner(self, text: str) -> None: ...
    def post(self, text: str, *, first: bool) -> None: ...
    def role_gap(self) -> None: ...
    def line(self, text: str) -> None: ...
    def contact(self, role: str, name: str | None, email: str) -> None: ...
    def label(self, text: str) -> None: ...
    def title(self, text: str | None, *, split: bool) -> None: ...
    def values(self, text: str | None) -> None: ...
    def sentences(self, texts: list[str]) -> None: ...
    def gap(self, n: int = 1) -> None: ...
    def pagination(self, *, template_keys: bool) -> None: ...
    def footer(self, lines: tuple[str, str]) -> None: ...
    def finish(self, noise: RenderNoise) -> str: ...

    def table(
        self, title: str, headers: list[str], rows: list[list[str]], kind: str = ""
    ) -> list[int]:
        """Emit a table; returns the (1-based) line number of each row."""
        ...


def _title_lines(text: str | None, split: bool) -> list[str]:
    if not text:
        return []
    words = text.split(" ")
    if not split or len(text) < 90 or len(words) < 6:
        return [text]
    half, size, cut = len(text) // 2, 0, 1
    for i, word in enumerate(words[:-1], start=1):
        size += len(word) + 1
        cut = i
        if size >= half:
            break
    return [" ".join(words[:cut]), " ".join(words[cut:])]


def _pipe_row(cells: list[str]) -> str:
    """``A | B | 1 | |``: each cell followed by `` |``, an empty cell as a bare ``|``."""
    return " ".join(f"{c} |" if c else "|" for c in cells)


class _TextWriter(_Writer):
    """The ``plain`` and ``pipe`` renderings."""

    def __init__(self, pipe: bool) -> None:
        self.pipe = pipe
        self.lines: list[str] = []

    def _blank(self, n: int = 1) -> None:
        if not self.pipe:
            self.lines.extend([""] * n)

    def breadcrumb(self, text: str | None) -> None:
        if text and not self.pipe:
            self.lines += [text, ""]

    def banner(self, text: str) -> None:
        self.lines.append(text)
        self._blank()

    def post(self, text: str, *, first: bool) -> None:
        if not first:
            self._blank()
        self.lines.append(text)
        self._blank()

    def role_gap(self) -> None:
        if not self.pipe:
            self.lines.append(" ")  # the seed's whitespace-only line between the two roles

    def line(self, text: str) -> None:
        self.lines.append(text)

    def contact(self, role: str, name: str | None, email: str) -> None:
        self.lines.append(role)
        if name:
            self.lines.append(name)
        if self.pipe:
            self.lines.append("Courriel :")
            if email:
                self.lines.append(email)
        else:
            self.lines.append(f"Courriel : {email}")

    def label(self, text: str) -> None:
        self.lines.append(text)

    def title(self, text: str | None, *, split: bool) -> None:
        self.lines.extend(_title_lines(text, split))

    def values(self, text: str | None) -> None:
        if text:
            self.lines.extend(text.split("\n"))

    def sentences(self, texts: list[str]) -> None:
        for text in texts:
            self._blank()
            self.lines.append(text)
        self._blank()

    def gap(self, n: int = 1) -> None:
        self._blank(n)

    def pagination(self, *, template_keys: bool) -> None:
        prev, nxt = (
            ("pagination.page.precedent", "pagination.page.suivant")
            if template_keys
            else (
                "Précédent",
                "Suivant",
            )
        )
        if self.pipe:
            self.lines += ["<<", f"< {prev}", "1", f"{nxt} >", ">>"]
        else:
            self.lines.append(f"<< < {prev} 1 {nxt} > >>")

    def table(
        self, title: str, headers: list[str], rows: list[list[str]], kind: str = ""
    ) -> list[int]:
        numbers: list[int] = []
        if self.pipe:
            self.lines.append(title)
            self.lines.append(_pipe_row(headers))
            self.lines.append("---|" * (len(headers) if rows else 1))
            for i, cells in enumerate(rows):
                if kind in ("themes", "funding"):
                    # Empty cells move to the end of the row (the converter's quirk); the
                    # contact and volunteer tables keep them in place (read by position).
                    filled = [c for c in cells if c]
                    empty = len(cells) - len(filled)
                    if kind == "themes" and i == len(rows) - 1 and empty:
                        empty -= 1  # the real pages' last theme row lacks its trailing empty cell
                    cells = filled + [""] * empty
                numbers.append(len(self.lines) + 1)
                self.lines.append(_pipe_row(cells))
            return numbers
        self.lines += ["", title, "", title]
        header = " ".join(h for h in headers if h)
        if kind == "icon":
            header += "  "  # the seed's header rows end with two spaces
        self.lines.append(header)
        for cells in rows:
            numbers.append(len(self.lines) + 1)
            self.lines.append(" ".join(c for c in cells if c))
        return numbers

    def footer(self, lines: tuple[str, str]) -> None:
        self._blank(2)
        self.lines.append(lines[0])
        self._blank()
        self.lines.append(lines[1])

    def finish(self, noise: RenderNoise) -> str:
        lines = self.lines
        if noise.trailing_spaces or noise.nbsp:
            lines = list(lines)
            for i, line in enumerate(lines):
                if noise.trailing_spaces and line and i % 5 == 2:
                    lines[i] = line + "  "
                if noise.nbsp and line.startswith("Courriel :"):
                    lines[i] = lines[i].replace("Courriel :", "Courriel\u00a0:", 1)
                elif noise.nbsp and i % 7 == 3 and " " in line.strip():
                    lines[i] = lines[i].replace(" ", "\u00a0", 1)
        return ("\r\n" if noise.crlf else "\n").join(lines) + ("\r\n" if noise.crlf else "\n")


class _HtmlWriter(_Writer):
    """A saved page. ``self.count`` follows the lines ``htmltext.html_to_lines`` will give,
    so that warnings name the same line numbers as the parser."""

    def __init__(self, record: Record, noise: RenderNoise) -> None:
        self.record = record
        self.out: list[str] = []
        self.count = 0
        self.nbsp = noise.nbsp
        self.in_post = False

    def _text(self, text: str) -> str:
        escaped = escape(text)
        return escaped.replace(" ", "&nbsp;", 1) if self.nbsp and " " in text.strip() else escaped

    def _block(self, tag: str, text: str | None, cls: str = "") -> None:
        attr = f' class="{cls}"' if cls else ""
        if text:
            self.out.append(f"<{tag}{attr}>{self._text(text)}</{tag}>")
            self.count += 1
        else:
            self.out.append(f"<{tag}{attr}></{tag}>")

    def _lines(self, tag: str, lines: list[str], cls: str = "") -> None:
        attr = f' class="{cls}"' if cls else ""
        self.out.append(
            f"<{tag}{attr}>" + "<br>\n".join(self._text(s) for s in lines) + f"</{tag}>"
        )
        self.count += sum(1 for s in lines if s.strip())

    def breadcrumb(self, text: str | None) -> None:
        self.out.append(
            '<div id="bandeau"><ul class="menu"><li><a href="/cncdext/">Accueil</a></li>'
            '<li><a href="/cncdext/dyn/public/atlas/accesRecherche.html">Atlas</a></li></ul></div>'
        )
        self.count += 2
        if text:
            self._block(
                "div",
                text.replace("???", "")
                .replace("menu.atlas.libelle", "Atlas")
                .replace("menu.atlas.detailProjet.libelle", "Détail projet"),
                "fil-ariane",
            )
        self.out.append('<div id="contenu">')

    def banner(self, text: str) -> None:
        self._block("h1", text)

    def post(self, text: str, *, first: bool) -> None:
        if not first:
            self.out.append("</div>")
        self.out.append('<div class="poste">')
        self._block("h2", text)
        self.in_post = True

    def role_gap(self) -> None:
        pass

    def line(self, text: str) -> None:
        self._block("p", text)

    def contact(self, role: str, name: str | None, email: str) -> None:
        lines = [role] + ([name] if name else []) + [f"Courriel : {email}".rstrip()]
        self._lines("p", lines, "contact")

    def label(self, text: str) -> None:
        if self.in_post:
            self.out.append("</div>")
            self.in_post = False
        self._block("h3", text)

    def title(self, text: str | None, *, split: bool) -> None:
        self._lines("p", _title_lines(text, split), "titre")

    def values(self, text: str | None) -> None:
        if text:
            self._lines("p", text.split("\n"))
        else:
            self.out.append("<p></p>")

    def sentences(self, texts: list[str]) -> None:
        for text in texts:
            self._block("p", text)

    def pagination(self, *, template_keys: bool) -> None:
        prev, nxt = (
            ("pagination.page.precedent", "pagination.page.suivant")
            if template_keys
            else (
                "Précédent",
                "Suivant",
            )
        )
        self.out.append(
            '<div class="pagination"><a href="#">&lt;&lt;</a> <a href="#">&lt; '
            f'{prev}</a> <span class="courante">1</span> <a href="#">{nxt} &gt;</a> '
            '<a href="#">&gt;&gt;</a></div>'
        )
        self.count += 1

    def table(
        self, title: str, headers: list[str], rows: list[list[str]], kind: str = ""
    ) -> list[int]:
        self._block("h3", title)
        self.out.append('<table class="liste">')
        self._block("caption", title)
        self.out.append(
            "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>"
        )
        self.count += 1
        self.out.append("<tbody>")
        numbers = []
        for cells in rows:
            html_cells = []
            for c in cells:
                if c == ICON:
                    html_cells.append(
                        '<td><a href="#"><img src="/cncdext/img/loupe.png" alt="" title="Voir"></a></td>'
                    )
                else:
                    html_cells.append(f"<td>{self._text(c)}</td>")
            self.out.append("<tr>" + "".join(html_cells) + "</tr>")
            if any(c and c != ICON for c in cells):
                self.count += 1
                numbers.append(self.count)
            else:
                numbers.append(0)
        self.out.append("</tbody></table>")
        return numbers

    def footer(self, lines: tuple[str, str]) -> None:
        self.out.append("</div>")
        self.out.append('<div id="pied">')
        self._block("h2", lines[0])
        self._block("p", lines[1])
        self.out.append("</div>")

    def finish(self, noise: RenderNoise) -> str:
        rid = self.record.source.atlas_id
        head = (
            "<!DOCTYPE html>\n"
            '<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            "<title>Atlas français de la coopération décentralisée - Détail projet</title>\n"
            '<link rel="stylesheet" href="/cncdext/css/atlas.css">\n'
            '<script src="/cncdext/js/atlas.js"></script>\n'
            "</head>\n<body>\n"
        )
        if rid is not None:
            head += (
                f"<!-- saved from url=https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/"
                f"detailProjet.html?criteres.prjId={rid} -->\n"
            )
        return head + "\n".join(self.out) + "\n</body>\n</html>\n"
