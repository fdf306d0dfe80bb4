"""How the copy thresholds were chosen: evidence of every pair in the *dev* generated set (seed 1).

    python benchmarks/dedup_data/thresholds.py [--shared ../shared] [--seed 1]

Prints, for pairs of the same family (copies) and of different families (not copies), the score
distribution and precision/recall of the pair decision over a grid of thresholds. The benchmark
(`benchmarks/dedup.py`) then reports on other seeds (101-103), so the figures there are not the
ones the thresholds were fitted on.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from newscrawl.dedup import synth, verify
from newscrawl.dedup.text import features_batch


def main() -> None:
    here = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=here.parent / "shared")
    ap.add_argument("--fixtures", type=Path, default=here / "fixtures" / "pages")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    items = synth.build_set(synth.load_sources(args.shared, args.fixtures), seed=args.seed)
    feats = features_batch([(it.record["title"], it.record["body"]) for it in items])
    pos, neg = [], []
    for i, j in itertools.combinations(range(len(items)), 2):
        ev = verify.evidence(feats[i], feats[j])
        row = (verify.copy_score(ev), ev)
        (pos if items[i].family == items[j].family else neg).append(row)
    neg.sort(key=lambda r: -r[0])
    print(f"dev set seed {args.seed}: {len(items)} records, {len(pos)} copy pairs, {len(neg)} non-copy pairs")
    print(f"highest non-copy scores: {[round(s, 3) for s, _ in neg[:5]]}")
    print(f"lowest copy scores:      {sorted(round(s, 3) for s, _ in pos)[:5]}")
    vetoed = sum(1 for s, ev in pos if s >= verify.COPY_THRESHOLD and not verify.is_copy(ev, s))
    print(f"copy pairs above the threshold but vetoed (aligned < {verify.MIN_ALIGNED} or figures disagree): {vetoed}")
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7} {'false pos':>9}")
    for th in (0.45, 0.50, 0.55, 0.58, 0.60, 0.62, 0.65, 0.70, 0.75, 0.80):
        tp = sum(1 for s, ev in pos if s >= th and ev.aligned >= verify.MIN_ALIGNED)
        fp = sum(1 for s, ev in neg if s >= th and ev.aligned >= verify.MIN_ALIGNED)
        mark = "  <- shipped" if abs(th - verify.COPY_THRESHOLD) < 1e-9 else ""
        print(f"{th:9.2f} {tp / max(1, tp + fp):9.4f} {tp / len(pos):7.4f} {fp:9d}{mark}")


if __name__ == "__main__":
    main()
