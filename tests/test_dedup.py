"""Dedup behaviour on realistic input: the seed pair, URL variants, hard negatives, incremental runs."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from newscrawl.dedup import sketch, synth, verify
from newscrawl.dedup.index import DedupIndex, prepare
from newscrawl.dedup.store import unpack_text
from newscrawl.dedup.text import features_batch
from newscrawl.dedup.urls import normalise_url

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = REPO / "fixtures" / "pages"


def record(url: str, title: str, body: str, published: str | None = None, site: str | None = None) -> dict:
    return {"url": url, "title": title, "body": body, "published": published, "site": site}


def clusters(index: DedupIndex, docs: list[int]) -> dict[int, int]:
    """doc -> canonical doc."""
    return {d: r.canonical.doc for d, r in index.resolve(docs).items()}


@pytest.fixture
def index(tmp_path: Path):
    with DedupIndex.open(tmp_path / "dedup.sqlite") as idx:
        yield idx


# ----------------------------------------------------------------------------- texts

LAUNCH = """Balenciaga has opened its first flagship store in Seoul, a four-storey building on Cheongdam-dong designed with the architect Mario Carpenter.

The new space covers 1,200 square metres and brings together ready-to-wear, accessories and the couture line for the first time in Asia. Customers will find a dedicated floor for made-to-measure appointments and a rooftop garden open to visitors.

“Seoul has become one of the most important fashion cities in the world, and our clients here are among the most engaged,” said chief executive Cédric Charbit at the opening on Thursday.

The Kering-owned brand said sales in South Korea grew 38 percent last year, making the country its third-largest market after the United States and China.

The opening follows new stores in Tokyo and Shanghai earlier this year, as luxury houses race to expand in Asia while demand in Europe slows."""

# The same event written up independently by another outlet: same names, figures and quote,
# its own sentences.
LAUNCH_INDEPENDENT = """Crowds lined up along Cheongdam-dong on Thursday evening as Balenciaga unveiled a Seoul flagship that executives hope will anchor the label's Korean expansion.

Inside, shoppers wandered through four floors of concrete and steel conceived by Mario Carpenter, with couture fittings hidden away upstairs and a garden perched on the roof.

“Seoul has become one of the most important fashion cities in the world, and our clients here are among the most engaged,” said chief executive Cédric Charbit at the opening on Thursday.

Analysts at Bernstein noted that Korea, up 38 percent for the label last year, now trails only America and China among its markets, and expect rivals to follow with 1,200 square metre boutiques of their own."""

# Another Balenciaga story from the same week: same brand, different news.
BRAND_OTHER = """Balenciaga will present its winter collection in Paris on Sunday in a show held at the Carrousel du Louvre, the house confirmed on Monday.

Creative director Demna is expected to return to tailoring after two seasons dominated by oversized streetwear, according to people who attended the fittings.

The Kering-owned label has invited around 800 guests and will stream the show live on its website and social media channels.

