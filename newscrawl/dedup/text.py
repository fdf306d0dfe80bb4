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

    ``sent_src`` / ``sent_bounds`` hold, per kept body sentence, the ids of its *wording* stems: content stems minus
    names (capitalised words not opening the sentence) and numbers. Independent write-ups of one
    event name the same people, places and figures in every sentence; what they do not share is
    the wording around them, which a copy keeps even when reworded. Sentences with fewer than
    :data:`MIN_SENT_STEMS` such stems are left out. ``narrative`` flags the sentences that are not
    mostly quotation — shared quotes are the other thing independent write-ups have in common.
    """

    title: frozenset[int]
    stems: np.ndarray  # content-stem ids of title+body, names included, with repeats (uint64)
    stem_count: int  # content stems in the body, with repeats
    sent_keys: np.ndarray  # (sentences × SENT_BANDS) LSH keys of the kept sentences
    narrative: list[bool]
    numbers: frozenset[str]
    names: frozenset[int]
    body_hash: int = 0
    sent_src: np.ndarray | None = None  # wording ids of the kept sentences, back to back
    sent_bounds: list[int] | None = None  # offsets of each kept sentence in sent_src
    inverted: tuple | None = None  # sentence table for alignment (verify.py), built on first use
    doc_keys: np.ndarray | None = None  # entity-view LSH keys (index.py), when computed ahead
    _unique: np.ndarray | None = None

    @property
    def unique_stems(self) -> np.ndarray:
        """Sorted distinct content stems (for containment), computed on first use."""
        if self._unique is None:
            self._unique = np.unique(self.stems)
        return self._unique

    def entity_ids(self) -> np.ndarray:
        """Names and numbers as one id set: what every copy keeps, however reworded."""
        ids = set(self.names)
        ids.update(xxhash.xxh64_intdigest(n.encode("ascii", "replace")) >> 1 for n in self.numbers)
        return np.fromiter(ids, dtype=np.uint64, count=len(ids))


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")


def normalised_body_hash(body: str) -> int:
    """Hash of the body's word sequence: equal for reposts differing only in spacing/case/punctuation."""
    return xxhash.xxh64_intdigest(" ".join(_cut(_normalise(body).lower())).encode("utf-8")) >> 1


def features(title: str | None, body: str) -> TextFeatures:
    """Text features of one article (see :func:`features_batch`)."""
    return features_batch([(title, body)])[0]




# Mark tokens (single control characters, so never content): sentence end, quotation mark,
# line break, start of a document, end of its title.
_SENT_END, _QMARK, _LINE, _DOC, _TITLE_END = "\x01", "\x02", "\x03", "\x04", "\x05"
_PUNCT = "!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~–—…·•€£¥©®™‘’‚‛′″"
# One-character mappings keep str.translate on its fast path; the markers are then padded with
# spaces by str.replace so that split() makes them tokens of their own.
_TRANSLATE = str.maketrans({**{c: " " for c in _PUNCT},
                            **{c: _SENT_END for c in ".!?…"},
                            **{c: _QMARK for c in "\"“”«»„"}})
