"""Text views of an article used by dedup: tokens, content stems, sentences, numbers, names, quotes.

Everything here is language-light on purpose: copies are recognised across outlets writing in
English, Spanish, Italian, French, German, Portuguese and Russian, and nothing may download a
model at run time. "Content stems" are lowercased words minus a small multilingual stopword list,
cut to their first :data:`STEM_LEN` characters — a crude lemmatiser that makes "campaigns" /
"campaign", "children's" / "children" and Russian case endings meet, which is what a paraphrase
or a machine translation back into English mostly changes.

Token ids are 64-bit xxhash values (stable across processes and machines, so they can be stored),
cached per process because news vocabulary is Zipfian.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import xxhash

STEM_LEN = 5

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.,])\d[\d.,]*\d|(?<![\w.,])\d")
_SENT_SPLIT = re.compile(r"(?<=[.!?…])[\"”»’)]*\s+(?=[\"“«‘(]?[A-ZÀ-ÖØ-ÞА-ЯЁ0-9])")
_QUOTE = re.compile(r"[“«„\"]([^”»“\"]{12,})[”»“\"]")

# Function words of the languages the crawl covers. Small on purpose: only words that carry no
# topic and that paraphrasers freely add, drop or swap.
_STOPWORDS_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just me
more most my myself no nor not now of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they this
those through to too under until up very was we were what when where which while who whom why will
with would you your yours yourself yourselves said says say saying according while however
additionally also moreover furthermore new one two
el la los las un una unos unas y o de del al en con por para que se su sus es son fue ha han como
más pero sin sobre entre este esta estos estas ese esa lo le les ya muy también
il lo la gli le un uno una e o di da in con su per tra fra che si suo sua è sono ha hanno come più
ma anche questo questa del della dei delle al alla nel nella
le la les un une des et ou de du au aux en avec par pour que qui se son sa ses est sont a ont comme
plus mais sans sur dans ce cette ces il elle ils elles
der die das ein eine einer eines und oder von zu mit für auf ist sind hat haben wie auch nicht den
dem des im am es sich sie er
o a os as um uma e ou de do da dos das em no na nos nas com por para que se seu sua é são tem como
mais mas também
и в во не на с со что как а но по к ко из у за от для о об это то же бы ли был была были быть
его ее её их он она они мы вы я ты так уже еще ещё при до после также который которая которые
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())

_hash_cache: dict[str, int] = {}
_HASH_CACHE_MAX = 500_000


def token_hash(token: str) -> int:
    """Stable 63-bit id of a token (cached; the cache is cleared when it grows too large)."""
    h = _hash_cache.get(token)
    if h is None:
        if len(_hash_cache) >= _HASH_CACHE_MAX:
            _hash_cache.clear()
        h = xxhash.xxh64_intdigest(token.encode("utf-8")) >> 1
        _hash_cache[token] = h
    return h


def normalise(text: str) -> str:
    """Unicode-normalised, lowercased text (quotes and apostrophes unified)."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("’", "'").replace("‘", "'").lower()


def words(text: str) -> list[str]:
    """Lowercased word tokens."""
    return _WORD.findall(normalise(text))


def stems(tokens: list[str]) -> list[str]:
    """Content stems: stopwords and 1-letter tokens dropped, each cut to STEM_LEN characters."""
    out = []
    for t in tokens:
        if len(t) < 2 or t in STOPWORDS:
            continue
        if "'" in t:  # children's -> children, l'azienda -> azienda
            head, _, tail = t.partition("'")
            t = tail if len(head) <= 2 else head
            if len(t) < 2 or t in STOPWORDS:
                continue
        out.append(t[:STEM_LEN])
    return out


def stem_ids(text: str) -> list[int]:
    """Content-stem ids of a text, in order."""
    return [token_hash(s) for s in stems(words(text))]


