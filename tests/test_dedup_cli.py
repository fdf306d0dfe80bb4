"""``newscrawl dedup`` on JSON Lines files, and the crawl pipeline."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from newscrawl import exitcodes
from newscrawl.cli import main
from newscrawl.dedup import synth
from newscrawl.record import ArticleRecord

ORIGINAL = """Prada Group reported revenue of 4.7 billion euros for the year, up 17 percent at constant exchange rates, with Miu Miu more than doubling its retail sales.

Chief executive Andrea Guerra said the group would keep investing in its stores and in the brand, and that the second half had been stronger than the first in every region.

The board proposed a dividend of 0.137 euros per share, and the group confirmed it would open 20 new stores in China and the Middle East over the coming year.

Shares in the company rose 4 percent in Hong Kong on Friday after the results were published."""


def write_jsonl(path: Path, rows: list) -> None:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), "utf-8")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def rows() -> list:
    copy = synth.back_translate(ORIGINAL, __import__("random").Random(1))
    return [
        {"url": "https://origin.example/prada-results", "title": "Prada revenue up 17%", "text": ORIGINAL,
         "published": "2024-02-22T08:00:00+00:00"},
        "{this is not json",
        {"url": "https://wire.example/prada", "title": "Prada results", "content": copy,
         "published": "2024-02-22T12:00:00+00:00"},
        {"url": "https://empty.example/x", "title": "No text here"},
        {"url": "https://other.example/gucci", "title": "Gucci names new designer",
         "articleBody": "Gucci named Sabato De Sarno as creative director on Saturday, ending months of speculation.\n\n"
                        "The designer previously worked at Valentino for more than a decade and will show his "
                        "first collection in Milan in September."},
    ]


def test_cli_reports_bad_lines_carries_on_and_drops_copies(tmp_path: Path, capsys) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(src, rows())
    code = main(["dedup", str(src), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == exitcodes.PARTIAL
    assert f"{src}:2: not valid JSON" in err and f"{src}:4:" in err and "no text" in err
    got = read_jsonl(out)
    assert [r["url"] for r in got] == ["https://origin.example/prada-results", "https://other.example/gucci"]
    head = got[0]["dedup"]
    assert head["role"] == "canonical" and [c["url"] for c in head["copies"]] == ["https://wire.example/prada"]
    assert head["copies"][0]["site"] == "wire.example" and head["copies"][0]["score"] >= 0.6
    assert got[0]["text"] == ORIGINAL  # foreign records keep their own fields
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # temp file renamed away


def test_cli_keep_copies_and_persistent_index_across_runs(tmp_path: Path) -> None:
    index = tmp_path / "idx.sqlite"
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    good = [r for r in rows() if isinstance(r, dict) and "title" in r and r.get("url") != "https://empty.example/x"]
    write_jsonl(first, [good[0]])
    write_jsonl(second, good[1:])
    assert main(["dedup", str(first), "-o", str(tmp_path / "o1.jsonl"), "--index", str(index)]) == exitcodes.OK
    # next day: the copy arrives; the original is only in the index now
    assert main(["dedup", str(second), "-o", str(tmp_path / "o2.jsonl"), "--index", str(index),
                 "--keep-copies"]) == exitcodes.OK
    got = {r["url"]: r["dedup"] for r in read_jsonl(tmp_path / "o2.jsonl")}
    assert got["https://wire.example/prada"]["role"] == "copy"
    assert got["https://wire.example/prada"]["canonical_url"] == "https://origin.example/prada-results"
    assert got["https://other.example/gucci"]["role"] == "canonical"


def test_cli_output_is_final_state_when_an_earlier_original_arrives_last(tmp_path: Path) -> None:
    good = [r for r in rows() if isinstance(r, dict) and ("text" in r or "content" in r)]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(src, [good[1], good[0]])  # the copy first, the earlier-published original after it
    assert main(["dedup", str(src), "-o", str(out), "--keep-copies"]) == exitcodes.OK
    got = {r["url"]: r["dedup"]["role"] for r in read_jsonl(out)}
    assert got == {"https://wire.example/prada": "copy", "https://origin.example/prada-results": "canonical"}


def test_cli_missing_input_file_is_reported(tmp_path: Path, capsys) -> None:
    code = main(["dedup", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "out.jsonl")])
    assert code == exitcodes.PARTIAL
    assert "nope.jsonl: cannot read" in capsys.readouterr().err


# ----------------------------------------------------------------------------- pipeline

def article(url: str, body: str, published: str) -> ArticleRecord:
    return ArticleRecord(id=url[-16:].rjust(16, "0"), url=url, canonical_url=url, site=url.split("/")[2],
                         title="Prada results", body=body, word_count=len(body.split()),
                         published=published, fetched_at="2024-02-23T00:00:00+00:00")


def test_pipeline_drops_or_marks_copies(tmp_path: Path) -> None:
    pytest.importorskip("scrapy")
    from newscrawl.pipelines.dedup import DedupPipeline
    from scrapy.exceptions import DropItem

    copy_body = synth.back_translate(ORIGINAL, __import__("random").Random(1))
    for mode in ("drop", "mark"):
        pipe = DedupPipeline(str(tmp_path / f"{mode}.sqlite"), mode, max_wait=0.01)
        pipe.open_spider(None)
        try:
            first = {"record": article("https://origin.example/prada", ORIGINAL, "2024-02-22T08:00:00+00:00")}
            out = asyncio.run(pipe.process_item(first, None))
            assert out["record"].dedup.role == "canonical"
            second = {"record": article("https://wire.example/prada", copy_body, "2024-02-22T12:00:00+00:00")}
            if mode == "drop":
                with pytest.raises(DropItem, match=r"origin\.example/prada"):
                    asyncio.run(pipe.process_item(second, None))
            else:
                marked = asyncio.run(pipe.process_item(second, None))["record"]
                assert marked.dedup.role == "copy" and marked.dedup.canonical_url == "https://origin.example/prada"
        finally:
            pipe.close_spider(None)


def test_pipeline_judges_items_that_arrive_together_in_one_batch(tmp_path: Path) -> None:
    """Items gathered into one batch are judged together: the copy is recognised against an
    original in the same batch, a record without text passes through unjudged, and the index
    sees one transaction for all of them."""
    pytest.importorskip("scrapy")
    from newscrawl.pipelines.dedup import DedupPipeline
    from scrapy.exceptions import DropItem

    copy_body = synth.back_translate(ORIGINAL, __import__("random").Random(1))
    pipe = DedupPipeline(str(tmp_path / "batch.sqlite"), "drop", batch_size=3, max_wait=5.0)
    pipe.open_spider(None)
    batches: list[int] = []
    judge_many = pipe.index.judge_many  # type: ignore[union-attr]
    pipe.index.judge_many = lambda records: (batches.append(len(records)), judge_many(records))[1]  # type: ignore[union-attr,method-assign]

    async def crawl() -> list[object]:
        items = [{"record": article("https://wire.example/prada", copy_body, "2024-02-22T12:00:00+00:00")},
                 {"record": article("https://origin.example/prada", ORIGINAL, "2024-02-22T08:00:00+00:00")},
                 {"url": "https://origin.example/video", "title": "no text"}]
        return await asyncio.gather(*(pipe.process_item(i, None) for i in items), return_exceptions=True)

    try:
        copy, original, other = asyncio.run(crawl())  # batch full at 3: no waiting for the timer
    finally:
        pipe.close_spider(None)
    assert batches == [3]
    assert isinstance(copy, DropItem) and "origin.example/prada" in str(copy)
    assert original["record"].dedup.role == "canonical"  # type: ignore[index]
    assert [c.url for c in original["record"].dedup.copies] == ["https://wire.example/prada"]  # type: ignore[index]
    assert other == {"url": "https://origin.example/video", "title": "no text"}
