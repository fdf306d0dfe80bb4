"""Byline cleaning: names only, in every language we crawl."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newscrawl.extract.authors import clean_authors, looks_like_name


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
        ("Por María López y Juan Pérez", ["María López", "Juan Pérez"]),
        ("Di Giulia Rossi e Marco Bianchi", ["Giulia Rossi", "Marco Bianchi"]),
        ("Par Claire Dubois et Jean Martin", ["Claire Dubois", "Jean Martin"]),
        ("Von Anna Müller und Jonas Weber", ["Anna Müller", "Jonas Weber"]),
        ("Words by Olivia Hart", ["Olivia Hart"]),
        ("Jane Doe, Senior Fashion Editor", ["Jane Doe"]),
        ("Priya Nair, Senior Fashion Editor", ["Priya Nair"]),
        ("María López, redactora jefe de moda", ["María López"]),
        ("By Jane Doe | March 21, 2024", ["Jane Doe"]),
        ("Por María López - 21/03/2024 10:30", ["María López"]),
        (
            "By Hannah Whitfield, Marcus Bell & Ana Ruiz",
            ["Hannah Whitfield", "Marcus Bell", "Ana Ruiz"],
        ),
        ("By JANE DOE", ["Jane Doe"]),
        ("Texto: Ana Beltrán. Fotos: Luis Gómez", ["Ana Beltrán"]),
        ("By Jane Doe (@janedoe)", ["Jane Doe"]),
        ("https://example.com/author/jane-doe", []),
        ("Redacción", []),
        ("La Redazione", []),
        ("admin", []),
        ("By AFP", ["AFP"]),
        ("Reuters", ["Reuters"]),
        (
            "By Eric Tucker Associated Press",
            ["Eric Tucker"],
        ),  # agency next to a person: affiliation
        ("By María José García de la Fuente", ["María José García de la Fuente"]),
        ("Di Maio", ["Di Maio"]),  # a surname, not "Di" + a one-word name
    ],
)
def test_bylines(byline: str, names: list[str]) -> None:
    assert clean_authors([byline]) == names


def test_deduplicated_across_sources_case_and_accent_insensitively() -> None:
    assert clean_authors(["By Jane Doe", "JANE DOE", "María López", "Maria Lopez"]) == [
        "Jane Doe",
        "María López",
    ]


def test_single_word_names_only_from_structured_sources() -> None:
    assert clean_authors(["Zendaya"]) == []
    assert clean_authors(["Zendaya"], allow_single=True) == ["Zendaya"]


BYLINE_PARTS = st.sampled_from(
    ["By", "Por", "Di", "Par", "Von", "Jane Doe", "María López", "and", "y", "e", "et", "und", ",",
     "|", "Senior Editor", "21 March 2024", "@jane", "https://x.com/a", "Redacción", "AFP", "JOHN SMITH"]
)  # fmt: skip


@given(st.lists(st.one_of(BYLINE_PARTS, st.text(max_size=12)), max_size=10).map(" ".join))
def test_whatever_the_byline_only_clean_names_come_out(byline: str) -> None:
    names = clean_authors([byline])
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert looks_like_name(name)
        assert not re.match(r"(?i)(by|por|par|von)\s", name)
        assert not re.search(r"\d|https?://|@|\s(and|und|et)\s", name)