_ABBREVIATIONS = frozenset(["mr", "mrs", "ms", "dr", "st", "jr", "sr", "no", "vs", "inc", "co", "corp", "ltd", "gen", "gov", "sen", "rep", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"])


def _cut(text: str) -> list[str]:
    return text.translate(_TRANSLATE).replace(_SENT_END, f" {_SENT_END} ").replace(_QMARK, f" {_QMARK} ").split()


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


class _Vocabulary:
    """Per-process table of every distinct token seen, with its properties as numpy columns.

    News vocabulary is Zipfian, so after a few hundred articles almost every token is already
    here: a batch then costs one dict lookup per token (``map`` over the token list, C speed)
    plus fancy indexing, instead of lowercasing, hashing and set tests per token. Ids stored
    in the index (stems, names, body hashes) are xxhash values of the token text, so they are
    stable across processes; the table row numbers are not and never leave the process.
    """

    COLUMNS = ("stem", "name", "full", "lead", "multi", "content", "cap", "digit", "german", "abbrev")

    def __init__(self, limit: int = 2_000_000) -> None:
        self.limit = limit
        self._reset()

    def _reset(self) -> None:
        self.index: dict[str, int] = {}
        self.size = 0
        self.cap_rows = 0
        self.cols: dict[str, np.ndarray] = {}
        self._grow(1 << 16)

    def _grow(self, rows: int) -> None:
        dtypes = {"stem": np.uint64, "name": np.uint64, "full": np.uint64, "lead": np.uint32}
        new = {c: np.zeros(rows, dtype=dtypes.get(c, np.bool_)) for c in self.COLUMNS}
        for c, arr in self.cols.items():
            new[c][: self.size] = arr[: self.size]
        self.cols, self.cap_rows = new, rows

    def rows(self, tokens: list[str]) -> np.ndarray:
        missing = set(tokens).difference(self.index)  # C-level set work, no Python loop per token
        if missing:
            if self.size + len(missing) > self.limit:
                self._reset()
                missing = set(tokens)
            self._add(missing)
        return np.fromiter(map(self.index.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def _add(self, tokens: set[str]) -> None:
        need = self.size + len(tokens)
        if need > self.cap_rows:
            self._grow(max(need, 2 * self.cap_rows))
        h = xxhash.xxh64_intdigest
        c = self.cols
        for tok in tokens:
            i = self.size
            low = tok.lower()
            c["stem"][i] = h(low[:STEM_LEN].encode("utf-8")) >> 1
            c["name"][i] = h(low[:NAME_LEN].encode("utf-8")) >> 1
            c["full"][i] = h(low.encode("utf-8")) >> 1
            c["lead"][i] = ord(tok[0])
            c["multi"][i] = len(tok) > 1
            c["content"][i] = len(tok) > 1 and low not in STOPWORDS
            c["cap"][i] = tok[0] != low[0]
            c["digit"][i] = tok[0].isdigit()
            c["german"][i] = low in _GERMAN_MARKERS
            c["abbrev"][i] = low in _ABBREVIATIONS
            self.index[tok] = i
            self.size += 1

    def column(self, name: str, rows: np.ndarray) -> np.ndarray:
        return self.cols[name][rows]


_VOCAB = _Vocabulary()


def stem_ids(text: str) -> np.ndarray:
    """Content-stem ids of a short text (a title), in order."""
    toks = [t for t in _cut(_normalise(text)) if t[0] > _TITLE_END]
    if not toks:
        return np.zeros(0, dtype=np.uint64)
    rows = _VOCAB.rows(toks)
    return _VOCAB.column("stem", rows)[_VOCAB.column("content", rows)]


def features_batch(docs: list[tuple[str | None, str]]) -> list[TextFeatures]:
    """Text features of many articles at once.

    Python only cuts each text into tokens (C-level ``translate``/``split``, with sentence-end,
    quotation, line and document marks as tokens of their own) and looks each token up in the
    process vocabulary (:class:`_Vocabulary`); everything else per token — stems, stopword tests,
    capitalisation, sentence boundaries (".!?" before a capital, not after a single letter or a
    common abbreviation; every line break), quotation spans, sentence sketches — is column-wise
    numpy over the whole batch.
    """
    cased: list[str] = []
    for title, body in docs:
        cased.append(_DOC)
        cased.extend(_cut(_normalise(title or "")))
        cased.append(_TITLE_END)
        cased.extend(_cut(_normalise(body).replace("\n", f" {_LINE} ")))
    cased.append(_DOC)
    n = len(cased)
    rows = _VOCAB.rows(cased)
    col = _VOCAB.column
    stem, name_id, full = col("stem", rows), col("name", rows), col("full", rows)
    lead, multi, content = col("lead", rows), col("multi", rows), col("content", rows)
    cap, digit = col("cap", rows), col("digit", rows)
    is_mark = (lead <= 5) & ~multi

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
            & ~col("abbrev", rows[prev_w]))
    starts = np.zeros(n, dtype=bool)
    starts[words_idx] = hard | soft
    sent_id = np.cumsum(starts)  # sentence number of every token
    # quotation: inside when an odd number of quote marks precede the word within its line
    q = np.cumsum(is_mark & (lead == 2))
    line_start_q = np.maximum.accumulate(np.where(is_mark & (lead >= 3), q, 0))
    inside = ((q - line_start_q) % 2 == 1) & is_word
    # a capitalised word that does not open a sentence is taken for a name
    namecand = content & cap & ~starts & ~digit

    doc_pos = np.flatnonzero(is_mark & (lead == 4))[:-1]
    title_end = np.flatnonzero(is_mark & (lead == 5))
    doc_bounds = np.append(doc_pos, n)

    zero = np.zeros(1, dtype=np.int64)
    n_docs = len(docs)
    doc_mark = is_mark & (lead == 4)
    doc_of = np.cumsum(doc_mark) - 1  # document number of every token
    in_title = (np.cumsum(doc_mark) - np.cumsum(is_mark & (lead == 5))) == 1
    per_doc_words = np.bincount(doc_of[is_word], minlength=n_docs + 1)
    per_doc_german = np.bincount(doc_of[col("german", rows)], minlength=n_docs + 1)
    # German capitalises every noun: there a capital says nothing about names.
    names_are_caps = per_doc_german < 0.04 * np.maximum(1, per_doc_words)
    wording = content & ~digit & ~in_title & ~(namecand & names_are_caps[doc_of])

    # sentences: wording tokens grouped by sentence; keep those with MIN_SENT_STEMS or more
    wk = np.flatnonzero(wording)
    sk = sent_id[wk]
    vals = stem[wk]
    groups = np.flatnonzero(np.diff(sk, prepend=-1)) if len(sk) else np.zeros(0, dtype=np.int64)
    counts = np.diff(np.append(groups, len(sk)))
    kept = counts >= MIN_SENT_STEMS
    sent_keys_all = _sentence_keys(vals, groups, counts)[kept]
    g_start = groups[kept]
    g_end = (groups + counts)[kept]
    g_doc = doc_of[wk[g_start]] if len(g_start) else np.zeros(0, dtype=np.int64)
    words_sid = sent_id[words_idx]
    quoted_words = np.bincount(words_sid, weights=inside[words_idx], minlength=int(sent_id[-1]) + 1 if n else 1)
    all_words = np.bincount(words_sid, minlength=int(sent_id[-1]) + 1 if n else 1)
    g_sid = sk[g_start] if len(g_start) else np.zeros(0, dtype=np.int64)
    g_narr = (quoted_words[g_sid] * 2 <= all_words[g_sid]).tolist()
    doc_groups = np.searchsorted(g_doc, np.arange(n_docs + 1)).tolist()
    g_start_l, g_end_l = g_start.tolist(), g_end.tolist()

    c_content = np.concatenate([zero, np.cumsum(content)]).tolist()
    c_names = np.concatenate([zero, np.cumsum(namecand)]).tolist()
    stems_f = stem[content]
    names_f = name_id[namecand]
    digit_pos = np.flatnonzero(digit & is_word)
    digit_l = digit_pos.tolist()
    dp, te, db = doc_pos.tolist(), title_end.tolist(), doc_bounds.tolist()

    out: list[TextFeatures] = []
    for d in range(n_docs):
        t0, b0, b1 = dp[d], te[d], db[d + 1]
        title_ids = stems_f[c_content[t0]:c_content[b0]]
        body_stems = stems_f[c_content[b0]:c_content[b1]]
        g0, g1 = doc_groups[d], doc_groups[d + 1]
        if g1 > g0:
            lo_v = g_start_l[g0]
            src = vals[lo_v:g_end_l[g1 - 1]]
            bounds = [x - lo_v for x in g_start_l[g0:g1]] + [g_end_l[g1 - 1] - lo_v]
            # groups are contiguous only if no short sentence was dropped in between
            if any(g_end_l[k] != g_start_l[k + 1] for k in range(g0, g1 - 1)):
                parts = [vals[g_start_l[k]:g_end_l[k]] for k in range(g0, g1)]
                src = np.concatenate(parts)
                bounds = [0]
                for part in parts:
                    bounds.append(bounds[-1] + len(part))
        else:
            src, bounds = None, [0]
        lo, hi = bisect_left(digit_l, b0), bisect_left(digit_l, b1)
        out.append(TextFeatures(
            title=frozenset(title_ids.tolist()),
            stems=np.concatenate([body_stems, title_ids]),
            stem_count=int(body_stems.size),
            sent_keys=sent_keys_all[g0:g1],
            narrative=g_narr[g0:g1],
            numbers=frozenset(_merge_numbers([cased[i] for i in digit_l[lo:hi]])),
            names=frozenset(names_f[c_names[b0]:c_names[b1]].tolist()),
            body_hash=xxhash.xxh64_intdigest(full[b0:b1][is_word[b0:b1]].tobytes()) >> 1,
            sent_src=src,
            sent_bounds=bounds,
        ))
    return out


def _sentence_keys(vals: np.ndarray, groups: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sentence sketches over *pairs of consecutive wording stems* within each sentence.

    Pairs, not single stems: common words make unrelated sentences share single stems (a bucket
    of one frequent key would then grow with the index, and every new article would be compared
    with all of it), while a pair of neighbouring content words is specific. Paraphrases still
    keep many pairs; what they do not keep, the entity view and verification cover.
    """
    from newscrawl.dedup.sketch import SENT_BANDS, sentence_keys_flat

    if not len(groups):
        return sentence_keys_flat(vals, groups)
    with np.errstate(over="ignore"):
        pair = (vals[:-1] * np.uint64(0x9E3779B97F4A7C15)) ^ vals[1:]
    inner = np.ones(max(0, len(vals) - 1), dtype=bool)
    ends = groups + counts - 1  # last element of each group: its pair would cross into the next
    inner[ends[ends < len(inner)]] = False
    pairs = pair[inner]
    # each group of c stems has c-1 pairs; groups with one stem have none and get an empty sketch
    new_counts = counts - 1
    starts = np.concatenate([[0], np.cumsum(new_counts)[:-1]])
    keys = np.full((len(groups), SENT_BANDS), -1, dtype=np.int64)
    has = new_counts > 0
    if has.any():
        keys[has] = sentence_keys_flat(pairs, starts[has])
    return keys