Kering reports first-quarter sales next month, with analysts watching Balenciaga closely after a difficult year for the brand."""


def reworded(text: str) -> str:
    """A syndicated rewrite of LAUNCH, sentence by sentence (the seed-pair kind of copy)."""
    return (text.replace("has opened its first flagship store", "opened its first flagship")
            .replace("a four-storey building", "a building of four storeys")
            .replace("brings together", "unites").replace("Customers will find", "Clients can find")
            .replace("said chief executive", "chief executive").replace("at the opening on Thursday", "said on Thursday")
            .replace("grew 38 percent", "rose by 38 percent").replace("as luxury houses race", "with luxury houses racing"))


# ----------------------------------------------------------------------------- exact level

def test_url_variants_collapse_into_one_page(index: DedupIndex) -> None:
    base = "https://www.fashionnews.example/news/balenciaga-seoul-flagship/"
    variants = [
        base,
        "http://fashionnews.example/news/balenciaga-seoul-flagship?utm_source=twitter&utm_medium=social",
        "https://fashionnews.example/news/balenciaga-seoul-flagship/amp/",
        "https://amp.fashionnews.example/news/balenciaga-seoul-flagship#comments",
        "https://m.fashionnews.example/news/balenciaga-seoul-flagship/?fbclid=abc123",
    ]
    assert len({normalise_url(v) for v in variants}) == 1
    assert normalise_url(base) != normalise_url("https://fashionnews.example/news/balenciaga-paris-show/")
    # every variant as its own record (the extractor kept the variant as canonical_url)
    docs = index.add([{**record(v, "Balenciaga opens Seoul flagship", LAUNCH, "2024-05-02T10:00:00+00:00"),
                       "canonical_url": v} for v in variants])
    resolved = index.resolve(docs)
    assert len({r.canonical.doc for r in resolved.values()}) == 1
    assert [resolved[d].role for d in docs] == ["canonical"] + ["copy"] * 4
    assert {resolved[d].level for d in docs[1:]} == {"exact-url"}
    head = index.dedup_of({docs[0]: resolved[docs[0]]})[docs[0]]
    assert sorted(c.url for c in head.copies) == sorted(variants[1:])


def test_same_record_twice_is_not_a_copy_of_itself(index: DedupIndex) -> None:
    r = record("https://a.example/x", "T", LAUNCH)
    first = index.add([r])
    again = index.add([r, r])
    assert first == again[:1] == again[1:]
    assert index.resolve(first)[first[0]].role == "canonical"


def test_repost_with_other_whitespace_and_case_is_exact_body_copy(index: DedupIndex) -> None:
    docs = index.add([record("https://a.example/1", "T", LAUNCH, "2024-05-02T10:00:00+00:00"),
                      record("https://b.example/2", "T", "  " + LAUNCH.upper().replace("\n\n", "\n\n\n"),
                             "2024-05-03T10:00:00+00:00")])
    r = index.resolve(docs)[docs[1]]
    assert (r.role, r.level, r.score, r.canonical.doc) == ("copy", "exact-body", 1.0, docs[0])


# ----------------------------------------------------------------------------- near level

def test_reworded_copy_joins_and_earliest_is_canonical(index: DedupIndex) -> None:
    copy = reworded(LAUNCH) + "\n\nFollow us on Instagram for more news from the runway."
    docs = index.add([
        record("https://wire.example/seoul", "Balenciaga opens in Seoul", copy, "2024-05-02T14:00:00+00:00"),
        record("https://origin.example/seoul", "Balenciaga opens first Seoul flagship", LAUNCH,
               "2024-05-02T09:00:00+00:00"),
    ])
    res = index.resolve(docs)
    assert res[docs[0]].role == "copy" and res[docs[0]].canonical.doc == docs[1]
    assert res[docs[0]].level == "near" and res[docs[0]].score >= verify.COPY_THRESHOLD
    head = index.dedup_of({docs[1]: res[docs[1]]})[docs[1]]
    assert [(c.url, c.site) for c in head.copies] == [("https://wire.example/seoul", "wire.example")]


def test_independent_writeup_and_same_brand_story_stay_apart(index: DedupIndex) -> None:
    docs = index.add([
        record("https://origin.example/seoul", "Balenciaga opens first Seoul flagship", LAUNCH,
               "2024-05-02T09:00:00+00:00"),
        record("https://rival.example/seoul", "Balenciaga opens first Seoul flagship", LAUNCH_INDEPENDENT,
               "2024-05-02T11:00:00+00:00"),
        record("https://origin.example/paris", "Balenciaga to show in Paris", BRAND_OTHER,
               "2024-05-03T09:00:00+00:00"),
    ])
    canon = clusters(index, docs)
    assert len(set(canon.values())) == 3
    # the write-up shares quote, names and figures: evidence sees it, the threshold keeps it out
    fa, fb = features_batch([("", LAUNCH), ("", LAUNCH_INDEPENDENT)])
    ev = verify.evidence(fa, fb)
    assert ev.names and ev.names > 0.5
    assert not verify.is_copy(ev, verify.copy_score(ev))


@pytest.mark.skipif(not (SHARED / "extraction-dev").is_dir(), reason="../shared not present")
def test_real_independent_writeups_of_one_event_stay_apart(tmp_path: Path) -> None:
    """extraction-dev holds several outlets' own articles on one event (a band's tour, a court
    case, an outbreak): none of them is a copy of another."""
    sources = [s for s in synth.load_sources(SHARED, None) if s.key.startswith("dev:")]
    with DedupIndex.open(tmp_path / "i.sqlite") as idx:
        docs = idx.add([record(s.url or f"https://dev.example/{s.key}", s.title, s.body) for s in sources])
        assert len(set(clusters(idx, docs).values())) == len(docs)


def _seed_expectation(records: list[dict]) -> int:
    """Index of the record the canonical rule picks: earliest published, then longest body."""
    return min(range(len(records)), key=lambda i: (records[i].get("published") is None,
                                                   records[i].get("published") or "", -len(records[i]["body"])))


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/seeds not present")
def test_seed_pair_texts_are_one_cluster(index: DedupIndex) -> None:
    pair = synth.seed_pair(SHARED)
    docs = index.add(pair)
    res = index.resolve(docs)
    assert res[docs[0]].canonical.doc == res[docs[1]].canonical.doc
    assert res[docs[_seed_expectation(pair)]].role == "canonical"


def test_seed_pair_extracted_from_fixture_pages_is_one_cluster(index: DedupIndex) -> None:
    extract_mod = pytest.importorskip("newscrawl.extract")
    pages = [p for pattern in ("highxtar-*.html", "fashionunited-*.html") for p in sorted(FIXTURES.glob(pattern))[:1]]
    if len(pages) < 2:
        pytest.skip("seed fixture pages not present yet")
    records = []
    for page in pages:
        result = extract_mod.extract(page.read_bytes(), url=None)
        if result.record is None:
            pytest.skip(f"extractor gives no record for {page.name} yet")
        records.append(result.record.model_dump())
    docs = index.add(records)
    res = index.resolve(docs)
    assert res[docs[0]].canonical.doc == res[docs[1]].canonical.doc, "the seed pair must be one cluster"
    expected = _seed_expectation(records)
    assert res[docs[expected]].role == "canonical"
    assert "highxtar" in records[expected]["url"]  # published a day earlier, and the longer text
    copy = res[docs[1 - expected]]
    assert copy.level == "near" and copy.score is not None and copy.score >= verify.COPY_THRESHOLD


# ----------------------------------------------------------------------------- incremental

def _partition(index: DedupIndex, docs_by_id: dict[str, int]) -> set[tuple[str, frozenset[str]]]:
    res = index.resolve(docs_by_id.values())
    groups: dict[str, set[str]] = {}
    for rid, d in docs_by_id.items():
        groups.setdefault(res[d].canonical.record_id, set()).add(rid)
    return {(canon, frozenset(members)) for canon, members in groups.items()}


def _small_set() -> list[dict]:
    sources = [synth.Source("launch", "Balenciaga opens first Seoul flagship", LAUNCH),
               synth.Source("indep", "Seoul flagship opens", LAUNCH_INDEPENDENT),
               synth.Source("paris", "Balenciaga to show in Paris", BRAND_OTHER)]
    if (SHARED / "extraction-dev").is_dir():
        sources += synth.load_sources(SHARED, None)[:6]
    return [it.record for it in synth.build_set(sources, seed=5, copies_per_family=(2, 4))]


def test_incremental_runs_equal_one_run(tmp_path: Path) -> None:
    records = _small_set()
    with DedupIndex.open(tmp_path / "batch.sqlite") as idx:
        docs = idx.add(records)
        batch = _partition(idx, {prepare(r).record_id: d for r, d in zip(records, docs, strict=True)})
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)  # later runs bring earlier-published originals: canonicals move
    ids: dict[str, int] = {}
    chunks = (shuffled[:7], shuffled[7:20], shuffled[20:])
    for k, chunk in enumerate(chunks):
        with DedupIndex.open(tmp_path / "incremental.sqlite") as idx:  # a new process each "day"
            batches = [[r] for r in chunk] if k == 1 else [chunk]  # one by one, like the crawl
            for part in batches:
                for rec, d in zip(part, idx.add(part), strict=True):
                    ids[prepare(rec).record_id] = d
    with DedupIndex.open(tmp_path / "incremental.sqlite") as idx:
        assert _partition(idx, ids) == batch
    assert any(len(members) > 2 for _, members in batch)  # the set has real clusters


def test_star_clustering_does_not_chain(index: DedupIndex) -> None:
    """A~B and B~C with C unrelated to A: C must not end up in A's cluster."""
    a, c = LAUNCH, BRAND_OTHER
    b = "\n\n".join(a.split("\n\n")[:4] + c.split("\n\n")[:3])  # most of A, then most of C
    docs = index.add([record("https://a.example/a", "A", a, "2024-05-01T00:00:00+00:00"),
                      record("https://b.example/b", "B", b, "2024-05-02T00:00:00+00:00"),
                      record("https://c.example/c", "C", c, "2024-05-03T00:00:00+00:00")])
    linked = {(x, y) for x, y, _, level in index.store.edges_of(docs) if level != "story"}
    assert (docs[0], docs[1]) in linked and (docs[1], docs[2]) in linked  # the weak chain exists
    assert (docs[0], docs[2]) not in linked
    canon = clusters(index, docs)
    assert canon[docs[1]] == docs[0]
    assert canon[docs[2]] == docs[2]  # C heads its own cluster instead of riding on B


