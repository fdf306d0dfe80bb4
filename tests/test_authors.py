"""Byline cleaning: names only, in every language we crawl."""

from __future__ import annotations

import pytest

from newscrawl.extract.authors import clean_authors


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
