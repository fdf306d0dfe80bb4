"""Text views of an article used by dedup: content stems, sentences, numbers, names, quotes.

Everything here is language-light on purpose: copies are recognised across outlets writing in
English, Spanish, Italian, French, German, Portuguese and Russian, and nothing may download a
model at run time. "Content stems" are lowercased words minus a small multilingual stopword list,
cut to their first :data:`STEM_LEN` characters — a crude lemmatiser that makes "campaigns" /
"campaign", "children's" / "children" and Russian case endings meet, which is what a paraphrase
or a machine translation back into English mostly changes.

Speed matters (the index must beat a plain MinHash baseline several times over while doing much
more), so tokens are hashed with numpy, not one Python call per token: each sentence's words are
found with one regex call, the words of a whole article go into one fixed-width unicode array,
and stems, stopword tests, capitalisation and ids are computed column-wise on its code points.
Ids are 63-bit, stable across processes and machines (they are stored in the index).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
import xxhash

STEM_LEN = 5
NAME_LEN = 7
_WIDTH = 7  # code points kept per token (stems use 5, name keys 7)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NUMBER = re.compile(r"\d[\d.,]*\d|\d")
_SENT_SPLIT = re.compile(r"(?<=[.!?…])[\"”»'’)]*\s+(?=[\"“«‘(]?[A-ZÀ-ÖØ-ÞА-ЯЁ0-9])")
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

_GERMAN_MARKERS = frozenset(["der", "die", "das", "und", "ist", "nicht", "mit", "sich", "auch", "dem", "des", "ein", "eine", "einen", "wird", "werden"])
_TRIVIAL_NUMBERS = frozenset("0123456789")
MIN_SENT_STEMS = 4

_MASK63 = np.uint64((1 << 63) - 1)
_POS_MULT = (np.random.default_rng(1234).integers(1, 2**63, size=_WIDTH, dtype=np.uint64)
             * np.uint64(2) + np.uint64(1))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: turns the linear code-point hash into well-spread 63-bit ids."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return x & _MASK63


_ZERO = frozenset((0,))


def _code_hashes(codes: np.ndarray) -> tuple[None, np.ndarray, np.ndarray]:
    """(unused, stem, name-key) ids from one product matrix over the first NAME_LEN code points."""
    with np.errstate(over="ignore"):
        prod = codes[:, :NAME_LEN].astype(np.uint64) * _POS_MULT[None, :NAME_LEN]
        stem = prod[:, :STEM_LEN].sum(axis=1, dtype=np.uint64)
        name = stem + prod[:, STEM_LEN:].sum(axis=1, dtype=np.uint64)
    return None, _mix(stem), _mix(name)


def _codes(tokens: list[str]) -> np.ndarray:
    arr = np.array(tokens, dtype=f"<U{_WIDTH}") if tokens else np.zeros(0, dtype=f"<U{_WIDTH}")
    return arr.view(np.uint32).reshape(len(tokens), _WIDTH)


def _word_keys(words: list[str]) -> np.ndarray:
    """Sorted lookup keys of a word list: see :func:`_lookup_key`."""
    codes = _codes(words)
    _, stem, _ = _code_hashes(codes)
    return np.sort(_lookup_key(stem, np.fromiter(map(len, words), dtype=np.int64, count=len(words))))


def _lookup_key(stem: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Word identity for function-word tests: 5-letter stem id plus length. (No content word
    shares both with a listed function word; full-word hashing would cost twice as much.)"""
    return stem ^ length.astype(np.uint64)


_STOP_KEYS = _word_keys(sorted(STOPWORDS))
_GERMAN_KEYS = _word_keys(sorted(_GERMAN_MARKERS))


def split_sentences(body: str) -> list[str]:
    """Sentences of a body (line breaks always end a sentence); used for display and tests."""
    out: list[str] = []
    for para in body.splitlines():
        para = para.strip()
        if para:
            out.extend(s for s in _SENT_SPLIT.split(para) if s.strip())
    return out


def numbers(text: str) -> set[str]:
    """Numbers as written without thousands separators ("55,000" and "55.000" -> "55000")."""
    out = set()
    for m in _NUMBER.findall(text):
        if len(m) > 3:
            m = re.sub(r"[.,](?=\d{3}\b)", "", m)
        out.add(m.replace(",", "."))
    return out


def quotes(text: str) -> list[str]:
    """Quoted passages (at least 12 characters), the material independent write-ups share."""
    return [m.group(1) for m in _QUOTE.finditer(text)]


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
    stems: np.ndarray  # content-stem ids of title+body, names included, with repeats (uint64)
    stem_count: int  # content stems in the body, with repeats
    sentences: list[frozenset[int]]
    narrative: list[bool]
    numbers: frozenset[str]
    names: frozenset[int]
    body_hash: int = 0
    inverted: dict[int, list[int]] | None = None  # stem -> sentence numbers, built on first use


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")


