"""Language of the article: detected from its text, the page's declaration as tie-breaker.

The declaration (JSON-LD ``inLanguage``, ``<html lang>``, ``og:locale``, Content-Language) is about
the site as often as the article: HIGHXTAR serves English articles in Spanish site chrome
(``lang="es"``). So the body text decides when there is enough of it and the detector is sure;
the declaration decides for short texts and close calls. py3langid's model ships inside the
wheel: nothing is downloaded.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from newscrawl.extract.document import Document
from newscrawl.extract.metadata import Metadata, normalise_language

MIN_TEXT_CHARS = 200  # below this the detector is a guess; the declaration wins
SURE = 0.90  # normalised probability above which detection overrides the declaration
SAMPLE_CHARS = 1500  # language is clear long before this; detection cost grows with length


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_text(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) for ``text``; (None, 0.0) for empty text."""
    sample = text[:SAMPLE_CHARS].strip()
    if not sample:
        return None, 0.0
    code, prob = _identifier().classify(sample)
    return normalise_language(code), float(prob)


def declared_probability(text: str, code: str) -> float:
    """How plausible the declared language is for ``text`` (its normalised probability)."""
    ranked = _identifier().rank(text[:SAMPLE_CHARS])
    for lang, prob in ranked:
        if lang == code:
            return float(prob)
    return 0.0


def detect_language(doc: Document, meta: Metadata, text: str) -> str | None:
    """The article's language (ISO 639-1), or None when there is neither text nor declaration."""
    declared = meta.language or normalise_language(doc.lang_attr)
    sample = (
        text
        if len(text) >= MIN_TEXT_CHARS
        else " ".join(t for t in (meta.title, meta.description, text) if t)
    )
    if len(sample) < MIN_TEXT_CHARS:
        if declared:
            return declared
        detected, prob = detect_text(sample)
        return detected if prob >= 0.5 else None
    detected, prob = detect_text(sample)
    if declared is None or detected == declared:
        return detected
    if prob >= SURE:
        return detected
    # A close call: keep the declaration unless the text makes it implausible.
    return declared if declared_probability(sample, declared) >= 0.05 else detected
