"""Metadata quality and speed, side by side with trafilatura's metadata, in one run.

    python benchmarks/metadata.py [--dev ../shared/extraction-dev] [--rounds 3]

Quality, on the bundled fixture articles (gold title, authors, published, language): share of
pages where each field equals gold exactly, for ``newscrawl.extract.extract()`` and for
``trafilatura.extract(html, url=url, with_metadata=True, output_format="json")``. trafilatura
only gives a day for dates, so its date is also scored at day precision ("published (day)"),
and ours too, for a fair comparison.

Speed: milliseconds per page for the metadata step alone — ``extract_metadata`` on a parsed
``Document`` against ``trafilatura.metadata.extract_metadata`` on a parsed tree — over the
fixtures plus the extraction-dev pages (when present). One untimed warm-up pass (dateparser
and htmldate load lazily), then ``--rounds`` interleaved timed passes; the best round counts.
Also: how often each date source was used on the dev pages, and what the htmldate fallback
costs on the pages that reach it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import trafilatura
from trafilatura.metadata import extract_metadata as trafilatura_metadata

from newscrawl.extract import extract
from newscrawl.extract import metadata as metadata_module
from newscrawl.extract.document import Document
from newscrawl.extract.metadata import extract_metadata

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEV = ROOT.parent / "shared" / "extraction-dev"
FIELDS = ("title", "authors", "published", "published (day)", "language")


def fixtures() -> list[tuple[bytes, str, dict, datetime | None]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from fixtures_pages import article_pages

    return [
        (p.html_bytes, p.gold["url"], p.gold, datetime.fromisoformat(p.gold["fetched_at"]) if p.gold.get("fetched_at") else None)
        for p in article_pages()
    ]  # fmt: skip


def dev_pages(directory: Path) -> list[tuple[bytes, str]]:
    if not directory.exists():
        return []
    gold = json.loads((directory / "ground-truth.json").read_text("utf-8"))
    return [
        (gzip.decompress(p.read_bytes()), gold.get(p.name.split(".")[0], {}).get("url", ""))
        for p in sorted((directory / "html").glob("*.html.gz"))
    ]


def ours(html: bytes, url: str, fetched: datetime | None) -> dict:
    r = extract(html, url, fetched_at=fetched).record
    return {
        "title": r.title,
        "authors": r.authors,
        "published": r.published,
        "language": r.language,
    }


def theirs(html: bytes, url: str) -> dict:
    out = json.loads(
        trafilatura.extract(html, url=url, with_metadata=True, output_format="json") or "{}"
    )
    author = out.get("author")
    return {
        "title": out.get("title"),
        "authors": [a.strip() for a in author.split(";")] if author else [],
        "published": out.get("date"),
        "language": out.get("language"),
    }


def score(result: dict, gold: dict) -> dict[str, bool]:
    day = (gold.get("published") or "")[:10] or None
    return {
        "title": result["title"] == gold["title"],
        "authors": result["authors"] == gold["authors"],
        "published": result["published"] == gold["published"],
        "published (day)": ((result["published"] or "")[:10] or None) == day,
        "language": result["language"] == gold["language"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    fx = fixtures()
    ok_ours: Counter[str] = Counter()
    ok_theirs: Counter[str] = Counter()
    for html, url, gold, fetched in fx:
        ok_ours.update(k for k, v in score(ours(html, url, fetched), gold).items() if v)
        ok_theirs.update(k for k, v in score(theirs(html, url), gold).items() if v)
    print(f"metadata equal to gold on {len(fx)} fixture articles")
    print(f"  {'field':<18}{'newscrawl':>12}{'trafilatura':>14}")
    for field in FIELDS:
        print(f"  {field:<18}{ok_ours[field] / len(fx):>12.0%}{ok_theirs[field] / len(fx):>14.0%}")

    dev = dev_pages(args.dev)
    pages = [(h, u) for h, u, _, _ in fx] + dev
    docs = [Document.parse(h, url=u) for h, u in pages]
    trees = [lxml.html.document_fromstring(d.html) for d in docs]
    fetched = datetime.now(UTC)
    for doc, tree in zip(docs, trees, strict=True):  # warm-up
        extract_metadata(doc, fetched_at=fetched)
        trafilatura_metadata(tree, default_url=doc.url)
    best_ours = best_theirs = float("inf")
    for _ in range(args.rounds):
        t = time.perf_counter()
        for doc in docs:
            extract_metadata(doc, fetched_at=fetched)
        best_ours = min(best_ours, time.perf_counter() - t)
        t = time.perf_counter()
        for doc, tree in zip(docs, trees, strict=True):
            trafilatura_metadata(tree, default_url=doc.url)
        best_theirs = min(best_theirs, time.perf_counter() - t)
    n = len(docs)
    print(f"\nmetadata step alone, {n} pages (fixtures + extraction-dev), best of {args.rounds}")
    print(f"  newscrawl extract_metadata        {best_ours * 1000 / n:7.2f} ms/page")
    print(f"  trafilatura metadata              {best_theirs * 1000 / n:7.2f} ms/page")
    print(f"  ratio (trafilatura / newscrawl)   {best_theirs / best_ours:7.2f}x")

    if dev:
        sources: Counter[str] = Counter()
        htmldate_ms: list[float] = []
        for doc in docs[len(fx) :]:
            meta = extract_metadata(doc, fetched_at=fetched)
            sources[meta.published_source or "none"] += 1
            if meta.published_source == "htmldate":
                t = time.perf_counter()
                metadata_module._htmldate(doc)
                htmldate_ms.append((time.perf_counter() - t) * 1000)
        print(
            f"\npublished date source on {len(dev)} extraction-dev pages: "
            + ", ".join(f"{k} {v}" for k, v in sources.most_common())
        )
        if htmldate_ms:
            print(
                f"  htmldate fallback: {len(htmldate_ms)} pages, {sum(htmldate_ms) / len(htmldate_ms):.1f} ms each"
            )


if __name__ == "__main__":
    main()
