"""No input, however broken, makes the parser raise anything but PageError (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas_kg.errors import PageError
from atlas_kg.parse import parse_bytes, parse_text
from atlas_kg.record import Record

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
LABELS = [
    "Titre",
    "Thématique d'intervention",
    "Autres thématiques mises en œuvre pour le partenariat",
    "Partenaires étrangers du partenariat",
    "Contacts dans les partenaires étrangers du partenariat",
    "Financement du partenariat",
    "Volontaires impliqués dans le partenariat (VSI, service civique, etc.) d'Échange et de Solidarité",
    'Contacts dans le poste diplomatique "Ambassade de France à Dakar"',
    "Courriel :",
    "Objectifs de développement durable - ODD",
    "Évaluations, communication et perspectives",
    "Date de fin du partenariat",
    "PIED DE PAGE",
]


def check(parse, data) -> None:
    """A record (with a consistent JSON form) or a PageError that is not a parser bug."""
    try:
        record = parse(data)
    except PageError as exc:
        assert "internal parser error" not in exc.message, exc.message
        assert str(exc).startswith("page.txt")
        return
    assert isinstance(record, Record)
    assert Record.from_json(record.to_json()) == record
    for value in record.to_dict().values():
        assert value != ""


def parse_b(data: bytes):
    return parse_bytes(data, path="page.txt")


def parse_t(text: str):
    return parse_text(text, path="page.txt")


@pytest.fixture(scope="module")
def seed_lines(seed_page) -> list[str]:
    return seed_page.read_text(encoding="utf-8").split("\n")


@SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes(data):
    check(parse_b, data)


@SETTINGS
@given(st.text(max_size=2000))
def test_random_text(text):
    check(parse_t, text)


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(LABELS), st.text(max_size=60)), max_size=60))
def test_random_lines_between_real_labels(lines):
    check(parse_t, "\n".join(lines))


@SETTINGS
@given(st.data())
def test_seed_with_lines_dropped(seed_lines, data):
    keep = data.draw(st.lists(st.booleans(), min_size=len(seed_lines), max_size=len(seed_lines)))
    check(parse_t, "\n".join(line for line, k in zip(seed_lines, keep, strict=True) if k))


@SETTINGS
@given(st.randoms(use_true_random=False))
def test_seed_shuffled(seed_lines, rnd):
    lines = list(seed_lines)
    rnd.shuffle(lines)
    check(parse_t, "\n".join(lines))


@SETTINGS
@given(st.data())
def test_seed_with_lines_duplicated(seed_lines, data):
    counts = data.draw(
        st.lists(st.integers(0, 3), min_size=len(seed_lines), max_size=len(seed_lines))
    )
    check(
        parse_t,
        "\n".join(line for line, n in zip(seed_lines, counts, strict=True) for _ in range(n)),
    )


@SETTINGS
@given(st.data())
def test_seed_bytes_corrupted(seed_page, data):
    raw = bytearray(seed_page.read_bytes())
    for _ in range(data.draw(st.integers(1, 20))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    check(parse_b, bytes(raw))


@SETTINGS
@given(
    st.lists(
        st.sampled_from(
            [
                "<div>",
                "</div>",
                "<table>",
                "<tr>",
                "<td>",
                "<br>",
                "Titre",
                "x",
                "|",
                "<p>",
                "</tr>",
                "<!--",
                "-->",
            ]
        ),
        max_size=200,
    )
)
def test_random_html(parts):
    check(parse_t, "<html><body>" + "".join(parts))


def test_truncated_seed_at_every_line(seed_lines):
    for n in range(len(seed_lines) + 1):
        check(parse_t, "\n".join(seed_lines[:n]))