def test_texts_without_words_are_not_copies_of_each_other(index: DedupIndex) -> None:
    docs = index.add([record(f"https://e.example/{i}", "", body) for i, body in enumerate(["", " ", "...", "— —"])])
    assert {r.role for r in index.resolve(docs).values()} == {"canonical"}


@pytest.mark.parametrize("order_seed", [0, 1, 2, 3])
def test_incremental_placing_equals_full_reclustering(tmp_path: Path, order_seed: int) -> None:
    """Docs placed incrementally (new docs after their neighbours are placed without touching
    their component) end up exactly where a from-scratch star clustering of everything puts
    them: canonical, score, level and story. Order 0 is the crawl's usual one (by publication
    date, so nearly every doc takes the fast path); the others are random."""
    records = _small_set()
    rnd = random.Random(order_seed)
    if order_seed:
        rnd.shuffle(records)
    else:
        records.sort(key=lambda r: r.get("published") or "9999")
    with DedupIndex.open(tmp_path / "idx.sqlite") as idx:
        docs: list[int] = []
        pos = 0
        while pos < len(records):
            step = rnd.choice([1, 1, 2, 5, 9])
            docs.extend(idx.add(records[pos:pos + step]))
            pos += step
        before = idx.store.get_docs(docs)
        recomputed = idx._recluster(set(docs))
        after = idx.store.get_docs(docs)
    assert recomputed >= {d for d, r in before.items() if r.alias_of is None}
    places = {d: (r.canonical, r.score, r.level, r.story) for d, r in before.items()}
    assert places == {d: (r.canonical, r.score, r.level, r.story) for d, r in after.items()}
    assert sum(r.canonical != d for d, r in before.items() if r.alias_of is None) >= 5  # real clusters


