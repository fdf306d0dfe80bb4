"""The dedup index: records in, syndication clusters out — persistent and incremental.

Per batch of records (one transaction, see :mod:`newscrawl.dedup.store`):

1. **Exact level.** A record id seen before is the same record (re-runs are no-ops). A URL that
   normalises like a stored one (:mod:`newscrawl.dedup.urls`) is an *exact-url* copy of it. Equal
   normalised-body hashes make an *exact-body* edge (score 1.0).
2. **Candidates.** Two LSH views (:mod:`newscrawl.dedup.sketch`) looked up in the stored buckets
   with one join per batch; only docs that share a bucket are ever compared.
3. **Verification.** Every candidate pair is scored on evidence (:mod:`newscrawl.dedup.verify`);
   pairs above the copy threshold become *near* edges, looser ones *story* edges.
4. **Clustering.** For each connected component touched by new edges, a star clustering in
   canonical order — earliest published, then longest body, then record id — makes each record
   either a canonical or a copy of the best-scoring canonical it has a *direct* verified edge to.
   A copy is therefore always verified against its own canonical: weak links cannot chain two
   stories together (A~B and B~C do not put C with A unless C~A too).

Because candidate generation, verification and the clustering are all functions of the set of
records (not of their order), adding records in any number of runs gives the same clusters as
one run over all of them. Exception, documented: which of several URL variants of one page
stands for the page is the first one seen.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import os
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from newscrawl.dedup import sketch, verify
from newscrawl.dedup.bandruns import unique_pairs
from newscrawl.dedup.featurebatch import FeatureBatch
from newscrawl.dedup.store import Assignment, DocRow, IndexStore, SQLiteStore, pack_text
from newscrawl.dedup.text import TextFeatures, features_batch
from newscrawl.dedup.urls import url_key
from newscrawl.errors import InputError, NewscrawlError
from newscrawl.record import Copy, Dedup, record_id

log = logging.getLogger(__name__)

BODY_KEYS = ("body", "text", "content", "articleBody")
MAX_COMPONENT = 5000  # a component this large means something upstream went wrong; cap the work
AHEAD = 2  # batches featurised ahead of the one the index works on (add_stream)


@dataclass(slots=True)
class Prepared:
    """The fields of a record the index uses, normalised."""

    record_id: str
    url: str
    url_key: int
    site: str | None
    published: str | None
    sort_ts: float | None
    title: str | None
    body: str
    features: TextFeatures | None = None  # computed ahead, e.g. by a featurising worker
    packed_body: bytes | None = None


def featurise(items: list[Prepared]) -> FeatureBatch:
    """The per-record work that needs no index: text features and the stored (compressed) body.

    Pure, so :meth:`DedupIndex.add_stream` runs it in a worker process for the next batch
    while the index works on the current one; it also builds ahead what verification and
    candidate lookup would otherwise compute in the index's process (the entity-view LSH keys;
    the sentence tables verification needs are left to the index, which builds them only for
    the records that become candidates).
    """
    feats = features_batch([(p.title, p.body) for p in items])
    keys = sketch.doc_keys([_entity_view(f) for f in feats])
    for f, k in zip(feats, keys, strict=True):
        f.doc_keys = k
    return FeatureBatch.pack(feats, [pack_text(p.body) for p in items])


def _lower_priority() -> None:
    """Featurising workers yield the CPU to the index process: it is the serial part of a bulk
    run (every batch waits for it), the workers only have to keep ahead of it."""
    with contextlib.suppress(AttributeError, OSError):  # no nice() here, or not allowed: run as is
        os.nice(10)


def _timestamp(published: str | None) -> float | None:
    if not published:
        return None
    try:
        dt = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:  # no offset given: compare as UTC rather than guess
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def prepare(record: Mapping[str, Any]) -> Prepared:
    """Pick and normalise what the index needs from a record dict (ours or another tool's).

    Other tools' JSON Lines may only have ``url``/``title``/``text`` (or ``content``,
    ``articleBody``); the id is then computed from the URL like the extractor does.
    """
    url = record.get("url") or record.get("canonical_url")
    if not isinstance(url, str) or not url.strip():
        raise InputError("record has no url")
    body = next((record[k] for k in BODY_KEYS if isinstance(record.get(k), str)), None)
    if body is None:
        raise InputError(f"record {url} has no text (one of: {', '.join(BODY_KEYS)})")
    canonical = record.get("canonical_url") or url
    rid = record.get("id") or record_id(canonical)
    site = record.get("site") or (urlsplit(url).hostname or None)
    published = record.get("published") or record.get("date") or None
    if published is not None and not isinstance(published, str):
        published = str(published)
    title = record.get("title")
    return Prepared(str(rid), url, url_key(canonical), site, published, _timestamp(published),
                    title if isinstance(title, str) else None, body)


@contextmanager
def _fewer_gc_sweeps() -> Iterator[None]:
    """A bulk run allocates millions of short-lived containers; with the default thresholds the
    collector keeps sweeping the long-lived feature cache and spends ~8% of the run there."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 100_000), max(old[1], 50), max(old[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _priority(row: DocRow) -> tuple:
    """Canonical order: earliest published (undated last), then most complete, then id."""
    return (row.sort_ts is None, row.sort_ts or 0.0, -row.length, row.record_id)