def normalised_body_hash(body: str) -> int:
    """Hash of the body's word sequence: equal for reposts differing only in spacing/case/punctuation."""
    return xxhash.xxh64_intdigest(" ".join(_cut(_normalise(body).lower())).encode("utf-8")) >> 1


def features(title: str | None, body: str) -> TextFeatures:
    """Text features of one article (see :func:`features_batch`)."""
    return features_batch([(title, body)])[0]




def _member(ids: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    pos = np.searchsorted(sorted_set, ids).clip(max=len(sorted_set) - 1)
    return sorted_set[pos] == ids


# Mark tokens (single control characters, so never content): sentence end, quotation mark,
# line break, start of a document, end of its title.
_SENT_END, _QMARK, _LINE, _DOC, _TITLE_END = "\x01", "\x02", "\x03", "\x04", "\x05"
_PUNCT = "!#$%&()*+,-./:;<=>?@[\\]^_`{|}~–—…·•€£¥©®™‘’‚‛′″"
# One-character mappings keep str.translate on its fast path; the markers are then padded with
# spaces by str.replace so that split() makes them tokens of their own.
_TRANSLATE = str.maketrans({**{c: " " for c in _PUNCT},
                            **{c: _SENT_END for c in ".!?…"},
                            **{c: _QMARK for c in "\"“”«»„"}})
_ABBREVIATIONS = frozenset(["mr", "mrs", "ms", "dr", "st", "jr", "sr", "no", "vs", "inc", "co", "corp", "ltd", "gen", "gov", "sen", "rep", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"])
_ABBREV_KEYS = _word_keys(sorted(_ABBREVIATIONS))


def _cut(text: str) -> list[str]:
    return text.translate(_TRANSLATE).replace(_SENT_END, f" {_SENT_END} ").replace(_QMARK, f" {_QMARK} ").split()


def stem_ids(text: str) -> np.ndarray:
    """Content-stem ids of a short text (a title), in order."""
    low = [t for t in _cut(_normalise(text).lower()) if len(t) > 1 or t.isalnum()]
    if not low:
        return np.zeros(0, dtype=np.uint64)
    codes = _codes(low)
    _, stem, _ = _code_hashes(codes)
    key = _lookup_key(stem, np.fromiter(map(len, low), dtype=np.int64, count=len(low)))
    return stem[(codes[:, 1] != 0) & ~_member(key, _STOP_KEYS)]


def _merge_numbers(tokens: list[str]) -> set[str]:
    """Numbers from consecutive digit tokens: "55", "000" (from "55,000") -> "55000"."""
    out: set[str] = set()
    cur = ""
    for t in tokens:
        if cur and len(t) == 3 and t.isdigit():
            cur += t
            continue
        if cur:
            out.add(cur)
        cur = t if t[:1].isdigit() else ""
    if cur:
        out.add(cur)
    return out - _TRIVIAL_NUMBERS


def features_batch(docs: list[tuple[str | None, str]]) -> list[TextFeatures]:
    """Text features of many articles at once.

    Python only cuts each text into tokens (C-level ``translate``/``split``, with sentence-end,
    quotation, line and document marks as tokens of their own); everything per token — stems,
    stopword tests, capitalisation, sentence boundaries (".!?" before a capital, not after a
    single letter or a common abbreviation; every line break), quotation spans — is column-wise
    numpy over the whole batch. Python then builds one small set per sentence.
    """
    cased: list[str] = []
    for title, body in docs:
        cased.append(_DOC)
        cased.extend(_cut(_normalise(title or "")))
        cased.append(_TITLE_END)
        cased.extend(_cut(_normalise(body).replace("\n", f" {_LINE} ")))
    cased.append(_DOC)
    low = " ".join(cased).lower().split()
    if len(low) != len(cased):
        low = [t.lower() for t in cased]
    n = len(cased)
    codes = _codes(low)
    _, stem, name_id = _code_hashes(codes)
    key = _lookup_key(stem, np.fromiter(map(len, low), dtype=np.int64, count=n))
    lead = codes[:, 0]
    multi = codes[:, 1] != 0
    is_mark = (lead <= 5) & ~multi
    content = multi & ~_member(key, _STOP_KEYS)
    cap = np.array(cased, dtype="<U1").view(np.uint32) != lead
    digit = (lead >= 48) & (lead <= 57)

    is_word = ~is_mark
    words_idx = np.flatnonzero(is_word)
    # For each word, which marks lie between it and the previous word?
    hard_c = np.cumsum(is_mark & (lead >= 3))  # line break, document start, title end
    end_c = np.cumsum(is_mark & (lead == 1))  # . ! ?
    prev_w = np.empty_like(words_idx)
    prev_w[0:1] = 0
    prev_w[1:] = words_idx[:-1]
    hard = hard_c[words_idx] > hard_c[prev_w]
    soft = ((end_c[words_idx] > end_c[prev_w]) & cap[words_idx] & multi[prev_w]
            & ~_member(key[prev_w], _ABBREV_KEYS))
    starts = np.zeros(n, dtype=bool)
    starts[words_idx] = hard | soft
    sent_id = np.cumsum(starts)  # sentence number of every token
    # quotation: inside when an odd number of quote marks precede the word within its line
    q = np.cumsum(is_mark & (lead == 2))
    line_start_q = np.maximum.accumulate(np.where(is_mark & (lead >= 3), q, 0))
    inside = ((q - line_start_q) % 2 == 1) & is_word
    opener = starts  # first word of a sentence: capitalised for grammar, not a name
    namecand = content & cap & ~opener & ~digit

    sid = sent_id[words_idx]
    sent_first = np.flatnonzero(np.diff(sid, prepend=-1))  # positions in words_idx
    sent_len = np.diff(np.append(sent_first, len(words_idx)))
    sent_quoted = np.add.reduceat(inside[words_idx], sent_first) if len(sent_first) else np.zeros(0)
    sent_tok_start = words_idx[sent_first] if len(sent_first) else np.zeros(0, dtype=np.int64)
    sent_tok_end = np.append(sent_tok_start[1:], n)

    doc_pos = np.flatnonzero(lead == 4)[:-1] if n else np.zeros(0, dtype=np.int64)
    doc_pos = doc_pos[~multi[doc_pos]]
    title_end = np.flatnonzero(is_mark & (lead == 5))
    # sentences belonging to each doc: those starting between its title end and the next doc mark
    doc_bounds = np.append(doc_pos, n)
    first_sent = np.searchsorted(sent_tok_start, title_end, side="left")
    last_sent = np.searchsorted(sent_tok_start, doc_bounds[1:], side="left")

    zero = np.zeros(1, dtype=np.int64)
    c_content = np.concatenate([zero, np.cumsum(content)]).tolist()
    c_names = np.concatenate([zero, np.cumsum(namecand)]).tolist()
    c_german = np.concatenate([zero, np.cumsum(_member(key, _GERMAN_KEYS))]).tolist()
    c_words = np.concatenate([zero, np.cumsum(is_word)]).tolist()
    stems_f = stem[content]
    names_f = name_id[namecand]
    word_any = np.where(content & ~digit, stem, np.uint64(0)).tolist()
    word_no_names = np.where(content & ~digit & ~namecand, stem, np.uint64(0)).tolist()
    digit_pos = np.flatnonzero(digit & is_word)
    digit_l = digit_pos.tolist()
    starts_l = sent_tok_start.tolist()
    ends_l = sent_tok_end.tolist()
    quoted_l = (sent_quoted * 2 > sent_len).tolist()
    fs, ls = first_sent.tolist(), last_sent.tolist()
    dp, te, db = doc_pos.tolist(), title_end.tolist(), doc_bounds.tolist()

    out: list[TextFeatures] = []
    for d in range(len(docs)):
        t0, b0, b1 = dp[d], te[d], db[d + 1]
        n_words = c_words[b1] - c_words[b0]
        names_are_caps = c_german[b1] - c_german[b0] < 0.04 * max(1, n_words)
        wl = word_no_names if names_are_caps else word_any
        title_ids = stems_f[c_content[t0]:c_content[b0]]
        body_stems = stems_f[c_content[b0]:c_content[b1]]
        sent_sets: list[frozenset[int]] = []
        narrative: list[bool] = []
        for k in range(fs[d], ls[d]):
            ws = frozenset(wl[starts_l[k]:ends_l[k]]) - _ZERO
            if len(ws) >= MIN_SENT_STEMS:
                sent_sets.append(ws)
                narrative.append(not quoted_l[k])
        lo, hi = bisect_left(digit_l, b0), bisect_left(digit_l, b1)
        out.append(TextFeatures(
            title=frozenset(title_ids.tolist()),
            stems=np.concatenate([body_stems, title_ids]),
            stem_count=int(body_stems.size),
            sentences=sent_sets,
            narrative=narrative,
            numbers=frozenset(_merge_numbers([low[i] for i in digit_l[lo:hi]])),
            names=frozenset(names_f[c_names[b0]:c_names[b1]].tolist()),
            body_hash=xxhash.xxh64_intdigest(codes[b0:b1].tobytes()) >> 1,
        ))
    return out
