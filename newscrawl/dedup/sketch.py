"""MinHash signatures and LSH band keys, vectorised over numpy for whole batches of records.

Two views feed candidate generation (see ``README.md`` in this package for the figures behind the
parameters):

* **entity view** (per document) — MinHash of the set of names (capitalised words not opening a
  sentence) and numbers, :data:`DOC_BANDS` bands of :data:`DOC_ROWS` rows, for texts with at
  least :data:`MIN_ENTITIES` of them. Spinners and translation round trips change words, not
  names and figures, so rewritten copies keep this set nearly whole; unrelated articles share
  little of it. (A first version used all content stems here: common vocabulary gave unrelated
  articles Jaccard 0.1–0.2 and 15× more candidate pairs for the same recall — see README.)
* **sentence view** — a tiny MinHash (:data:`SENT_BANDS` × :data:`SENT_ROWS`) of each sentence's
  content stems. A shortened copy shares whole (possibly reworded) sentences with its original even
  when their document-level Jaccard is low, so this view is what makes candidate generation
  containment-tolerant. A candidate must share at least :data:`SENT_MIN_SHARED` sentence keys
  (one identical sentence gives two), so one common quote or one leftover boilerplate line does
  not make a candidate — except between short texts (≤ :data:`SHORT_TEXT_SENTENCES` sentences),
  where one sentence is a large part of the text.

Hash family: ``h_i(x) = a_i·x + b_i mod 2**64`` with odd ``a_i`` over xxhash token ids, i.e. a
random bijection per row; the minimum is taken with ``np.minimum.reduceat`` over a whole batch,
so Python does one numpy call per batch instead of one per token. Keys are 63-bit so they fit a
signed SQLite INTEGER.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DOC_BANDS = 14
DOC_ROWS = 5
SENT_BANDS = 1
SENT_ROWS = 2
MIN_ENTITIES = 6
SENT_MIN_SHARED = 2
SENT_MIN_SHARED_SHORT = 1
SHORT_TEXT_SENTENCES = 5
SENT_MIN_FRACTION = 0.1

_MASK63 = np.uint64((1 << 63) - 1)


def _params(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=count, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=count, dtype=np.uint64)
    return a, b


_DOC_A, _DOC_B = _params(DOC_BANDS * DOC_ROWS, 20240601)
_SENT_A, _SENT_B = _params(SENT_BANDS * SENT_ROWS, 20240602)
# Per-row multipliers that fold a band's rows into one key, and a per-band salt so that equal
# minima in different bands do not share a bucket.
_FOLD_DOC, _SALT_DOC = _params(DOC_ROWS, 7), _params(DOC_BANDS, 8)[1]
_FOLD_SENT, _SALT_SENT = _params(SENT_ROWS, 9), _params(SENT_BANDS, 10)[1]


def _minhash(sets: Sequence[np.ndarray], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signatures (len(sets) × len(a)) of non-empty uint64 id arrays."""
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    flat = np.concatenate(sets) if sets else np.empty(0, dtype=np.uint64)
    offsets = np.zeros(len(sets), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    with np.errstate(over="ignore"):
        hashed = flat[:, None] * a[None, :] + b[None, :]
    return np.minimum.reduceat(hashed, offsets, axis=0)


def _band_keys(sig: np.ndarray, bands: int, rows: int, fold: tuple[np.ndarray, np.ndarray],
               salt: np.ndarray) -> np.ndarray:
    """Fold each band's rows into one 63-bit key: (n × bands) int64."""
    n = sig.shape[0]
    banded = sig.reshape(n, bands, rows)
    with np.errstate(over="ignore"):
        mixed = (banded * fold[0][None, None, :] + fold[1][None, None, :]).sum(axis=2, dtype=np.uint64)
        mixed ^= salt[None, :]
        mixed ^= mixed >> np.uint64(29)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(32)
    return (mixed & _MASK63).astype(np.int64)


def doc_keys(stem_sets: Sequence[np.ndarray]) -> np.ndarray:
    """Doc-view band keys for each record (rows of DOC_BANDS keys); empty sets get key -1."""
    n = len(stem_sets)
    out = np.full((n, DOC_BANDS), -1, dtype=np.int64)
    idx = [i for i, s in enumerate(stem_sets) if len(s)]
    if idx:
        sig = _minhash([stem_sets[i] for i in idx], _DOC_A, _DOC_B)
        out[idx] = _band_keys(sig, DOC_BANDS, DOC_ROWS, _FOLD_DOC, _SALT_DOC)
    return out


def sentence_keys(sentence_sets: Sequence[np.ndarray]) -> np.ndarray:
    """Sentence-view band keys (rows of SENT_BANDS keys) for non-empty sentence id arrays."""
    if not sentence_sets:
        return np.empty((0, SENT_BANDS), dtype=np.int64)
    sig = _minhash(sentence_sets, _SENT_A, _SENT_B)
    return _band_keys(sig, SENT_BANDS, SENT_ROWS, _FOLD_SENT, _SALT_SENT)


def sentence_keys_flat(vals: np.ndarray, group_starts: np.ndarray) -> np.ndarray:
    """Sentence-view band keys for sentences stored back to back in ``vals`` (starting at
    ``group_starts``): one numpy pass for a whole batch."""
    if not len(group_starts):
        return np.empty((0, SENT_BANDS), dtype=np.int64)
    with np.errstate(over="ignore"):
        hashed = vals[:, None] * _SENT_A[None, :] + _SENT_B[None, :]
    sig = np.minimum.reduceat(hashed, group_starts, axis=0)
    return _band_keys(sig, SENT_BANDS, SENT_ROWS, _FOLD_SENT, _SALT_SENT)


def params_fingerprint() -> str:
    """Identifies the sketch parameters: an index built with others cannot be queried with these."""
    return f"ent{DOC_BANDS}x{DOC_ROWS}-sent{SENT_BANDS}x{SENT_ROWS}-stem5-ent6-v3"
