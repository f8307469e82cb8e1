#!/usr/bin/env python3
"""Recall and false alarms on DPRK names, end to end over HTTP.

Builds the DPRK test set (scripts/make_dprk_testset.py: respellings, order
swaps, hyphenation and Hangul forms of the OFAC and UN DPRK entries, plus
Korean names of people on no list), loads the OFAC 2024 SDN set (with its
2025-01 alias and address files) and the UN 2026 list into a fresh SQLite
database with `hirevet lists import`, starts `hirevet serve` on 127.0.0.1,
and posts every query to /v1/screenings.

A positive counts as found when its list entry is among the hits (review or
strong band); a negative is a false alarm when anything is hit.

usage: scripts/dprk_eval.py [--shared ../shared] [--bin target/release/hirevet] [--show N]
"""
import argparse
import collections
import csv
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(bin_, db, *args, stdin=None):
    return subprocess.run([bin_, "--database-url", db, *args], check=True, capture_output=True,
                          text=True, input=stdin, env={**os.environ, "HIREVET_LISTS__AUTO_REFRESH": "false"}).stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "hirevet"))
    ap.add_argument("--show", type=int, default=15, help="misses and false alarms to print")
    ap.add_argument("--parity", type=int, default=0, metavar="N",
                    help="also check every N-th query with `hirevet recall-parity` (index vs scoring all names)")
    args = ap.parse_args()
    sanctions = os.path.join(args.shared, "data", "sanctions")
    work = tempfile.mkdtemp(prefix="hirevet-dprk-")
    testset = os.path.join(work, "dprk_testset.csv")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_dprk_testset.py"),
                    "--shared", args.shared, "--out", testset], check=True, capture_output=True)
    rows = list(csv.DictReader(open(testset, encoding="utf-8")))
    db = f"sqlite://{work}/hirevet.db"
    run(args.bin, db, "lists", "import", "--source", "us_ofac_sdn",
        "--path", f"{sanctions}/ofac_sdn_2024-05-03/sdn.csv",
        "--path", f"{sanctions}/ofac_sdn_aux_2025-01/alt.csv",
        "--path", f"{sanctions}/ofac_sdn_aux_2025-01/add.csv")
    run(args.bin, db, "lists", "import", "--source", "un_sc",
        "--path", f"{sanctions}/un_consolidated_2026-02-27/consolidated.xml")
    if args.parity:
        sample = "\n".join(r["query"] for r in rows[:: args.parity]) + "\n"
        parity = subprocess.run([args.bin, "--database-url", db, "recall-parity"], input=sample,
                                capture_output=True, text=True, env={**os.environ, "HIREVET_LISTS__AUTO_REFRESH": "false"})
        print("recall parity:", parity.stdout.strip().splitlines()[-1] if parity.stdout.strip() else parity.stderr.strip())
        # The same check over the distinct person names of the nomenklatura
        # benchmark: other scripts, initials, nicknames, patronymic chains.
        bench = os.path.join(args.shared, "data", "matching", "benchmarks", "nomenklatura_name_bench_cases.csv")
        persons = []
        for c in csv.DictReader(open(bench, encoding="utf-8")):
            if c["schema"] == "Person":
                persons.extend(n for n in (c["name1"], c["name2"]) if n not in persons)
        parity = subprocess.run([args.bin, "--database-url", db, "recall-parity"], input="\n".join(persons) + "\n",
                                capture_output=True, text=True, env={**os.environ, "HIREVET_LISTS__AUTO_REFRESH": "false"})
        lines = parity.stdout.strip().splitlines()
        for line in lines[:-1]:
            print("  " + line)
        print("recall parity (nomenklatura persons):", lines[-1] if lines else parity.stderr.strip())
    tenant = run(args.bin, db, "tenants", "create", "eval")
    key = run(args.bin, db, "keys", "create", "--tenant", tenant, "--scope", "screenings")
    server = subprocess.Popen([args.bin, "--database-url", db, "serve", "--listen", "127.0.0.1:0"],
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                              env={**os.environ, "HIREVET_LISTS__AUTO_REFRESH": "false", "HIREVET_LOG": "warn"})
    try:
        base = None
        for line in server.stderr:
            if line.startswith("hirevet listening on "):
                base = line.split("hirevet listening on ", 1)[1].strip()
                break
        if base is None:
            raise SystemExit("the server did not start")
        found = collections.Counter()
        total = collections.Counter()
        misses, alarms = [], []
        for row in rows:
            body = json.dumps({"subject": {"kind": "person", "name": row["query"]}}).encode()
            req = urllib.request.Request(f"{base}/v1/screenings", data=body, method="POST",
                                         headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            hits = json.load(urllib.request.urlopen(req))["hits"]
            variant = row["variant"]
            total[variant] += 1
            if variant == "negative":
                if hits:
                    found[variant] += 1
                    alarms.append((row["query"], hits[0]["matched_name"], hits[0]["score"]))
            elif any(h["list"] == row["expected_list"] and h["entry_id"] == row["expected_entry_id"] for h in hits):
                found[variant] += 1
            else:
                misses.append((row["query"], row["expected_entry_id"], variant,
                               hits[0]["matched_name"] if hits else "-"))
    finally:
        server.terminate()
    positives = sum(n for v, n in total.items() if v != "negative")
    hit = sum(n for v, n in found.items() if v != "negative")
    for variant in sorted(total):
        print(f"  {variant:16} {found[variant]:5}/{total[variant]:<5} "
              f"{'false alarms' if variant == 'negative' else 'found'}")
    recall = hit / positives if positives else 0.0
    far = found["negative"] / total["negative"] if total["negative"] else 0.0
    print(f"recall {recall:.4f} ({hit}/{positives})   false-alarm rate {far:.4f} "
          f"({found['negative']}/{total['negative']})")
    for q, expected, variant, got in misses[: args.show]:
        print(f"MISS [{variant}] {q} (expected {expected}; best {got})")
    for q, matched, score in alarms[: args.show]:
        print(f"ALARM {q} ~ {matched} ({score})")
    return 0 if recall >= 0.97 and far <= 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
