"""Text views of an article used by dedup: content stems, sentences, numbers, names, quotes.

Everything here is language-light on purpose: copies are recognised across outlets writing in
English, Spanish, Italian, French, German, Portuguese and Russian, and nothing may download a
model at run time. "Content stems" are lowercased words minus a small multilingual stopword list,
cut to their first :data:`STEM_LEN` characters — a crude lemmatiser that makes "campaigns" /
"campaign", "children's" / "children" and Russian case endings meet, which is what a paraphrase
or a machine translation back into English mostly changes.

Speed matters (the index must beat a plain MinHash baseline several times over while doing much
more, and featurisation bounds its throughput), so there is no Python call per token: texts are
cut with C-level string methods (a numpy code-point table stands in for ``str.translate`` on
non-ASCII text, where that method is slow), every token is looked up in a per-process vocabulary
that holds its ids and properties as numpy columns, and everything else is column-wise numpy
over a whole batch. Ids are 63-bit, stable across processes and machines (they are stored in
the index), so any change here must leave them bit-identical
(``tests/test_dedup_text_speed_equiv.py`` pins them down).
"""

from __future__ import annotations

import re
import unicodedata
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
# (control characters U+0000-U+0005 in a text become spaces: the marks must be the only ones)
_TRANSLATE = str.maketrans({**{chr(c): " " for c in range(6)},
                            **{c: " " for c in _PUNCT},
                            **{c: _SENT_END for c in ".!?…"},
                            **{c: _QMARK for c in "\"“”«»„"}})
