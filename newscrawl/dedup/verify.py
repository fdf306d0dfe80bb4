"""Verification of a candidate pair: is one article a copy of the other? Evidence, then one score.

A reader accepts "B is a copy of A" when B's *own* sentences — not just its quotes — each have a
counterpart in A (possibly reworded, in another order), when the shorter text is mostly contained
in the longer one, and when the facts agree: the same numbers, the same names. Titles help a
little (outlets retitle copies and reuse headlines for different stories, so they never decide).

Evidence (all in [0, 1]; ``None`` when a text gives nothing to compare):

* ``aligned`` — share of the shorter text's *narrative* sentences (not mostly quotation) whose
  best counterpart in the longer text shares at least :data:`SENT_MATCH` of the smaller sentence's
  content stems. Shared quotes are what independent write-ups of one event have in common, so they
  do not count here.
* ``aligned_all`` — the same over all sentences (quotes included).
* ``containment`` — share of the shorter text's content stems found in the longer.
* ``numbers`` / ``names`` — overlap of the number / capitalised-name sets, relative to the smaller.
* ``title`` — Jaccard of title content stems.

:func:`copy_score` combines them (weights and threshold in :data:`WEIGHTS` / :data:`COPY_THRESHOLD`,
chosen on the dev half of the generated sets; see ``README.md``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from newscrawl.dedup.text import TextFeatures

SENT_MATCH = 0.5
MIN_EVIDENCE_SENTENCES = 3
MIN_SHARED_IN_SENT = 3

# Weights of the evidence score. ``aligned`` dominates because it is the one signal that
# separates a reworded copy (own sentences match) from an independent write-up (only quotes,
# names and numbers match). Missing numbers/names/title evidence takes a neutral 0.5.
WEIGHTS = {"aligned": 0.55, "containment": 0.25, "numbers": 0.07, "names": 0.08, "title": 0.05}
COPY_THRESHOLD = 0.62
# Without at least this much narrative alignment no amount of agreeing facts makes a copy.
MIN_ALIGNED = 0.30
# Two texts that both give figures (at least MIN_NUMBERS_FOR_VETO) but share fewer than half of
# the smaller set are not copies, whatever the wording says.
MIN_NUMBERS_FOR_VETO = 3
NUMBERS_VETO = 0.5
# Story level (same event, independent articles): looser, and kept apart from copies.
STORY_WEIGHTS = {"containment": 0.35, "names": 0.3, "numbers": 0.15, "title": 0.2}
STORY_THRESHOLD = 0.45


@dataclass(slots=True)
class Evidence:
    aligned: float
    aligned_all: float
    containment: float
    numbers: float | None
    names: float | None
    title: float | None
    short_sentences: int
    min_numbers: int = 0  # numbers in the text that has fewer

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def sentence_table(f: TextFeatures) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(stems sorted, their sentence numbers, sentence sizes, narrative flags) — built once per
    text (a text meets several candidates), for the vectorised alignment."""
    if f.inverted is None:
        bounds = np.asarray(f.sent_bounds or [0], dtype=np.int64)
        n_sent = len(bounds) - 1
        src = f.sent_src if f.sent_src is not None else np.zeros(0, dtype=np.uint64)
        owner = np.repeat(np.arange(n_sent), np.diff(bounds))
        # distinct stems per sentence, sorted by stem: one lexsort, then drop repeated (stem, sentence)
        order = np.lexsort((owner, src))
        stems, owner = src[order], owner[order]
        keep = np.ones(len(stems), dtype=bool)
        keep[1:] = (stems[1:] != stems[:-1]) | (owner[1:] != owner[:-1])
        stems, owner = stems[keep], owner[keep]
        sizes = np.bincount(owner, minlength=n_sent)
        f.inverted = (stems, owner, sizes, np.array(f.narrative, dtype=bool))
    return f.inverted


def _align(short: TextFeatures, long: TextFeatures) -> tuple[float, float]:
    """(narrative, all) alignment of the shorter text's sentences against the longer text's.

    All sentence pairs at once: shared-stem counts come from one merge of the two sorted stem
    tables and a bincount into a (short sentences × long sentences) matrix.
    """
    s_stems, s_sent, s_size, s_narr = sentence_table(short)
    l_stems, l_sent, l_size, _ = sentence_table(long)
    ns, nl = len(s_size), len(l_size)
    if not ns or not nl:
        return 0.0, 0.0
    lo = np.searchsorted(l_stems, s_stems, side="left")
    cnt = np.searchsorted(l_stems, s_stems, side="right") - lo
    total = int(cnt.sum())
    if total:
        rep = np.repeat(np.arange(len(s_stems)), cnt)
        offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        key = s_sent[rep] * nl + l_sent[lo[rep] + offs]
        shared = np.bincount(key, minlength=ns * nl).reshape(ns, nl)
        need = np.maximum(MIN_SHARED_IN_SENT, SENT_MATCH * np.minimum(s_size[:, None], l_size[None, :]))
        ok = (shared >= need).any(axis=1)
    else:
        ok = np.zeros(ns, dtype=bool)
    hit_all = int(ok.sum())
    n_narr = int(s_narr.sum())
    hit_narr = int((ok & s_narr).sum())
    # A text with one or two narrative sentences gives too little evidence to reach 1.0.
    return hit_narr / max(n_narr, MIN_EVIDENCE_SENTENCES), hit_all / max(ns, MIN_EVIDENCE_SENTENCES)


def _overlap(a: frozenset, b: frozenset) -> float | None:
    if not a or not b:
        return None
    return len(a & b) / min(len(a), len(b))


def evidence(a: TextFeatures, b: TextFeatures) -> Evidence:
    """Evidence for the copy relation between two articles (symmetric)."""
    short, long = (a, b) if (a.stem_count, a.body_hash) <= (b.stem_count, b.body_hash) else (b, a)
    aligned, aligned_all = _align(short, long)
    s_stems, l_stems = short.unique_stems, long.unique_stems
    if len(s_stems):
        containment = np.intersect1d(s_stems, l_stems, assume_unique=True).size / len(s_stems)
    else:
        containment = 0.0
    title = None
    if a.title and b.title:
        title = len(a.title & b.title) / len(a.title | b.title)
    return Evidence(aligned, aligned_all, containment, _overlap(a.numbers, b.numbers),
                    _overlap(a.names, b.names), title, len(short.narrative),
                    min(len(a.numbers), len(b.numbers)))


def _weighted(ev: Evidence, weights: dict[str, float]) -> float:
    total = 0.0
    for key, w in weights.items():
        v = getattr(ev, key)
        total += w * (0.5 if v is None else v)
    return total


def copy_score(ev: Evidence) -> float:
    """One evidence score in [0, 1]; a copy when ≥ COPY_THRESHOLD (and aligned ≥ MIN_ALIGNED)."""
    return round(min(1.0, _weighted(ev, WEIGHTS)), 4)


def is_copy(ev: Evidence, score: float) -> bool:
    """A copy: enough evidence, own sentences aligned, and the figures do not disagree.

    The figures rule is for template news (weather reports, results tables, release notes): the
    same wording around different numbers is not the same article.
    """
    if ev.numbers is not None and ev.min_numbers >= MIN_NUMBERS_FOR_VETO and ev.numbers < NUMBERS_VETO:
        return False
    return score >= COPY_THRESHOLD and ev.aligned >= MIN_ALIGNED


def story_score(ev: Evidence) -> float:
    """Looser "same event" score: shared vocabulary, names, numbers and headline words."""
    return round(min(1.0, _weighted(ev, STORY_WEIGHTS)), 4)
