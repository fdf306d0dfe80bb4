"""Dates as the page states them: ISO 8601 out, the page's own precision and offset kept.

Three rules shape everything here:

* **Never invent a timezone.** A value with an offset keeps it (``Z`` becomes ``+00:00``); a naive
  datetime stays naive; a date stays a date (``"2024-03-21"``). The one exception is a relative
  date ("2 hours ago"), which only exists relative to the fetch time: it is resolved against
  ``fetched_at`` and carries UTC, the zone of that clock. Day-granular relative dates ("hace 2
  días", "yesterday") come out as plain dates.
* **Fast path first.** Structured sources are parsed with ``datetime.fromisoformat``; dateparser
  (slow: ~100 ms to load a language, ms per call) only sees a handful of short candidate strings,
  with ``languages=[lang]`` and one settings dict, behind a cache.
* **Plausibility.** Nothing after the fetch time (plus a tolerance that covers the unknown zone of
  naive values) and nothing before 1990 is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

MIN_YEAR = 1990
# A naive or date-only value may be up to UTC+14 ahead of a UTC fetch clock.
_NAIVE_TOLERANCE = timedelta(hours=15)
_AWARE_TOLERANCE = timedelta(minutes=30)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAMED_UTC = re.compile(r"\s*(?:GMT|UTC)$", re.I)  # "2019-11-18 17:19:53 GMT"
_ISO_LIKE = re.compile(
    r"^\d{4}-?\d{2}-?\d{2}(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?|GMT|UTC)?$",
    re.I,
)
_HAS_TIME = re.compile(r"\d{1,2}\s*[:h]\s*\d{2}|\b\d{1,2}\s*(?:[ap]\.?\s?m\b\.?|uhr\b)", re.I)
_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_TRAILING_ZONE = re.compile(r"\s+[A-Z]{2,5}$")
_HOUR_H = re.compile(r"\b(\d{1,2})\s*h\s*(\d{2})\b", re.I)


@dataclass(frozen=True)
class DateValue:
    """One parsed date: ``iso`` is what the record stores, ``moment`` is for comparisons only."""

    iso: str
    moment: datetime  # aware; naive/date-only values are read as UTC (see the tolerance above)
    naive: bool
    date_only: bool

    def wall_clock(self) -> datetime:
        """The local date and time as printed, to the minute, without any zone."""
        return self.moment.replace(tzinfo=None, second=0)

    def local_date(self) -> date:
        return self.moment.date()


def _value(dt: datetime, *, date_only: bool) -> DateValue:
    if date_only:
        d = dt.date()
        return DateValue(d.isoformat(), datetime(d.year, d.month, d.day, tzinfo=UTC), True, True)
    dt = dt.replace(microsecond=0)
    if dt.tzinfo is None or dt.utcoffset() is None:
        return DateValue(dt.isoformat(timespec="seconds"), dt.replace(tzinfo=UTC), True, False)
    offset = dt.utcoffset()
    fixed = dt.replace(tzinfo=timezone(offset)) if offset is not None else dt
    iso = fixed.isoformat(timespec="seconds")
    return DateValue(iso, fixed, False, False)


def parse_iso(raw: Any) -> DateValue | None:
    """Parse an ISO 8601-ish string from a structured source (JSON-LD, meta, ``datetime=``)."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text or len(text) > 40:
        return None
    if _ISO_DATE.match(text):
        try:
            return _value(datetime.fromisoformat(text), date_only=True)
        except ValueError:
            return None
    if not _ISO_LIKE.match(text):
        return None
    text = _NAMED_UTC.sub("+00:00", text).replace(",", ".")
    try:
        dt = datetime.fromisoformat(text.replace(" Z", "Z").replace(" +", "+").replace(" -", "-"))
    except ValueError:
        return None
    # A midnight datetime with no seconds and no zone is how many CMSs print a plain date.
    return _value(dt, date_only=False)


def parse_structured(raw: Any, lang: str | None, fetched_at: datetime) -> DateValue | None:
    """A structured value: ISO fast path, then a dateparser attempt for formats like
    ``"November 19, 2019, 07:47 PM EST"`` that some sites put in meta tags."""
    value = parse_iso(raw)
    if value is None and isinstance(raw, str) and 6 <= len(raw.strip()) <= 60:
        value = parse_text(raw, lang, fetched_at)
    if value is None and isinstance(raw, int | float) and 6.3e8 < raw < 4.1e9:
        value = _value(datetime.fromtimestamp(raw, UTC), date_only=False)  # epoch seconds
    return value