_ABBREVIATIONS = frozenset(["mr", "mrs", "ms", "dr", "st", "jr", "sr", "no", "vs", "inc", "co", "corp", "ltd", "gen", "gov", "sen", "rep", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"])


# Translation of text that is not pure ASCII. str.translate has a fast path for ASCII text only;
# on anything else it looks every character up in the mapping one by one (about 100-200 ns a
# character), which made real, accented or Cyrillic text several times slower to cut than the
# ASCII throughput corpus. The same mapping as a code-point table applied with numpy costs a
# few ns a character and gives the same string.
_TABLE = np.arange(max(_TRANSLATE) + 1, dtype=np.uint32)
for _code, _to in _TRANSLATE.items():
    _TABLE[_code] = ord(_to)
_TABLE_LEN = len(_TABLE)


def _translate(text: str) -> str:
    """``text.translate(_TRANSLATE)``, fast for non-ASCII text too."""
    if text.isascii():
        return text.translate(_TRANSLATE)
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    mapped = cps < _TABLE_LEN
    cps[mapped] = _TABLE[cps[mapped]]
    return cps.tobytes().decode("utf-32-le", "surrogatepass")


def _prepared(text: str) -> str:
    """NFKC and punctuation translation of one text, before marks are padded and it is split.

    ASCII text is already NFKC, and the apostrophes :func:`_normalise` straightens are
    translated to spaces anyway, so this equals ``_normalise(text).translate(_TRANSLATE)``.
    """
    return _translate(text if text.isascii() else unicodedata.normalize("NFKC", text))


def _cut(text: str) -> list[str]:
    return _translate(text).replace(_SENT_END, f" {_SENT_END} ").replace(_QMARK, f" {_QMARK} ").split()


def _batch_tokens(docs: list[tuple[str | None, str]]) -> list[str]:
    """Tokens of a batch: per document a document mark, the title's tokens, a title-end mark and
    the body's tokens (with a line mark per line break); a document mark closes the batch.

    Each document's title and body are joined with the marks (space-separated) and padded and
    split in one go; padding and splitting commute with joining at whitespace, so the tokens
    are those of cutting title and body on their own.
    """
    cased: list[str] = []
    extend = cased.extend
    doc, title_end, line = f"{_DOC} ", f" {_TITLE_END} ", f" {_LINE} "
    sent_end, qmark = f" {_SENT_END} ", f" {_QMARK} "
    for title, body in docs:
        text = doc + _prepared(title or "") + title_end + _prepared(body).replace("\n", line)
        extend(text.replace(_SENT_END, sent_end).replace(_QMARK, qmark).split())
    cased.append(_DOC)
    return cased


def _merge_numbers(tokens: list[str]) -> set[str]:
    """Numbers from consecutive digit tokens: "55", "000" (from "55,000") -> "55000".

    Known flaw, kept on purpose: the tokens are the text's digit tokens only, so a 3-digit number
    after any other number joins it ("150 bags and 200 shoes" -> "150200"). Joining only adjacent
    tokens is right but raises the ``numbers`` evidence, and the copy threshold was fitted with
    this behaviour: it put an independent write-up of one press release (a fixture's same-story
    pair) over the threshold. Fix together with a re-fit of the verification weights.
    """
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


# Token properties, one bit each in the vocabulary's ``flags`` column: one small gather per batch
# instead of one per property. A *mark* is a one-character token at or below U+0005 (the
# control characters above); its kind is its code point.
_MARK, _END, _QUOTE, _HARD, _DOCMARK, _TITLEMARK = 1, 2, 4, 8, 16, 32
_CONTENT, _CAP, _DIGIT, _GERMAN, _ABBREV, _MULTI = 64, 128, 256, 512, 1024, 2048
_MARK_BITS = {0: _MARK, 1: _MARK | _END, 2: _MARK | _QUOTE, 3: _MARK | _HARD,
              4: _MARK | _HARD | _DOCMARK, 5: _MARK | _HARD | _TITLEMARK}
_FLAG_OF = {"mark": _MARK, "multi": _MULTI, "content": _CONTENT, "cap": _CAP, "digit": _DIGIT,
            "german": _GERMAN, "abbrev": _ABBREV}


def _token_flags(tok: str, low: str) -> int:
    """Property bits of a new vocabulary token (``low`` is ``tok.lower()``)."""
    multi = len(tok) > 1
    f = _MULTI if multi else _MARK_BITS.get(ord(tok), 0)
    if multi and low not in STOPWORDS:
        f |= _CONTENT
    if tok[0] != low[0]:
        f |= _CAP
    if tok[0].isdigit():
        f |= _DIGIT
    if low in _GERMAN_MARKERS:
        f |= _GERMAN
    if low in _ABBREVIATIONS:
        f |= _ABBREV
    return f


class _RowIndex(dict[str, int]):
    """Token -> table row; an unknown token gives -1, so a batch is looked up in one C-level
    ``map`` (``dict.get`` with a default is markedly slower per call than ``__getitem__``)."""

    def __missing__(self, key: str) -> int:
        return -1


class _Vocabulary:
    """Per-process table of every distinct token seen, with its properties as numpy columns.

    News vocabulary is Zipfian, so after a few hundred articles almost every token is already
    here: a batch then costs one dict lookup per token (``map`` over the token list, C speed)
    plus fancy indexing, instead of lowercasing, hashing and set tests per token. Ids stored
    in the index (stems, names, body hashes) are xxhash values of the token text, so they are
    stable across processes; the table row numbers are not and never leave the process.
    Columns: ``stem``, ``name``, ``full`` (63-bit ids) and ``flags`` (property bits, see
    :data:`_FLAG_OF`).
    """

    COLUMNS = ("stem", "name", "full", "flags")

    def __init__(self, limit: int = 2_000_000) -> None:
        self.limit = limit
        self._reset()

    def _reset(self) -> None:
        self.index: _RowIndex = _RowIndex()
        self.size = 0
        self.cap_rows = 0
        self.cols: dict[str, np.ndarray] = {}
        self._grow(1 << 16)

    def _grow(self, rows: int) -> None:
        new = {c: np.zeros(rows, dtype=np.uint16 if c == "flags" else np.uint64) for c in self.COLUMNS}
        for c, arr in self.cols.items():
            new[c][: self.size] = arr[: self.size]
        self.cols, self.cap_rows = new, rows

    def rows(self, tokens: list[str]) -> np.ndarray:
        """Table rows of ``tokens`` (intp), adding the tokens not seen before.

        One dict lookup per token at C speed; only the few misses are handled in Python.
        """
        rows = np.fromiter(map(self.index.__getitem__, tokens), dtype=np.intp, count=len(tokens))
        miss = np.flatnonzero(rows < 0).tolist()
        if miss:
            missing = {tokens[i] for i in miss}
            if self.size + len(missing) > self.limit:
                self._reset()
                self._add(set(tokens))
                return np.fromiter(map(self.index.__getitem__, tokens), dtype=np.intp, count=len(tokens))
            self._add(missing)
            get = self.index.__getitem__
            rows[miss] = [get(tokens[i]) for i in miss]
        return rows

    def _add(self, tokens: set[str]) -> None:
        toks = list(tokens)
        lo = self.size
        hi = lo + len(toks)
        if hi > self.cap_rows:
            self._grow(max(hi, 2 * self.cap_rows))
        h = xxhash.xxh64_intdigest
        lows = [t.lower() for t in toks]
        c = self.cols
        c["stem"][lo:hi] = [h(low[:STEM_LEN].encode("utf-8")) >> 1 for low in lows]
        c["name"][lo:hi] = [h(low[:NAME_LEN].encode("utf-8")) >> 1 for low in lows]
        c["full"][lo:hi] = [h(low.encode("utf-8")) >> 1 for low in lows]
        c["flags"][lo:hi] = [_token_flags(t, low) for t, low in zip(toks, lows, strict=True)]
        self.index.update(zip(toks, range(lo, hi), strict=True))
        self.size = hi

    def column(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Values of a column (or, for a property name of :data:`_FLAG_OF`, a bool array)."""
        if name in _FLAG_OF:
            return (self.cols["flags"][rows] & _FLAG_OF[name]) != 0
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

    Python only cuts the texts into tokens (C-level ``translate``/``split`` over the whole batch,
    with sentence-end, quotation, line and document marks as tokens of their own) and looks each
    token up in the process vocabulary (:class:`_Vocabulary`); everything else per token —
    stems, stopword tests, capitalisation, sentence boundaries (".!?" before a capital, not after
    a single letter or a common abbreviation; every line break), quotation spans, sentence
    sketches — is column-wise numpy over the whole batch, and the per-document loop only slices.
    """
    if not docs:
        return []
    cased = _batch_tokens(docs)
    n = len(cased)
    n_docs = len(docs)
    rows = _VOCAB.rows(cased)
    cols = _VOCAB.cols
    flags = cols["flags"][rows]
    is_mark = (flags & _MARK) != 0
    is_word = ~is_mark
    hard_m = (flags & _HARD) != 0
    doc_mark = (flags & _DOCMARK) != 0
    title_mark = (flags & _TITLEMARK) != 0
    content = (flags & _CONTENT) != 0

    words_idx = np.flatnonzero(is_word)
    n_words = len(words_idx)
    f_word = flags[words_idx]
    # For each word, which marks lie between it and the previous word? (The first word is
    # compared with the batch's first token.)
    hard_c = np.cumsum(hard_m, dtype=np.int32)  # line break, document start, title end
    end_c = np.cumsum((flags & _END) != 0, dtype=np.int32)  # . ! ?
    hard_w, end_w = hard_c[words_idx], end_c[words_idx]
    hard_p = np.concatenate([hard_c[:1], hard_w[:-1]])[:n_words]
    end_p = np.concatenate([end_c[:1], end_w[:-1]])[:n_words]
    f_prev = np.concatenate([flags[:1], f_word[:-1]])[:n_words]
    opens = (hard_w > hard_p) | ((end_w > end_p) & ((f_word & _CAP) != 0)
                                 & ((f_prev & (_MULTI | _ABBREV)) == _MULTI))
    starts = np.zeros(n, dtype=bool)
    starts[words_idx] = opens
    sent_id = np.cumsum(starts, dtype=np.int32)  # sentence number of every token
    # quotation: inside when an odd number of quote marks precede the word within its line
    q = np.cumsum((flags & _QUOTE) != 0, dtype=np.int32)
    line_start_q = np.maximum.accumulate(q * hard_m)
    inside_w = ((q[words_idx] - line_start_q[words_idx]) & 1).astype(np.int32)
    # a capitalised word that does not open a sentence is taken for a name
    namecand = ((flags & (_CONTENT | _CAP | _DIGIT)) == (_CONTENT | _CAP)) & ~starts

    doc_all = np.flatnonzero(doc_mark)  # document marks; token i is in document
    doc_pos = doc_all[:-1]              # searchsorted(doc_all, i, "right") - 1
    title_end = np.flatnonzero(title_mark)[:n_docs]
    doc_bounds = np.append(doc_pos, n)

    in_title = np.cumsum(doc_mark.view(np.int8) - title_mark.view(np.int8), dtype=np.int32) == 1
    per_doc_words = np.diff(np.searchsorted(words_idx, doc_all), append=n_words)
    german_pos = np.flatnonzero(flags & _GERMAN)
    per_doc_german = np.diff(np.searchsorted(german_pos, doc_all), append=len(german_pos))
    # German capitalises every noun: there a capital says nothing about names.
    names_are_caps = per_doc_german < 0.04 * np.maximum(1, per_doc_words)
    name_pos = np.flatnonzero(namecand)
    wording = ((flags & (_CONTENT | _DIGIT)) == _CONTENT) & ~in_title
    wording[name_pos[names_are_caps[np.searchsorted(doc_all, name_pos, "right") - 1]]] = False

    # sentences: wording tokens grouped by sentence; keep those with MIN_SENT_STEMS or more
    wk = np.flatnonzero(wording)
    sk = sent_id[wk]
    vals = cols["stem"][rows[wk]]
    groups = np.flatnonzero(np.diff(sk, prepend=-1)) if len(sk) else np.zeros(0, dtype=np.int64)
    counts = np.diff(np.append(groups, len(sk)))
    kept = counts >= MIN_SENT_STEMS
    sent_keys_all = _sentence_keys(vals, groups, counts)[kept]
    g_start = groups[kept]
    g_doc = np.searchsorted(doc_all, wk[g_start], "right") - 1
    # a sentence's words are contiguous: its quoted share from prefix sums at its ends
    g_sid = sk[g_start]
    sent_w = np.concatenate([[0], np.flatnonzero(opens), [n_words]])
    quoted_c = np.concatenate([[0], np.cumsum(inside_w)])
    w_lo, w_hi = sent_w[g_sid], sent_w[g_sid + 1]
    g_narr = ((quoted_c[w_hi] - quoted_c[w_lo]) * 2 <= w_hi - w_lo).tolist()
    doc_groups = np.searchsorted(g_doc, np.arange(n_docs + 1)).tolist()
    # the kept sentences' wording stems back to back, and each one's offset in that sequence
    kept_vals = vals[np.repeat(kept, counts)]
    kept_off = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(counts[kept])]).tolist()

    # Per document, title and body are ranges of these batch-wide sequences; find the range
    # ends with one searchsorted each instead of prefix sums over every token.
    content_pos = np.flatnonzero(content)
    stems_f = cols["stem"][rows[content_pos]]
    names_l = cols["name"][rows[name_pos]].tolist()
    full_b = memoryview(cols["full"][rows[words_idx]].tobytes())
    digit_pos = np.flatnonzero((flags & (_DIGIT | _MARK)) == _DIGIT)
    digit_toks = [cased[i] for i in digit_pos.tolist()]
    te_b = np.stack([title_end, doc_bounds[1:n_docs + 1]])  # (body start, body end) per document
    c_t0 = np.searchsorted(content_pos, doc_pos[:n_docs]).tolist()
    c_b0, c_b1 = np.searchsorted(content_pos, te_b).tolist()
    n_b0, n_b1 = np.searchsorted(name_pos, te_b).tolist()
    w_b0, w_b1 = (np.searchsorted(words_idx, te_b) * 8).tolist()  # byte offsets in full_b
    d_b0, d_b1 = np.searchsorted(digit_pos, te_b).tolist()
    body_hash = xxhash.xxh64_intdigest

    out: list[TextFeatures] = []
    for d, (ct0, cb0, cb1, g0, g1) in enumerate(zip(c_t0, c_b0, c_b1, doc_groups[:-1], doc_groups[1:], strict=True)):
        if g1 > g0:
            lo = kept_off[g0]
            src = kept_vals[lo:kept_off[g1]]
            bounds = [x - lo for x in kept_off[g0:g1 + 1]]
        else:
            src, bounds = None, [0]
        title_ids = stems_f[ct0:cb0]
        out.append(TextFeatures(
            title=frozenset(title_ids.tolist()),
            stems=np.concatenate([stems_f[cb0:cb1], title_ids]),
            stem_count=cb1 - cb0,
            sent_keys=sent_keys_all[g0:g1],
            narrative=g_narr[g0:g1],
            numbers=frozenset(_merge_numbers(digit_toks[d_b0[d]:d_b1[d]])),
            names=frozenset(names_l[n_b0[d]:n_b1[d]]),
            body_hash=body_hash(full_b[w_b0[d]:w_b1[d]]) >> 1,
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
