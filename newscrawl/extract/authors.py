"""Author names from bylines: "By Jane Doe and John Smith, Senior Editor" -> ["Jane Doe", "John Smith"].

A byline is split into names at list separators of the languages we crawl (", and y e et und"),
its lead-in ("By", "Por", "Di", "Par", "Von", "Words by") removed, and every part that is a job
title, a date, a URL, a handle or a newsroom label dropped. What is left must look like a name:
one to five words, capitalised, no digits. A single word passes only when it is a known news
agency ("AFP", "Reuters") or comes from JSON-LD (an author given as data, not page text).

Site-as-author policy: the site's own name is not an author when any person or agency is
credited. It is kept only when it is the sole author the page names anywhere *and* structured
data declares it an ``Organization`` author (the outlet explicitly crediting itself).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

AGENCIES = frozenset(
    {
        "afp", "agence france-presse", "ap", "associated press", "reuters", "efe", "agencia efe",
        "ansa", "dpa", "europa press", "bloomberg", "adnkronos", "lusa", "xinhua", "pa",
        "pa media", "kyodo", "apa", "sda", "belga", "anp", "agi", "ats", "tt", "ntb",
    }
)  # fmt: skip

# Lead-ins that introduce a byline, longest first so "written by" wins over "by".
_LEAD_IN = re.compile(
    r"^(?:(?:written|words|text|texts|story|reported|reporting|interview|compiled|posted|published)"
    r"\s+(?:and\s+\w+\s+)?by|by|por|escrito\s+por|publicado\s+por|di|a\s+cura\s+di|scritto\s+da|par|"
    r"propos\s+recueillis\s+par|écrit\s+par|von|geschrieben\s+von|texto|testo|texte|text|"
    r"autor|autora|autore|autrice|auteur|author|authors|autores|autori|firma|words|reportage)"
    r"\s*[:\-–—]?\s+",
    re.I,
)
_CREDIT_CUT = re.compile(
    r"\b(?:photos?|photograph(?:y|s)?|pictures?|images?|fotos?|fotografías?|fotografie|fotografia|"
    r"illustrations?|video)\s*(?:by|de|di|par|von|:)\s.*$|\b(?:additional\s+)?reporting\s+by\s.*$|"
    r"\b(?:updated|actualizado|aggiornato|mis à jour|aktualisiert|atualizado|published|publicado|"
    r"pubblicato|publié|veröffentlicht)\b.*$",
    re.I,
)
_SEPARATORS = re.compile(
    r"\s*(?:[,;|/•·+&]|\s(?:and|y|e|et|und|i|en|with|con|avec|mit|com|og|och)\s)\s*", re.I
)
_JOB_WORDS = re.compile(
    r"\b(?:editor|editora|editrice|editor-at-large|éditeur|éditrice|redakteur|redakteurin|redactor|"
    r"redactora|redattore|redattrice|rédacteur|rédactrice|reporter|reportera|correspondent|"
    r"corresponsal|corrispondente|correspondant|correspondante|korrespondent|korrespondentin|writer|"
    r"escritor|escritora|journalist|journaliste|giornalista|periodista|jornalista|journalistin|"
    r"contributor|contributing|colaborador|colaboradora|collaboratore|collaboratrice|columnist|"
    r"columnista|chroniqueur|chroniqueuse|critic|critique|director|directora|directeur|directrice|"
    r"diretor|diretora|direttore|direttrice|chief|jefe|jefa|senior|junior|staff|intern|"
    r"fashion|moda|mode|beauty|belleza|bellezza|beauté|news|noticias|notizie|nachrichten|"
    r"photographer|fotógrafo|fotógrafa|fotografo|fotografa|photographe|fotograf|editorial|desk|"
    r"founder|fundador|fundadora|ceo|manager|team|equipo|squadra|équipe|contributor|specialist|"
    r"analyst|producer|lifestyle|culture|cultura|style|estilo|stile|business|retail|luxury|lujo|"
    r"lusso|luxe|correspondence|freelance|invitado|invitada|guest)\b|\bhead\s+of\b",
    re.I,
)
# Newsroom labels and CMS placeholders: a byline of only these credits nobody.
_NON_NAMES = frozenset(
    {
        "admin", "administrator", "administrador", "redacción", "redaccion", "redazione",
        "rédaction", "redaction", "redaktion", "redação", "redacao", "newsroom", "staff", "editor",
        "editors", "editorial", "editorial staff", "editorial team", "team", "guest", "anonymous",
        "unknown", "webmaster", "web", "user", "the editors", "la redacción", "la redazione",
        "la rédaction", "die redaktion", "a redação", "equipo", "contributor", "press release",
        "comunicado", "comunicato", "nota de prensa", "sponsored", "partner", "advertorial",
    }
)  # fmt: skip
_LOWER_PARTICLES = frozenset(
    {"de", "del", "della", "di", "da", "dos", "das", "do", "du", "des", "la", "le", "van", "von",
     "der", "den", "ten", "ter", "y", "e", "bin", "al", "el", "st.", "d'", "mc"}
)  # fmt: skip
_HANDLE_OR_URL = re.compile(r"@\w|https?://|www\.|\.\w{2,4}/|\S+@\S+\.\w+")
_URL_OR_HANDLE_TOKEN = re.compile(r"\(?(?:https?://|www\.)\S+|\(?@\w+\)?|\S+@\S+\.\w+")
_DIGIT = re.compile(r"\d")


def norm(name: str) -> str:
    """Comparison key: case-, accent- and punctuation-insensitive."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def split_byline(text: str) -> list[str]:
    """A byline string -> cleaned name candidates (not yet validated)."""
    text = " ".join(text.replace("\u00a0", " ").split())
    text = _URL_OR_HANDLE_TOKEN.sub(" | ", text)
    text = re.sub(r"\s[-–—]\s|\s\|\s", " | ", text)
    names: list[str] = []
    for chunk in re.split(r"\s\|\s", text):
        chunk = _CREDIT_CUT.sub("", chunk).strip()
        chunk = _strip_lead_in(chunk)
        for part in _SEPARATORS.split(chunk):
            part = _strip_lead_in(part.strip(" .:-–—()[]\"'“”«»"))
            if part:
                names.extend(_split_agency_suffix(part))
    return names