def normalise_text(text: str) -> str:
    """Reduce a visible date string to what dateparser reads reliably: the date (and time and
    zone) found in it, ``10h30`` -> ``10:30``, labels ("Publicado el", "il") and connectors
    ("à", "um", "às") dropped. Relative expressions ("il y a 3 heures") are kept whole."""
    text = " ".join(text.split())
    m = _VISIBLE_DATE.search(text)
    if m:
        return _snippet(m, text)
    r = _RELATIVE.search(text)
    if r:
        return _HOUR_H.sub(r"\1:\2", r.group(0))
    return _HOUR_H.sub(r"\1:\2", text).strip(" .:")


def _snippet(m: re.Match[str], text: str) -> str:
    """The matched date, its time (after it, or just before it: "Fri 6:45 PM, Feb 16, 2018")
    and its zone, as one string dateparser reads."""
    snippet = m.group("date")
    time = m.group("time")
    if not time:
        before = _TIME_BEFORE.search(text, 0, m.start())
        time = before.group("time") if before else None
    if time:
        time = re.sub(r"\s+", "", time)
        snippet += " " + re.sub(r"(\d)[h.](\d)", r"\1:\2", time)
    if m.group("tz"):
        snippet += " " + m.group("tz")
    return snippet


def parse_text(text: str, lang: str | None, fetched_at: datetime) -> DateValue | None:
    """Parse a short visible date in the page's language; relative dates use ``fetched_at``."""
    cleaned = normalise_text(text)
    if not cleaned or len(cleaned) > 60:
        return None
    base = fetched_at.astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0)
    dt = _dateparser(cleaned, lang or "", base)
    if dt is None and lang and lang != "en":
        # Sites often print English dates whatever the page language.
        dt = _dateparser(cleaned, "en", base)
    if dt is None and _TRAILING_ZONE.search(cleaned):
        cleaned = _TRAILING_ZONE.sub("", cleaned)  # a zone name dateparser does not know
        dt = _dateparser(cleaned, lang or "", base)
    if dt is None:
        return None
    if not _HAS_YEAR.search(cleaned) and not _has_month_day(cleaned):
        if _HAS_TIME.search(cleaned):
            # "Hoy, 14:30": a clock time on the site's own wall clock, zone unknown -> naive.
            return _value(dt.replace(tzinfo=None), date_only=False)
        return _relative(dt, base)
    date_only = not _HAS_TIME.search(cleaned)
    return _value(dt, date_only=date_only)


def _has_month_day(text: str) -> bool:
    """ "21 de marzo" (no year) is absolute; "hace 2 días" is relative. Digits + a long word that
    is not a time unit is the cheap tell."""
    return bool(re.search(r"\d{1,2}\.?\s+(?:de\s+)?[^\W\d_]{3,}", text)) and not re.search(
        r"\b(?:ago|hace|vor|fa|há|il\s+y\s+a|hours?|minut|second|stunde|heure|ora|ore|hora|dia|día|day|tag|jour|giorn)",
        text,
        re.I,
    )


def _relative(dt: datetime, base: datetime) -> DateValue:
    delta = base - dt
    if delta.total_seconds() % 86400 == 0:
        return _value(dt, date_only=True)  # "hace 2 días", "yesterday": the day is all we know
    return _value(dt.replace(tzinfo=UTC), date_only=False)


# dateparser returns an aware datetime exactly when the string names a zone: what we want.
_SETTINGS_BASE: dict[str, Any] = {"PREFER_DATES_FROM": "past"}


@lru_cache(maxsize=2048)
def _dateparser(text: str, lang: str, base: datetime) -> datetime | None:
    import dateparser

    settings = dict(_SETTINGS_BASE, RELATIVE_BASE=base)
    try:
        return dateparser.parse(text, languages=[lang or "en"], settings=settings)
    except Exception:  # unknown language code, or a string dateparser's internals choke on
        return None


def plausible(value: DateValue | None, fetched_at: datetime) -> bool:
    """Not before 1990, not after the fetch (with a tolerance for the zone a naive value hides)."""
    if value is None:
        return False
    if value.moment.year < MIN_YEAR:
        return False
    tolerance = _NAIVE_TOLERANCE if value.naive else _AWARE_TOLERANCE
    if value.date_only:
        return value.moment.date() <= (fetched_at.astimezone(UTC) + tolerance).date()
    return value.moment <= fetched_at.astimezone(UTC) + tolerance


