"""Article language: the text decides when it can, the page's declaration otherwise."""

from __future__ import annotations

from newscrawl.extract.document import Document
from newscrawl.extract.language import detect_language
from newscrawl.extract.metadata import Metadata

ENGLISH = (
    "Balenciaga and the Kering Foundation have announced a new three-year partnership with the "
    "National Children's Alliance. The duo will support the alliance's Mental Health Institute by "
    "facilitating access to trauma-focused training, as well as raising public awareness."
)
SPANISH = (
    "El grupo textil ha cerrado el ejercicio con unas ventas récord y prevé abrir cuarenta tiendas "
    "en Europa durante el próximo año, según ha informado la compañía en un comunicado enviado a "
    "la Comisión Nacional del Mercado de Valores."
)


def doc(lang: str = "") -> Document:
    return Document.parse(f'<html lang="{lang}"><head></head><body><p>x</p></body></html>')


def test_english_article_in_spanish_site_chrome_is_english() -> None:
    assert detect_language(doc("es"), Metadata(language="es"), ENGLISH) == "en"


def test_text_decides_without_declaration() -> None:
    assert detect_language(doc(), Metadata(), SPANISH) == "es"


def test_short_text_falls_back_to_declaration() -> None:
    assert detect_language(doc("it"), Metadata(language="it"), "Sfilata Gucci") == "it"


def test_no_text_no_declaration_is_unknown() -> None:
    assert detect_language(doc(), Metadata(), "") is None


def test_declared_region_codes_are_reduced_to_iso_639_1() -> None:
    assert detect_language(doc("de-AT"), Metadata(), "") == "de"