def split_sentences(body: str) -> list[str]:
    """Sentences of a body (paragraph breaks always end a sentence)."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n|\n", body):
        para = para.strip()
        if para:
            out.extend(s for s in _SENT_SPLIT.split(para) if s.strip())
    return out


def numbers(text: str) -> set[str]:
    """Numbers as written without thousands separators ("55,000" and "55.000" -> "55000")."""
    out = set()
    for m in _NUMBER.findall(text):
        digits = re.sub(r"[.,](?=\d{3}\b)", "", m)
        out.add(digits.replace(",", "."))
    return out


def quotes(text: str) -> list[str]:
    """Quoted passages (at least 12 characters), the material independent write-ups share."""
    return [m.group(1) for m in _QUOTE.finditer(text)]


def normalised_body_hash(body: str) -> int:
    """Hash of the body's word sequence: equal for reposts that differ only in spacing/case/punctuation."""
    return xxhash.xxh64_intdigest(" ".join(words(body)).encode("utf-8")) >> 1


@dataclass(slots=True)
class TextFeatures:
    """Everything dedup needs to know about one article's text, computed once.

    ``sentences`` holds, per body sentence, the ids of its *wording* stems: content stems minus
    names (capitalised words not opening the sentence) and numbers. Independent write-ups of one
    event name the same people, places and figures in every sentence; what they do not share is
    the wording around them, which a copy keeps even when reworded. Sentences with fewer than
    :data:`MIN_SENT_STEMS` such stems are left out. ``narrative`` flags the sentences that are not
    mostly quotation — shared quotes are the other thing independent write-ups have in common.
    """

    title: frozenset[int]
    stems: np.ndarray  # unique content-stem ids of title+body, names included (uint64)
    stem_count: int  # content stems in the body, with repeats
    sentences: list[frozenset[int]]
    narrative: list[bool]
    numbers: frozenset[str]
    names: frozenset[str]
    body_hash: int = 0


MIN_SENT_STEMS = 4


def _stem(token: str) -> str | None:
    """Content stem of a lowercased token, or None for stopwords and 1-letter tokens."""
    if len(token) < 2 or token in STOPWORDS:
        return None
    if "'" in token:  # children's -> children, l'azienda -> azienda
        head, _, tail = token.partition("'")
        token = tail if len(head) <= 2 else head
        if len(token) < 2 or token in STOPWORDS:
            return None
    return token[:STEM_LEN]


def features(title: str | None, body: str) -> TextFeatures:
    """Compute the text features of one article in one pass over its sentences."""
    body = unicodedata.normalize("NFKC", body).replace("’", "'").replace("‘", "'")
    sents = split_sentences(body)
    tokenised = [_WORD.findall(s) for s in sents]
    # Languages that capitalise every noun (German) would lose their wording to the name rule.
    # German capitalises every noun: there a capital says nothing about names.
    low_tokens = [t.lower() for toks in tokenised for t in toks]
    german = sum(1 for t in low_tokens if t in _GERMAN_MARKERS)
    names_are_caps = german < 0.04 * max(1, len(low_tokens))
    th = token_hash
    all_ids: list[int] = []
    sent_sets: list[frozenset[int]] = []
    narrative: list[bool] = []
    name_set: set[str] = set()
    for s, toks in zip(sents, tokenised, strict=True):
        wording: list[int] = []
        for k, tok in enumerate(toks):
            low = tok.lower()
            st = _stem(low)
            if st is None:
                continue
            h = th(st)
            all_ids.append(h)
            if tok[0].isdigit():
                continue
            if k and tok[0].isupper():
                name_set.add(low[: STEM_LEN + 2])
                if names_are_caps:
                    continue
            wording.append(h)
        ws = frozenset(wording)
        if len(ws) < MIN_SENT_STEMS:
            continue
        sent_sets.append(ws)
        if '"' in s or "“" in s or "«" in s:
            quoted = sum(len(q) for q in quotes(s))
            narrative.append(quoted < 0.5 * len(s))
        else:
            narrative.append(True)
    title_ids = frozenset(stem_ids(title or ""))
    uniq = np.fromiter(set(all_ids) | title_ids, dtype=np.uint64)
    return TextFeatures(
        title=title_ids,
        stems=uniq,
        stem_count=len(all_ids),
        sentences=sent_sets,
        narrative=narrative,
        numbers=frozenset(n for n in numbers(body) if n not in _TRIVIAL_NUMBERS),
        names=frozenset(name_set),
        body_hash=normalised_body_hash(body),
    )


_TRIVIAL_NUMBERS = frozenset("0123456789")
_GERMAN_MARKERS = frozenset("der die das und ist nicht mit sich auch dem des ein eine einen wird werden".split())
