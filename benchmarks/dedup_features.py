"""Speed of dedup text featurisation (``features_batch``): this checkout against an earlier commit.

    python benchmarks/dedup_features.py                      # baseline a4dcc3a (before the speed work)
    python benchmarks/dedup_features.py --baseline HEAD~3 --records 24000
    python benchmarks/dedup_features.py --shared ../shared --fixtures fixtures/pages

``features_batch`` runs in the featurising worker of ``newscrawl dedup`` on batches of 2,000
records, and that worker bounds dedup throughput. Both versions see the same batches in the same
process, alternately, after a warm-up that fills their token vocabularies (as in a long run):
the synthetic throughput corpus (``synth.cheap_corpus``, ASCII pseudo-words), and — when the
fixture pages / ``../shared`` are there — real article texts in several languages with
syndication-style variants (``synth.build_set``). Figures are CPU ms per record (process time,
so other load on the machine matters less), the median over rounds × batches; the outputs of the
two versions are compared too, since a faster but different featuriser would split stored indexes.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

from newscrawl.dedup import synth
from newscrawl.dedup import text as current

REPO = Path(__file__).resolve().parent.parent
Docs = list[tuple[str | None, str]]


def load_baseline(rev: str, tmp: Path) -> ModuleType:
    """``newscrawl/dedup/text.py`` as of ``rev``, imported as a module of its own."""
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:newscrawl/dedup/text.py"],
                            check=True, capture_output=True, text=True).stdout
    path = tmp / "text_baseline.py"
    path.write_text(source, "utf-8")
    spec = importlib.util.spec_from_file_location("text_baseline", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["text_baseline"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def same_output(a: list, b: list) -> bool:
    """Every field of every document equal (arrays by dtype and value)."""
    for x, y in zip(a, b, strict=True):
        for name in ("title", "stem_count", "narrative", "numbers", "names", "body_hash", "sent_bounds"):
            if getattr(x, name) != getattr(y, name):
                return False
        for name in ("stems", "sent_keys", "sent_src"):
            u, v = getattr(x, name), getattr(y, name)
            if (u is None) != (v is None):
                return False
            if u is not None and (u.dtype != v.dtype or not np.array_equal(u, v)):
                return False
    return True


def measure(label: str, docs: Docs, warm: int, batch: int, rounds: int,
            versions: dict[str, Callable[[Docs], list]]) -> tuple[str, dict[str, float], bool]:
    """Median CPU ms/record per version over ``rounds`` passes of the batches after ``warm`` docs."""
    for fn in versions.values():
        fn(docs[:warm])
    batches = [docs[i:i + batch] for i in range(warm, len(docs), batch)]
    batches = [b for b in batches if len(b) == batch] or batches[:1]
    times: dict[str, list[float]] = {name: [] for name in versions}
    identical = True
    for _ in range(rounds):
        for b in batches:
            outs = []
            for name, fn in versions.items():
                t0 = time.process_time()
                outs.append(fn(b))
                times[name].append((time.process_time() - t0) / len(b) * 1000)
            identical = identical and same_output(outs[0], outs[-1])
    return label, {name: statistics.median(ts) for name, ts in times.items()}, identical


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", default="a4dcc3a", help="git revision to compare with")
    ap.add_argument("--records", type=int, default=14000, help="cheap_corpus records (warm-up included)")
    ap.add_argument("--warm", type=int, default=4000, help="records featurised before timing")
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--fixtures", type=Path, default=REPO / "fixtures" / "pages")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        baseline = load_baseline(args.baseline, Path(tmp))
        versions = {f"baseline {args.baseline}": baseline.features_batch,
                    "current": current.features_batch}
        rows = []
        cheap: Docs = [(r.get("title"), r["body"]) for r, _ in synth.cheap_corpus(args.records, seed=7)]
        rows.append(measure(f"cheap_corpus ({args.batch}/batch)", cheap, args.warm, args.batch,
                            args.rounds, versions))
        sources = synth.load_sources(args.shared if args.shared.is_dir() else None,
                                     args.fixtures if args.fixtures.is_dir() else None)
        if sources:
            real: Docs = []
            seed = 1
            while len(real) < 2 * args.batch:
                real.extend((it.record.get("title"), it.record["body"])
                            for it in synth.build_set(sources, seed=seed))
                seed += 1
            real = real[: 2 * args.batch]
            rows.append(measure(f"real texts, {len(sources)} sources ({args.batch}/batch)", real,
                                args.batch, args.batch, args.rounds, versions))
        else:
            print("(no fixture pages or ../shared: real-text row skipped)")

    names = list(versions)
    print(f"\nfeatures_batch, CPU ms/record (median of {args.rounds} rounds x batches)")
    print(f"{'corpus':<40} {names[0]:>18} {names[1]:>10} {'ratio':>7} {'CPU saved':>10}  same output")
    for label, ms, identical in rows:
        old, new = ms[names[0]], ms[names[1]]
        print(f"{label:<40} {old:>18.4f} {new:>10.4f} {old / new:>6.2f}x {1 - new / old:>9.0%}  "
              f"{'yes' if identical else 'NO'}")


if __name__ == "__main__":
    main()