@dataclass(slots=True)
class Resolved:
    """A doc's final place, as the output shows it."""

    row: DocRow
    canonical: DocRow
    role: str  # "canonical" | "copy"
    level: str | None  # how a copy is linked: exact-url | exact-body | near
    score: float | None
    story: DocRow | None


class DedupIndex:
    """Plain-Python dedup over an :class:`IndexStore` (SQLite by default)."""

    def __init__(self, store: IndexStore, feature_cache: int = 20_000) -> None:
        self.store = store
        self.store.check_params(sketch.params_fingerprint())
        self._features: OrderedDict[int, TextFeatures] = OrderedDict()
        self._feature_cache = feature_cache

    @classmethod
    def open(cls, path: str | Path) -> DedupIndex:
        """A SQLite index file, or ``redis://HOST:PORT/DB`` for the index shared by distributed
        crawl workers (:mod:`newscrawl.dedup.redis_index`)."""
        if str(path).startswith(("redis://", "rediss://", "unix://")):
            from newscrawl.dedup.redis_index import RedisStore

            return cls(RedisStore(str(path)))
        return cls(SQLiteStore(path))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> DedupIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------ adding
    def add(self, records: Sequence[Mapping[str, Any] | Prepared]) -> list[int]:
        """Add a batch of records; returns each one's doc number, in input order.

        Raises :class:`InputError` for a record without url or text (nothing of the batch is
        written then); callers that want to skip bad records :func:`prepare` them first.
        """
        items = self._prepared(records)
        with self.store.transaction():
            return self._add(items)

    def add_stream(self, batches: Iterable[Sequence[Mapping[str, Any] | Prepared]], workers: int = 1
                   ) -> Iterator[list[int]]:
        """Add batches one after the other, yielding each batch's doc numbers as it is stored.

        With ``workers`` ≥ 1, batch *k+1* is featurised (:func:`featurise`) in worker processes
        while the index verifies and stores batch *k*, so a bulk run (``newscrawl dedup``) keeps
        two cores busy. Results are the same as :meth:`add` per batch.
        """
        with _fewer_gc_sweeps():
            yield from self._stream(batches, workers)

    def _stream(self, batches: Iterable[Sequence[Mapping[str, Any] | Prepared]], workers: int) -> Iterator[list[int]]:
        it = (self._prepared(b) for b in batches)
        first = next(it, None)
        if first is None:
            return
        second = next(it, None)
        it = itertools.chain([first] if second is None else [first, second], it)
        if workers <= 0 or second is None:  # one batch: a worker would only add its start-up
            for items in it:
                yield self.add(items)
            return
        import concurrent.futures as cf
        import multiprocessing as mp

        ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_lower_priority) as pool:
            pending: deque[tuple[list[Prepared], list[cf.Future]]] = deque()

            def submit(items: list[Prepared]) -> None:
                step = max(1, -(-len(items) // workers))
                pending.append((items, [pool.submit(featurise, items[i:i + step])
                                        for i in range(0, len(items), step)]))

            for items in it:
                submit(items)
                if len(pending) > AHEAD:
                    yield self._add_featurised(*pending.popleft())
            while pending:
                yield self._add_featurised(*pending.popleft())

    @staticmethod
    def _prepared(records: Sequence[Mapping[str, Any] | Prepared]) -> list[Prepared]:
        return [r if isinstance(r, Prepared) else prepare(r) for r in records]

    def _add_featurised(self, items: list[Prepared], futures: list) -> list[int]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            done = [x for f in futures for x in f.result().unpack()]
        except BrokenProcessPool as exc:  # killed (OOM?): nothing of this batch is stored yet
            raise NewscrawlError(f"a dedup featurising worker died ({exc}); the index holds every "
                                 "batch before this one — rerun, or use --workers 0") from exc
        for p, (feat, packed) in zip(items, done, strict=True):
            p.features, p.packed_body = feat, packed
        try:
            return self.add(items)
        finally:
            for p in items:  # the index keeps what it needs; do not pin every batch's features
                p.features = p.packed_body = None

    def _add(self, items: list[Prepared]) -> list[int]:
        out: list[int | None] = [None] * len(items)
        known = self.store.docs_by_record_ids([p.record_id for p in items])
        fresh: dict[str, int] = {}  # record id -> position of its first occurrence in this batch
        todo: list[int] = []
        for i, p in enumerate(items):
            if p.record_id in known:
                out[i] = known[p.record_id].doc
            elif p.record_id not in fresh:
                fresh[p.record_id] = i
                todo.append(i)
        if not todo:
            return [d for d in out if d is not None]
        ids = self.store.next_doc_ids(len(todo))
        for i, d in zip(todo, ids, strict=True):
            out[i] = d
        for i, p in enumerate(items):
            if out[i] is None:
                out[i] = out[fresh[p.record_id]]

        # exact level: URL variants of a stored (or earlier in-batch) page are aliases of it
        by_url = self.store.docs_by_url_keys(sorted({items[i].url_key for i in todo}))
        url_owner = {k: r.doc for k, r in by_url.items()}
        nodes: list[int] = []
        rows: list[DocRow] = []
        for i, d in zip(todo, ids, strict=True):
            p = items[i]
            owner = url_owner.get(p.url_key)
            row = DocRow(doc=d, record_id=p.record_id, url=p.url, url_key=p.url_key, site=p.site,
                         published=p.published, sort_ts=p.sort_ts, length=len(p.body), body_hash=0,
                         title=p.title, body=p.body, alias_of=owner, packed_body=p.packed_body)
            if owner is None:
                url_owner[p.url_key] = d
                nodes.append(len(rows))
            rows.append(row)

        node_items = [items[todo[k]] for k in nodes]
        if all(p.features is not None for p in node_items):
            feats = [p.features for p in node_items]
        else:
            feats = features_batch([(p.title, p.body) for p in node_items])
        for k, f in zip(nodes, feats, strict=True):
            rows[k].body_hash = f.body_hash
            rows[k].n_sent = len(f.sent_keys)
            self._remember(rows[k].doc, f)
        self.store.add_docs(rows)
        if not nodes:
            return [d for d in out if d is not None]
        node_rows = [rows[k] for k in nodes]
        pairs = self._candidates(node_rows, feats)
        edges = self._verify(pairs)
        self.store.add_edges(edges)
        self._cluster_new(node_rows, edges)
        return [d for d in out if d is not None]

    def _remember(self, doc: int, f: TextFeatures) -> None:
        self._features[doc] = f
        if len(self._features) > self._feature_cache:
            self._features.popitem(last=False)

    def _candidates(self, rows: list[DocRow], feats: list[TextFeatures]) -> set[tuple[int, int]]:
        """Unordered doc pairs (new doc, any doc) that share an exact body or an LSH bucket."""
        pairs: set[tuple[int, int]] = set()
        docs = [r.doc for r in rows]

        def pair(a: int, b: int) -> None:
            if a != b:
                pairs.add((a, b) if a < b else (b, a))

        # (texts without a single content word all hash alike and prove nothing)
        with_text = [r for r, f in zip(rows, feats, strict=True) if f.stem_count]
        same_body = self.store.docs_by_body_hashes(sorted({r.body_hash for r in with_text}))
        for r in with_text:
            for other in same_body.get(r.body_hash, ()):
                pair(r.doc, other)

        if all(f.doc_keys is not None for f in feats):
            dkeys = np.array([f.doc_keys for f in feats], dtype=np.int64).reshape(len(feats), sketch.DOC_BANDS)
        else:
            dkeys = sketch.doc_keys([_entity_view(f) for f in feats])
        doc_of = np.array(docs, dtype=np.int64)
        d_owner, col = np.nonzero(dkeys >= 0)
        d_keys = dkeys[d_owner, col]
        n_keys = np.array([len(f.sent_keys) for f in feats], dtype=np.int64)
        s_keys = np.concatenate([f.sent_keys.reshape(-1) for f in feats]).astype(np.int64, copy=False)
        s_owner = np.repeat(np.arange(len(feats)), [f.sent_keys.size for f in feats])
        s_keys, s_owner = unique_pairs(s_keys, s_owner)  # a sentence repeated in one text counts once
        self.store.add_band_keys("doc", d_keys, doc_of[d_owner])
        self.store.add_band_keys("sent", s_keys, doc_of[s_owner])
        found_a: list[np.ndarray] = []
        found_b: list[np.ndarray] = []
        owner, other, _ = self.store.band_matches("doc", d_keys, d_owner)
        found_a.append(doc_of[owner])
        found_b.append(other)
        # How many sentence keys two texts must share grows with the shorter one: one (a single
        # shared sentence) between short texts, SENT_MIN_SHARED at least, and SENT_MIN_FRACTION of
        # the shorter text's sentences -- otherwise a long article is compared with every other
        # one that happens to reuse two stock sentences (template wording, a boilerplate line).
        owner, other, shared = self.store.band_matches("sent", s_keys, s_owner)
        own = n_keys[owner]
        ok = shared >= _needed(own)  # the other text can only lower the requirement
        ask = ~ok & (shared >= sketch.SENT_MIN_SHARED_SHORT) & (own > sketch.SHORT_TEXT_SENTENCES)
        if ask.any():
            n_sent = self.store.sentence_counts(set(other[ask].tolist()))
            theirs = np.array([n_sent.get(o, k) for o, k in zip(other[ask].tolist(), own[ask].tolist(), strict=True)],
                              dtype=np.int64)
            ok[ask] = shared[ask] >= _needed(np.minimum(own[ask], theirs))
        found_a.append(doc_of[owner[ok]])
        found_b.append(other[ok])
        a, b = np.concatenate(found_a), np.concatenate(found_b)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        differ = lo != hi
        pairs.update(zip(lo[differ].tolist(), hi[differ].tolist(), strict=True))
        return pairs

    def _features_of(self, docs: Iterable[int]) -> dict[int, TextFeatures]:
        out: dict[int, TextFeatures] = {}
        missing = []
        for d in docs:
            f = self._features.get(d)
            if f is None:
                missing.append(d)
            else:
                out[d] = f
        if missing:
            rows = self.store.get_docs(missing, with_text=True)
            have = [rows[d] for d in missing if d in rows]
            for r, f in zip(have, features_batch([(r.title, r.body or "") for r in have]), strict=True):
                out[r.doc] = f
                self._remember(r.doc, f)
        return out

    def _verify(self, pairs: set[tuple[int, int]]) -> list[tuple[int, int, float, str]]:
        if not pairs:
            return []
        feats = self._features_of({d for p in pairs for d in p})
        edges: list[tuple[int, int, float, str]] = []
        for a, b in sorted(pairs):
            fa, fb = feats.get(a), feats.get(b)
            if fa is None or fb is None:
                continue
            if fa.body_hash == fb.body_hash and fa.stem_count:
                edges.append((a, b, 1.0, "exact-body"))
                continue
            ev = verify.evidence(fa, fb)
            score = verify.copy_score(ev)
            if verify.is_copy(ev, score):
                edges.append((a, b, score, "near"))
            else:
                story = verify.story_score(ev)
                if story >= verify.STORY_THRESHOLD:
                    edges.append((a, b, story, "story"))
        return edges

    def judge(self, record: Mapping[str, Any]) -> Dedup:
        """Add one record and return its ``dedup`` field as of now (the crawl pipeline's call).

        A record judged canonical now may later be superseded by an earlier-published copy that
        is crawled afterwards; the index then records the new canonical, but the record already
        emitted keeps what it was given. ``newscrawl dedup --index SAME_INDEX`` over the crawl
        output rewrites every record with the final state.
        """
        result = self.judge_many([record])[0]
        if isinstance(result, InputError):
            raise result
        return result

    def judge_many(self, records: Sequence[Mapping[str, Any]]) -> list[Dedup | InputError]:
        """:meth:`judge` for a batch in one transaction (the crawl pipeline gathers items for
        it: one batch costs about as much as two single records). A record without url or text
        gets its :class:`InputError` in its place instead of failing the batch."""
        out: list[Dedup | InputError | None] = [None] * len(records)
        prepared: list[Prepared] = []
        where: list[int] = []
        for i, record in enumerate(records):
            try:
                prepared.append(prepare(record))
                where.append(i)
            except InputError as exc:
                out[i] = exc
        if prepared:
            docs = self.add(prepared)
            dedups = self.dedup_of(self.resolve(docs))
            for i, doc in zip(where, docs, strict=True):
                out[i] = dedups[doc]
        return [r for r in out if r is not None]

    # ------------------------------------------------------------------------------ clustering
    def _cluster_new(self, new_rows: list[DocRow], edges: list[tuple[int, int, float, str]]) -> None:
        """Place this batch's new docs, recomputing whole components only where needed.

        Star clustering visits docs in canonical order, and a doc's place depends only on the
        docs before it. A new doc that comes *after all its neighbours* in that order (the usual
        case: news is crawled roughly in publication order, copies after their original) therefore
        changes nobody's place: it joins its best-scoring neighbouring centre or becomes a centre,
        decided from its neighbours' stored places. Only new docs that precede a neighbour (an
        original crawled after its copy) make their component be reclustered from scratch. Both
        paths give exactly what one clustering of all records would — the incremental-equals-batch
        property the tests check — but the common case costs the new doc's degree, not the size
        of its (possibly large, wire-story) component.
        """
        adj: dict[int, dict[int, tuple[float, str]]] = {r.doc: {} for r in new_rows}
        for a, b, score, level in edges:
            if a in adj:
                adj[a][b] = (score, level)
            if b in adj:
                adj[b][a] = (score, level)
        new = {r.doc: r for r in new_rows}
        old_rows = self.store.get_docs({o for nb in adj.values() for o in nb} - new.keys())
        rows: dict[int, DocRow] = {**old_rows, **new}
        # (edges between two new docs are settled by placing the new docs in canonical order)
        slow = {d for d, nb in adj.items()
                if any(_priority(old_rows[o]) > _priority(new[d]) for o in nb if o in old_rows)}
        done: set[int] = set()
        if slow:
            done = self._recluster(slow)
            rows.update(self.store.get_docs(set(rows) - done - new.keys()))
        fast = sorted((r for r in new_rows if r.doc not in done), key=_priority)
        if not fast:
            return
        # places of docs as this pass sees them: (canonical, story) -- new fast docs are added as
        # they are placed, in canonical order, so later ones see earlier ones' places
        canon_of = {d: (r.canonical if r.canonical is not None else d) for d, r in rows.items()}
        story_of = {d: r.story for d, r in rows.items()}
        updates: dict[int, Assignment] = {}
        placed = set(old_rows)
        for r in fast:
            before = [(o, sl) for o, sl in adj[r.doc].items() if o in placed]
            copy_centres = [(o, sl) for o, sl in before if sl[1] != "story" and canon_of[o] == o]
            story_centres = [(o, sl) for o, sl in before if story_of[o] in (None, o)]
            canon, score, level = r.doc, None, None
            best = _best_centre(copy_centres, rows)
            if best is not None:
                canon, (s, level) = best[0], best[1]
                score = round(s, 4)
            story = None
            best_story = _best_centre(story_centres, rows)
            if best_story is not None:
                story = best_story[0]
                if story_of.get(story) != story:  # a lone centre gains its first member
                    story_of[story] = story
                    centre = rows[story]
                    prev = updates.get(story)
                    updates[story] = Assignment(story, prev.canonical if prev else canon_of[story],
                                                prev.score if prev else centre.score,
                                                prev.level if prev else centre.level, story)
            canon_of[r.doc] = canon
            story_of[r.doc] = story
            placed.add(r.doc)
            updates[r.doc] = Assignment(r.doc, canon, score, level, story)
        self.store.set_assignments(list(updates.values()))

    def _recluster(self, seeds: set[int]) -> set[int]:
        """Recompute the star clustering of every component the seeds belong to; returns the
        docs whose places were recomputed."""
        adj: dict[int, dict[int, tuple[float, str]]] = {}
        seen: set[int] = set()
        frontier = set(seeds)
        while frontier and len(seen) < MAX_COMPONENT:
            seen |= frontier
            nxt: set[int] = set()
            for a, b, score, level in self.store.edges_of(frontier):
                adj.setdefault(a, {})[b] = (score, level)
                adj.setdefault(b, {})[a] = (score, level)
                if b not in seen:
                    nxt.add(b)
            frontier = nxt
        if frontier:
            log.warning("dedup component larger than %d records; clustering the first part only", MAX_COMPONENT)
        rows = self.store.get_docs(seen)
        order = sorted((r for r in rows.values() if r.alias_of is None), key=_priority)
        copies = _star(order, adj, lambda lv: lv != "story")
        stories = _star(order, adj, lambda lv: True)
        story_size: dict[int, int] = {}
        for c, _, _ in stories.values():
            story_size[c] = story_size.get(c, 0) + 1
        updates = []
        for r in order:
            canon, score, level = copies[r.doc]
            story = stories[r.doc][0]
            story = story if story_size.get(story, 0) > 1 else None
            if (r.canonical, r.score, r.level, r.story) != (canon, score, level, story):
                updates.append(Assignment(r.doc, canon, score, level, story))
        self.store.set_assignments(updates)
        return {r.doc for r in order}

    # ------------------------------------------------------------------------------ reading
    def resolve(self, docs: Iterable[int]) -> dict[int, Resolved]:
        """The current place of each doc (aliases resolved to their page's cluster)."""
        wanted = set(docs)
        rows = self.store.get_docs(wanted)
        targets = {r.alias_of for r in rows.values() if r.alias_of is not None}
        rows.update(self.store.get_docs(targets - rows.keys()))
        extra = set()
        for r in rows.values():
            extra.add(r.canonical if r.canonical is not None else r.doc)
            if r.story is not None:
                extra.add(r.story)
        rows.update(self.store.get_docs(extra - rows.keys()))
        out: dict[int, Resolved] = {}
        for d in wanted:
            row = rows.get(d)
            if row is None:
                continue
            if row.alias_of is not None:
                page = rows[row.alias_of]
                canon = rows.get(page.canonical if page.canonical is not None else page.doc, page)
                story = rows.get(page.story) if page.story is not None else None
                out[d] = Resolved(row, canon, "copy", "exact-url", 1.0, story)
                continue
            canon = rows.get(row.canonical if row.canonical is not None else row.doc, row)
            story = rows.get(row.story) if row.story is not None else None
            if canon.doc == row.doc:
                out[d] = Resolved(row, row, "canonical", None, None, story)
            else:
                out[d] = Resolved(row, canon, "copy", row.level, row.score, story)
        return out

    def dedup_of(self, resolved: Mapping[int, Resolved]) -> dict[int, Dedup]:
        """The ``dedup`` field for each resolved doc; canonicals list all their copies."""
        canon_docs = {r.canonical.doc for r in resolved.values() if r.role == "canonical"}
        members = self.store.cluster_members(canon_docs)
        page_docs = set(canon_docs) | {m.doc for ms in members.values() for m in ms}
        aliases = self.store.aliases_of(page_docs)
        out: dict[int, Dedup] = {}
        for d, r in resolved.items():
            story_id = r.story.record_id if r.story is not None else None
            if r.role == "copy":
                out[d] = Dedup(cluster_id=r.canonical.record_id, role="copy", canonical_id=r.canonical.record_id,
                               canonical_url=r.canonical.url, level=r.level, score=r.score, story_id=story_id)
                continue
            copies: list[Copy] = []
            for m in sorted(members.get(r.row.doc, []), key=_priority):
                if m.doc != r.row.doc:
                    copies.append(Copy(id=m.record_id, url=m.url, site=m.site, published=m.published,
                                       level=m.level or "near", score=m.score if m.score is not None else 1.0))
            for page in [r.row, *[m for m in members.get(r.row.doc, []) if m.doc != r.row.doc]]:
                for a in aliases.get(page.doc, []):
                    copies.append(Copy(id=a.record_id, url=a.url, site=a.site, published=a.published,
                                       level="exact-url", score=1.0))
            out[d] = Dedup(cluster_id=r.row.record_id, role="canonical", canonical_id=r.row.record_id,
                           canonical_url=r.row.url, copies=copies, story_id=story_id)
        return out


def _needed(n_short: np.ndarray) -> np.ndarray:
    """Sentence keys two texts must share to be compared, by the shorter text's sentence count."""
    frac = np.maximum(sketch.SENT_MIN_SHARED, np.ceil(sketch.SENT_MIN_FRACTION * n_short)).astype(np.int64)
    return np.where(n_short <= sketch.SHORT_TEXT_SENTENCES, sketch.SENT_MIN_SHARED_SHORT, frac)


def _entity_view(f: TextFeatures) -> np.ndarray:
    """Doc-view set: names and numbers, when there are enough of them to be specific."""
    ids = f.entity_ids()
    return ids if len(ids) >= sketch.MIN_ENTITIES else np.zeros(0, dtype=np.uint64)


def _best_centre(centres: list[tuple[int, tuple[float, str]]], rows: Mapping[int, DocRow]
                 ) -> tuple[int, tuple[float, str]] | None:
    """The centre :func:`_star` would pick: best score, then the earliest in canonical order."""
    best = None
    for other, (score, level) in centres:
        key = (-score, _priority(rows[other]))
        if best is None or key < best[0]:
            best = (key, other, (score, level))
    return None if best is None else (best[1], best[2])


def _star(order: list[DocRow], adj: dict[int, dict[int, tuple[float, str]]], use) -> dict[int, tuple[int, float | None, str | None]]:
    """Star clustering in canonical order: each doc joins the best-scoring centre it has a direct
    edge to (ties: the earlier centre), or becomes a centre itself."""
    rank = {r.doc: i for i, r in enumerate(order)}
    centres: set[int] = set()
    out: dict[int, tuple[int, float | None, str | None]] = {}
    for r in order:
        best: tuple[float, int, int, str] | None = None
        for other, (score, level) in adj.get(r.doc, {}).items():
            if other in centres and use(level):
                cand = (score, -rank[other], other, level)
                if best is None or cand > best:
                    best = cand
        if best is None:
            centres.add(r.doc)
            out[r.doc] = (r.doc, None, None)
        else:
            out[r.doc] = (best[2], round(best[0], 4), best[3])
    return out
