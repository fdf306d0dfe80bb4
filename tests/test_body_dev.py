"""Body quality on the 60 real pages of ../shared/extraction-dev (skipped when absent).

The floor is the issue's: F1 >= 0.970 by the shared word-4-shingle metric, where plain
``trafilatura.extract`` scores 0.963. Only general mechanisms get there: nothing in the code
knows these pages or their sites.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newscrawl.evaluation import score_page, summarize
from newscrawl.extract.body import extract_body
from newscrawl.extract.document import Document

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "extraction-dev"


@pytest.mark.slow
def test_extraction_dev_f1_floor() -> None:
    truth_file = DEV / "ground-truth.json"
    if not truth_file.exists():
        pytest.skip(f"{DEV} not available")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    scores = []
    for key, item in truth.items():
        html = gzip.decompress((DEV / "html" / f"{key}.html.gz").read_bytes())
        body = extract_body(Document.parse(html, url=item["url"]))
        scores.append(score_page(body.text, item["articleBody"]))
    summary = summarize(scores)
    assert summary.pages == 60
    assert summary.f1 >= 0.970, (
        f"P {summary.precision:.3f} R {summary.recall:.3f} F1 {summary.f1:.3f}"
    )
