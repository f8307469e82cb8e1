#!/usr/bin/env python3
"""Name-matching quality on the public nomenklatura benchmark.

Runs `hirevet match-pairs` over the 826 labelled pairs of
nomenklatura_name_bench_cases.csv and prints precision, recall and F1 at the
review threshold, beside OpenSanctions' logic-v2 scores from
nomenklatura_logicv2-frozen.csv (their own run, threshold 0.7).

usage: scripts/name_bench.py [--shared ../shared] [--bin target/release/hirevet] [--misses]
"""
import argparse
import csv
import io
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def prf(rows):
    tp = sum(1 for pred, truth in rows if pred and truth)
    fp = sum(1 for pred, truth in rows if pred and not truth)
    fn = sum(1 for pred, truth in rows if not pred and truth)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "hirevet"))
    ap.add_argument("--misses", action="store_true", help="print the wrong pairs")
    args = ap.parse_args()
    bench = os.path.join(args.shared, "data", "matching", "benchmarks")
    cases = list(csv.DictReader(open(os.path.join(bench, "nomenklatura_name_bench_cases.csv"), encoding="utf-8")))
    out = io.StringIO()
    w = csv.writer(out)
    for c in cases:
        w.writerow([c["name1"], c["name2"], "person" if c["schema"] == "Person" else "organization"])
    res = subprocess.run([args.bin, "match-pairs"], input=out.getvalue(), capture_output=True, text=True, check=True)
    scored = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(scored) == len(cases), (len(scored), len(cases))
    ours = [(s["band"] != "none", c["is_match"] == "true") for s, c in zip(scored, cases)]
    p, r, f1, tp, fp, fn = prf(ours)
    print(f"hirevet   (review threshold): precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}  (tp {tp}, fp {fp}, fn {fn}, n {len(ours)})")
    frozen = list(csv.DictReader(open(os.path.join(bench, "nomenklatura_logicv2-frozen.csv"), encoding="utf-8")))
    theirs = [(f["predicted_match"] == "true", f["is_match"] == "true") for f in frozen]
    p2, r2, f2, tp2, fp2, fn2 = prf(theirs)
    print(f"logic-v2  (frozen run, 0.7):  precision {p2:.3f}  recall {r2:.3f}  F1 {f2:.3f}  (tp {tp2}, fp {fp2}, fn {fn2}, n {len(theirs)})")
    if args.misses:
        for s, c, (pred, truth) in zip(scored, cases, ours):
            if pred != truth:
                kind = "FP" if pred else "FN"
                print(f"{kind} {s['score']} [{c['schema']}] {c['name1']} | {c['name2']}  ({c['category']})")
    return 0 if f1 >= 0.86 and p >= 0.85 else 1


if __name__ == "__main__":
    sys.exit(main())