def test_stream_with_featurising_worker_equals_one_process(tmp_path: Path) -> None:
    """``add_stream`` with a worker process computing the next batch's features gives the same
    doc numbers and the same places as doing everything in this process."""
    records = _small_set()
    batches = [records[i:i + 10] for i in range(0, len(records), 10)]
    places = []
    for workers in (0, 1):
        with DedupIndex.open(tmp_path / f"w{workers}.sqlite") as idx:
            docs = [d for out in idx.add_stream(iter(batches), workers=workers) for d in out]
            rows = idx.store.get_docs(docs)
            places.append((docs, {d: (r.canonical, r.score, r.level, r.story, r.body_hash) for d, r in rows.items()}))
            assert idx.store.get_docs(docs[:1], with_text=True)[docs[0]].body == records[0]["body"]
    assert places[0] == places[1]
    assert len({canon for canon, *_ in places[0][1].values()}) < len(records) / 2  # real clusters


def test_feature_batch_round_trip_keeps_every_field() -> None:
    """Features cross from the featurising worker packed column-wise; unpacked, every field must
    equal what was computed (short, empty and multilingual texts included)."""
    from newscrawl.dedup.featurebatch import FeatureBatch
    from newscrawl.dedup.index import Prepared, featurise

    texts = [(r.get("title"), r["body"]) for r in _small_set()[:12]]
    texts += [(None, ""), ("Только заголовок", "Коротко."), ("Mr. Smith paid 55,000 euros", "“Quoted,” he said.\nNo.")]
    items = [Prepared(f"id{i}", f"https://a.example/{i}", i, "a.example", None, None, t, b)
             for i, (t, b) in enumerate(texts)]
    packed = featurise(items)
    assert isinstance(packed, FeatureBatch)
    got = packed.unpack()
    want = features_batch(texts)
    assert len(got) == len(want)
    for (g, body), w, (_, text) in zip(got, want, texts, strict=True):
        for field in ("title", "stem_count", "narrative", "numbers", "names", "body_hash", "sent_bounds"):
            assert getattr(g, field) == getattr(w, field), field
        for field in ("stems", "sent_keys"):
            assert np.array_equal(getattr(g, field), getattr(w, field)), field
            assert getattr(g, field).dtype == getattr(w, field).dtype, field
        assert (g.sent_src is None) == (w.sent_src is None)
        if w.sent_src is not None:
            assert np.array_equal(g.sent_src, w.sent_src)
        assert g.sent_keys.shape == w.sent_keys.shape
        assert g.doc_keys is not None and len(g.doc_keys) == sketch.DOC_BANDS
        assert unpack_text(body) == text
