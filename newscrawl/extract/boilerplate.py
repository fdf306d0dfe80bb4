"""The multilingual boilerplate layer: markup that is never article text, lines that never are.

Two passes, both data-driven:

* ``prune_boilerplate_nodes(tree)`` runs on the DOM *before* trafilatura: elements whose
  class/id/role/aria tokens (``xpaths.py``) say consent banner, newsletter box, paywall teaser,
  share bar, related rail, ad slot, social embed or caption are dropped, unless they hold the
  article's own paragraphs (many sites wrap the whole story in ``<div class="paywall">``).
* ``PHRASES.is_boilerplate(line)`` runs on each extracted line *after* trafilatura, with the
  phrase lists in ``phrases/<lang>.txt`` (``xx.txt`` for language-independent patterns).

Phrase file syntax: ``#`` starts a comment; a ``[section]`` header says how the lines below it
match a *normalised* line (lowercase, curly quotes straightened, spaces collapsed, bullets and
dashes trimmed at both ends, trailing ``. … ! : ; ,`` dropped):

``[line]``     the whole line equals the phrase ("Advertisement", "Ver esta publicación en Instagram").
``[related]``  like ``[line]``, and the line heads a run of teasers ("You may also like",
               "Te puede interesar"): the short or link-heavy blocks after it go too.
``[prefix]``   the line starts with the phrase ("Read more:", "A post shared by", "Foto:") and is
               short (``MAX_PREFIX_WORDS``); a genuine paragraph that merely begins alike is long.
``[regex]``    a Python regular expression searched in the normalised line, for lines at most
               ``MAX_PREFIX_WORDS`` words long; anchor it (``^``, ``$``) yourself.

Every language's list is applied to every page: fashion sites mix languages (an English story on
a Spanish site ends with "Sigue toda la información de … desde Facebook, Twitter o Instagram"),
and a whole-line or short-prefix match in one language is not article text in another. All
phrases compile at import into one set and two alternations, so a line costs a few lookups.
To add a language, add ``phrases/<code>.txt``; nothing else changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import lxml.etree
import lxml.html

from newscrawl.extract.xpaths import (
    ATTRIBUTE_VALUES,
    BOILERPLATE_COMPOUNDS,
    BOILERPLATE_ROLES,
    BOILERPLATE_TOKENS,
    COMPOUND_LENGTHS,
    CONTAINS_ARTICLE,
    DROP_TAGS,
    PROTECTED_TAGS,
    ROLE_AND_DROP_TAGS,
    TAXONOMY_CLASS_PREFIXES,
    TOKEN_ATTRIBUTES,
)

MAX_PREFIX_WORDS = 30  # [prefix]/[regex] matches only count on lines this short
MAX_MATCH_CHARS = 320  # longer lines are never boilerplate by phrase
ARTICLE_TEXT_GUARD = 400  # paragraph chars (or half the page's) that protect a node from pruning

_QUOTE_CHARS = (("’", "'"), ("‘", "'"), ("`", "'"), ("´", "'"))
_EDGE = " \t\r\n•·*-–—|>»«›‹▶►→\"'“”„❯¿¡"
_TRAIL = ".…!:;,?"
_SPACE_BEFORE_PUNCT = re.compile(r" ([:;!?])")
_HAS_WORD = re.compile(r"\w")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SECTIONS = ("line", "related", "prefix", "regex")


def normalize_line(text: str) -> str:
    """The form phrases are matched against (see the module docstring)."""
    text = " ".join(_straight_quotes(text.lower()).split())
    if " :" in text or " ;" in text or " !" in text or " ?" in text:
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)  # French "Lire aussi :" -> "lire aussi:"
    text = text.strip(_EDGE)
    return text.rstrip(_TRAIL + _EDGE)


def _straight_quotes(text: str) -> str:
    for curly, straight in _QUOTE_CHARS:
        if curly in text:
            text = text.replace(curly, straight)
    return text


@dataclass(frozen=True)
class PhraseSet:
    """All boilerplate phrases of all languages, compiled once."""

    lines: frozenset[str]
    related: frozenset[str]
    prefix: re.Pattern[str] | None
    regex: re.Pattern[str] | None

    @classmethod
    def from_texts(cls, texts: list[str]) -> PhraseSet:
        found: dict[str, list[str]] = {name: [] for name in _SECTIONS}
        for text in texts:
            section = "line"
            for raw in text.splitlines():
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                if line.startswith("[") and line.endswith("]") and line[1:-1] in _SECTIONS:
                    section = line[1:-1]
                    continue
                found[section].append(line if section == "regex" else _phrase_key(line, section))
        related = frozenset(p for p in found["related"] if p)
        prefixes = sorted({p for p in found["prefix"] if p}, key=len, reverse=True)
        prefix_alts = [re.escape(p) + (r"(?!\w)" if p[-1].isalnum() else "") for p in prefixes]
        regexes = [f"(?:{r})" for r in found["regex"]]
        return cls(
            lines=frozenset(p for p in found["line"] if p) | related,
            related=related,
            prefix=re.compile("^(?:" + "|".join(prefix_alts) + ")") if prefix_alts else None,
            regex=re.compile("|".join(regexes)) if regexes else None,
        )

    def match(self, line: str) -> str | None:
        """Which section a line matches ("line", "related", "prefix", "regex") or None."""
        if len(line) > MAX_MATCH_CHARS:
            return None  # no phrase is that long, and prefix/regex matches need short lines
        norm = normalize_line(line)
        if not _HAS_WORD.search(norm):
            return "line" if line.strip() else None  # "* * *", "…", a lone emoji or "©"
        if norm in self.related:
            return "related"
        if norm in self.lines:
            return "line"
        if norm.count(" ") >= MAX_PREFIX_WORDS:
            return None
        if self.prefix is not None and self.prefix.match(norm):
            return "prefix"
        if self.regex is not None and self.regex.search(norm):
            return "regex"
        return None

    def is_boilerplate(self, line: str) -> bool:
        return self.match(line) is not None

    def is_related_heading(self, line: str) -> bool:
        return len(line) <= MAX_MATCH_CHARS and normalize_line(line) in self.related


def _phrase_key(phrase: str, section: str) -> str:
    if section == "prefix":
        # Keep a trailing colon: "foto:" must not match "Fotografía de moda…".
        return " ".join(_straight_quotes(phrase.lower()).split()).lstrip(_EDGE)
    return normalize_line(phrase)


def load_phrases() -> PhraseSet:
    """Read every ``phrases/*.txt`` shipped with the package."""
    folder = resources.files("newscrawl.extract").joinpath("phrases")
    texts = [
        item.read_text(encoding="utf-8")
        for item in sorted(folder.iterdir(), key=lambda i: i.name)
        if item.name.endswith(".txt")
    ]
    return PhraseSet.from_texts(texts)


PHRASES = load_phrases()


# --- DOM pass ------------------------------------------------------------------------------


_FIRST_TOKENS = BOILERPLATE_TOKENS | {c[0] for c in BOILERPLATE_COMPOUNDS}


def _quick(value: str) -> bool:
    """Cheap test that rejects attribute values holding no token a boilerplate name starts with."""
    return not _FIRST_TOKENS.isdisjoint(_TOKEN_SPLIT.split(_decamel(value)))


def _decamel(value: str) -> str:
    """``"cookieBanner"`` -> ``"cookie-banner"``, lowercased: camelCase ids carry tokens too."""
    return _CAMEL.sub(r"\1-\2", value).lower() if not value.islower() else value


def prune_boilerplate_nodes(tree: lxml.html.HtmlElement) -> int:
    """Drop boilerplate elements from ``tree`` in place (keeping their tails); returns how many."""
    found = {v.getparent() for v in ATTRIBUTE_VALUES(tree) if _quick(v)}
    found.update(ROLE_AND_DROP_TAGS(tree))
    doomed = [el for el in found if _looks_boilerplate(el) and el.getparent() is not None]
    if not doomed:
        return 0
    # Decide everything on the untouched tree, then remove: the outcome must not depend on
    # the order elements come in (a removed teaser box would shrink its container's text).
    page_text = _article_text(tree)
    doomed = [el for el in doomed if not _holds_article(el, page_text)]
    for el in doomed:
        el.drop_tree()  # harmless on an element inside an already dropped subtree
    return len(doomed)


def _holds_article(el: lxml.html.HtmlElement, page_text: int) -> bool:
    """Never prune the story: enough paragraph text, half the page's, or the article itself."""
    text = _article_text(el, stop=ARTICLE_TEXT_GUARD)
    if text >= ARTICLE_TEXT_GUARD or (text and text >= page_text // 2):
        return True
    return bool(CONTAINS_ARTICLE(el))


def _looks_boilerplate(el: lxml.html.HtmlElement) -> bool:
    tag = el.tag
    if tag in PROTECTED_TAGS or el.get("itemprop") == "articleBody":
        return False
    if tag in DROP_TAGS:
        return True
    role = el.get("role")
    if role and role.strip().lower() in BOILERPLATE_ROLES:
        return True
    values = [v for v in (el.get(a) for a in TOKEN_ATTRIBUTES) if v]
    return any(_boilerplate_value(_decamel(v)) for v in values)


def _boilerplate_value(value: str) -> bool:
    for name in value.split():
        if name.startswith(TAXONOMY_CLASS_PREFIXES):
            continue
        tokens = _TOKEN_SPLIT.split(name)
        if not BOILERPLATE_TOKENS.isdisjoint(tokens):
            return True
        for size in COMPOUND_LENGTHS:
            for i in range(len(tokens) - size + 1):
                if tuple(tokens[i : i + size]) in BOILERPLATE_COMPOUNDS:
                    return True
    return False


def _article_text(el: lxml.html.HtmlElement, stop: int = 0) -> int:
    """Characters of paragraph-like text under ``el`` (paragraphs of 60+ chars, few links).

    Many sites wrap the whole story in a "paywall", "subscriber" or "overlay" box: an element
    holding the article's paragraphs is never pruned, whatever its class says.
    """
    total = 0
    for p in el.iter("p"):
        text = p.text_content()
        if len(text) < 60:
            continue
        linked = sum(len(a.text_content()) for a in p.iter("a"))
        if linked < 0.3 * len(text):
            total += len(text)
            if stop and total >= stop:
                break
    return total