def _split_agency_suffix(part: str) -> list[str]:
    """ "Eric Tucker Associated Press" -> ["Eric Tucker", "Associated Press"]."""
    lower = part.lower()
    for agency in AGENCIES:
        if lower.endswith(" " + agency) and len(agency) > 2:
            head = part[: -len(agency)].strip()
            if head:
                return [head, part[-len(agency) :]]
    return [part]


def _strip_lead_in(text: str) -> str:
    m = _LEAD_IN.match(text)
    if not m:
        return text
    rest = text[m.end() :]
    # "Di Maio" is a surname, "Di Giulia Rossi" a byline: Italian "Di" needs two words after it.
    if m.group(0).strip().lower() == "di" and len(rest.split()) < 2:
        return text
    return rest


def is_agency(name: str) -> bool:
    return name.strip().lower() in AGENCIES


def looks_like_name(name: str, *, allow_single: bool = False) -> bool:
    """True for "Jane Doe", "María López de la Fuente", "AFP"; false for titles, dates, labels."""
    if is_agency(name):
        return True
    if not 2 <= len(name) <= 60 or _DIGIT.search(name) or _HANDLE_OR_URL.search(name):
        return False
    if name.lower() in _NON_NAMES or _JOB_WORDS.search(name):
        return False
    words = name.split()
    # "Capitalised" = not starting lower case, so scripts without case (Japanese) still pass.
    capitalised = [w for w in words if w[0].isalpha() and not w[0].islower()]
    if not 1 <= len(words) <= 8 or not capitalised or len(capitalised) > 5:
        return False
    if len(words) == 1 and not allow_single:
        return False
    for w in words:
        if w[0].islower() and w.lower() not in _LOWER_PARTICLES:
            return False
        if not re.fullmatch(r"[\w.'’\-]+", w):
            return False
    return True


def clean_authors(candidates: Iterable[str], *, allow_single: bool = False) -> list[str]:
    """Split, strip and validate byline strings; deduplicated in order of first appearance."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in candidates:
        for name in split_byline(raw):
            name = _tidy_case(name)
            key = norm(name)
            if key and key not in seen and looks_like_name(name, allow_single=allow_single):
                seen.add(key)
                out.append(name)
    # An agency next to named people is their affiliation or distributor, not a co-author.
    people = [n for n in out if not is_agency(n)]
    return people or out


def _tidy_case(name: str) -> str:
    """ "JANE DOE" (a CSS-less upper-case byline) -> "Jane Doe"; agencies stay as written."""
    if name.isupper() and len(name.split()) > 1 and not is_agency(name):
        return " ".join(w.capitalize() for w in name.split())
    return name


_NEWSROOM = re.compile(
    r"^(?:la\s+|die\s+|a\s+|the\s+)?(?:redacci[oó]n|redazione|r[ée]daction|redaktion|reda[cç][aã]o|"
    r"newsroom|staff|editorial|equipo|team)\b",
    re.I,
)


def is_organisation_credit(name: str) -> bool:
    """An Organization author worth keeping: a real name, not a newsroom label
    ("Redacción", "Redacción Moda Weekly", "Staff") or a CMS placeholder."""
    name = name.strip()
    if not name or len(name) > 60 or _HANDLE_OR_URL.search(name):
        return False
    return name.lower() not in _NON_NAMES and not _NEWSROOM.match(name)


def dedupe(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        key = norm(name)
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    return out