def not_before(modified: DateValue, published: DateValue) -> bool:
    """``modified`` is at or after ``published`` (compared at the coarser of the two precisions)."""
    if modified.date_only or published.date_only:
        return modified.moment.date() >= published.moment.date()
    if modified.naive != published.naive:
        # One side's zone is unknown: only a difference beyond any zone offset counts.
        return modified.moment >= published.moment - _NAIVE_TOLERANCE
    return modified.moment >= published.moment


# -- dates in URLs ------------------------------------------------------------------------------

_URL_DATE = (
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$|[-_])"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})-(\d{2})(?:/|$|[-_])"),
    re.compile(r"[/_-]((?:19|20)\d{2})(\d{2})(\d{2})(?:/|$|[-_.])"),
)


def date_from_url(url: str | None) -> DateValue | None:
    """``/2024/03/21/`` and friends, as a date. Year-month paths are not a date and are ignored."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    for pattern in _URL_DATE:
        m = pattern.search(path)
        if not m:
            continue
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
        return _value(datetime(d.year, d.month, d.day), date_only=True)
    return None


# -- dates in the visible page -----------------------------------------------------------------

_MONTHISH = r"[^\W\d_]{3,11}\.?"
_TIME = (
    r"(?:\s*(?:,|\||·|-|–|—|@)?\s*(?:at|à|a\s+las|a\s+les|alle|ore|um|às|as|kl\.?)?\s*@?\s*"
    r"(?P<time>\d{1,2}\s*[:h.]\s*\d{2}(?:[:.]\d{2})?(?:\s*[ap]\.?\s?m\.?)?)(?:\s*uhr|\s*h\b)?"
    # Zone names are upper case: matched case-sensitively, so "post" is not a zone.
    r"(?:\s*(?P<tz>(?-i:(?:UTC|GMT)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2}|[A-Z]{1,4}T|"
    r"CET|CEST|MEZ|MESZ|BST|WET|EET)\b))?)?"
)
_TIME_BEFORE = re.compile(
    r"(?P<time>\b\d{1,2}\s*[:h.]\s*\d{2}(?:\s*[ap]\.?\s?m\.?)?)(?:\s*uhr|\s*h\b)?\s*[,|·–—-]?\s*$",
    re.I,
)
_VISIBLE_DATE = re.compile(
    r"(?P<date>"
    r"\d{1,2}\.?\s+(?:de\s+)?"
    + _MONTHISH
    + r",?\s+(?:de\s+|del\s+)?(?:19|20)\d{2}"  # 21 de marzo de 2024
    r"|" + _MONTHISH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}"  # March 21, 2024
    r"|\d{1,2}[./]\d{1,2}[./](?:19|20)\d{2}"  # 21/03/2024, 21.03.2024
    r"|(?:19|20)\d{2}-\d{2}-\d{2}"  # 2024-03-21
    r")" + _TIME,
    re.I,
)
_RELATIVE = re.compile(
    r"\b(?:(?:hace|vor|há|il\s+y\s+a)\s+(?:\d+|un|una|uno|einer?|um|uma|une?)\s+\w+"
    r"|\d+\s+\w+\s+(?:ago|fa)"
    r"|an?\s+(?:hour|minute|day|week)\s+ago"
    r"|(?:yesterday|ayer|ieri|hier|gestern|ontem|today|hoy|oggi|aujourd'hui|heute|hoje)"
    r"(?:,?\s*(?:at|a\s+las|alle|ore|um|à|às|as)?\s*\d{1,2}[:h.]\d{2}(?:\s*[ap]\.?m\.?)?)?)"
    r"(?!\w)",
    re.I,
)
_UPDATED_LABEL = re.compile(
    r"\b(?:updated?|last\s+modified|actualiza(?:do|da|ción)|aggiornat[oa]|mis\s+à\s+jour|"
    r"modifié|aktualisiert|geändert|atualizad[oa]|modificado)\b",
    re.I,
)
# class/id fragments of elements that hold a date ("post-date", "entry-meta", "byline").
DATEISH_MARKERS = re.compile(
    r"date|time|fecha|datum|publi|posted|byline|meta|dateline|firma|autor|author", re.I
)
# Whole class tokens (or their dash/underscore parts): "node--promoted" is not a promo box.
_SKIP_ANCESTORS = re.compile(
    r"(?:^|[\s_-])(?:comments?|related|recommended|recommendations?|sidebar|widgets?|footer|"
    r"teasers?|more|popular|trending|newsletter|promo|nav|navbar|navigation|menu|breadcrumbs?|"
    r"share|sharing|social)(?:$|[\s_-])",
    re.I,
)


@dataclass(frozen=True)
class VisibleDate:
    text: str  # the date string as found (normalised: date + time + zone)
    iso_attr: str | None  # a machine-readable value next to it (``<time datetime>``), if any
    updated: bool  # labelled "Updated"/"Actualizado"/...: a modification date
    position: int  # document-order index of the element (for distance to the headline)


def visible_date_candidates(tree: Any, marked: list[Any], limit: int = 12) -> list[VisibleDate]:
    """Short date strings in ``<time>`` elements and in ``marked`` elements (class/id matching
    ``DATEISH_MARKERS``), outside comments, related-article lists, navigation and footers."""
    found: list[VisibleDate] = []
    seen: set[int] = set()
    elements = sorted(dict.fromkeys([*marked[:80], *tree.iter("time")]), key=_position)
    for el in elements:
        if len(found) >= limit:
            break
        if any(id(a) in seen for a in el.iterancestors()) and el.tag != "time":
            continue  # an ancestor already gave its text
        if el.tag != "time" and el.find(".//time[@datetime]") is not None:
            continue  # the <time datetime> inside says it exactly
        text = element_text(el)
        attr = el.get("datetime") if el.tag == "time" else None
        if el.tag == "abbr" and parse_iso(el.get("title")):
            attr = el.get("title")  # hAtom: <abbr class="published" title="2024-...">
        if not attr and (not text or len(text) > 160):
            continue
        if in_page_furniture(el):
            continue
        classes = " ".join((e.get("class") or "") for e in (el, *_ancestors(el, 2))).lower()
        parent = el.getparent()
        label = ((parent.text or "") if parent is not None else "") + " " + text[:40]
        updated = bool(_UPDATED_LABEL.search(label)) or (
            ("updat" in classes or "modif" in classes) and "publi" not in classes
        )
        pos = _position(el)
        before_count = len(found)
        if attr:
            found.append(VisibleDate(text, attr, updated, pos))
            seen.add(id(el))
            continue
        for m in _VISIBLE_DATE.finditer(text):
            snippet = _snippet(m, text)
            before = text[: m.start()]
            upd = bool(_UPDATED_LABEL.search(before[-40:])) if before else updated
            found.append(VisibleDate(snippet, None, upd, pos))
        if not _VISIBLE_DATE.search(text):
            r = _RELATIVE.search(text)
            if r and len(text) <= 80:
                found.append(VisibleDate(r.group(0), None, updated, pos))
        if len(found) > before_count:
            seen.add(id(el))  # its descendants would only repeat the same date
    return found


def element_text(el: Any) -> str:
    """Text of an element, whitespace-collapsed, with a space at block boundaries:
    ``text_content()`` glues "Ríos</p><span>hace" into "Ríoshace", while inline markup
    ("<i>Yersinia</i>, the") must stay glued."""
    parts: list[str] = []
    _collect_text(el, parts)
    return " ".join("".join(parts).split())


_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
     "section", "article", "header", "footer", "time", "span", "td", "th", "tr", "figcaption",
     "address", "blockquote", "button"}
)  # fmt: skip


def _collect_text(el: Any, parts: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in ("script", "style", "template"):
        return
    block = tag in _BLOCK_TAGS
    if block:
        parts.append(" ")
    if el.text:
        parts.append(el.text)
    for child in el:
        _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)
    if block:
        parts.append(" ")


def _ancestors(el: Any, n: int) -> list[Any]:
    out = []
    for a in el.iterancestors():
        out.append(a)
        if len(out) >= n:
            break
    return out


def in_page_furniture(el: Any) -> bool:
    """Inside navigation, a footer, an aside, comments or a related-articles block.

    Only the ancestors up to the enclosing ``<article>``/``<main>`` count: above it sit layout
    wrappers ("right-sidebar", "sticky-sidebar" themes) that hold the article itself.
    """
    for depth, a in enumerate(el.iterancestors()):
        if a.tag in ("body", "html"):
            return False  # body classes describe the page ("mob-menu-open"), not a region
        if a.tag in ("nav", "footer", "aside"):
            return True
        if _SKIP_ANCESTORS.search((a.get("class") or "") + " " + (a.get("id") or "")):
            return True
        if a.tag in ("article", "main") or depth >= 8:
            return False
    return False


def _position(el: Any) -> int:
    line = getattr(el, "sourceline", None)
    return line if isinstance(line, int) else 0
