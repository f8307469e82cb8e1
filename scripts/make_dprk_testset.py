#!/usr/bin/env python3
"""Build a Korean-name screening test set from the DPRK sanctions entries.

Reads the OFAC SDN legacy CSV (+ the 2025 alt.csv aliases) and the UN
consolidated XML from the shared reference data, keeps the DPRK individuals
whose names read as Korean, and writes query variants a screening engine must
match to the listed entry (RR respelling, McCune-Reischauer with breves or
OFAC apostrophes, DPRK spelling, order swaps, hyphenated / joined / spaced
given names, common surname spellings, Hangul), plus "negative" rows: ordinary
Korean names built from common surnames x popular given names, minus any whose
syllable keys (after surname grouping) equal a listed name's.

Output CSV columns: query,expected_list,expected_entry_id,variant.
Python 3.11, stdlib only, deterministic (no randomness). The surname groups
are read from src/screening/names/korean.rs (SURNAME_TABLE) so the Rust module
and this script cannot drift apart; the jamo tables are restated here.

Usage: scripts/make_dprk_testset.py [--shared DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# --- jamo tables (same values as korean.rs) --------------------------------
INI_RR = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()
INI_MR = "k kk n t tt r m p pp s ss - ch tch ch' k' t' p' h".split()
INI_DPRK = "k kk n t tt r m p pp s ss - j jj ch kh th ph h".split()
MED_RR = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
MED_MR = "a ae ya yae ŏ e yŏ ye o wa wae oe yo u wŏ we wi yu ŭ ŭi i".split()
# Finals with one spelling per sound (ㄱ ㄴ ㄷ ㄹ ㅁ ㅂ ㅇ): the reverse map
# must not produce 갂 for "gak".
FINALS = {0: "", 1: "k", 4: "n", 7: "t", 8: "l", 16: "m", 17: "p", 21: "ng"}
for table in (INI_RR, INI_MR, INI_DPRK):
    table[11] = ""


def compose(i: int, m: int, f: int) -> str:
    return chr(0xAC00 + (i * 21 + m) * 28 + f)


def decompose(c: str) -> tuple[int, int, int]:
    n = ord(c) - 0xAC00
    return n // 588, (n % 588) // 28, n % 28


FINAL_OF = {0: "", 1: "k", 2: "k", 3: "k", 4: "n", 5: "n", 6: "n", 7: "t", 8: "l", 9: "k",
            10: "m", 11: "l", 12: "l", 13: "l", 14: "p", 15: "l", 16: "m", 17: "p", 18: "p",
            19: "t", 20: "t", 21: "ng", 22: "t", 23: "t", 24: "k", 25: "t", 26: "p", 27: "t"}


def spell(c: str, system: str) -> str:
    i, m, f = decompose(c)
    fin = FINAL_OF[f]
    if system == "rr":
        return INI_RR[i] + MED_RR[m] + fin
    if system == "dprk":
        return INI_DPRK[i] + MED_MR[m].replace("ŏ", "o").replace("ŭ", "u") + fin
    mr = ("sh" if (i, m) == (9, 16) else INI_MR[i]) + MED_MR[m] + fin
    if system == "mr":  # breves and aspiration apostrophes
        return mr
    if system == "ofac":  # OFAC's ascii rendering of breves: o', u'
        return mr.replace("ŏ", "o'").replace("ŭ", "u'")
    return fold(mr)  # mr_ascii


def fold(s: str) -> str:
    s = s.lower()
    for a, b in (("ŏ", "o"), ("ǒ", "o"), ("ŭ", "u"), ("ǔ", "u"), ("é", "e"), ("ë", "e")):
        s = s.replace(a, b)
    return re.sub(r"[^a-z]", "", s)


# Reverse map: spelling -> Hangul syllables. Apostrophe forms are exact
# (o' is ŏ, ch' is ㅊ); bare ascii forms are ambiguous and resolved below.
EXACT: dict[str, list[str]] = {}
ASCII: dict[str, list[str]] = {}
for i in range(19):
    for m in range(21):
        for f in FINALS:
            c = compose(i, m, f)
            for system, target in (("ofac", EXACT), ("mr", EXACT), ("rr", ASCII),
                                   ("mr_ascii", ASCII), ("dprk", ASCII)):
                key = spell(c, system).lower()
                target.setdefault(key, [])
                if c not in target[key]:
                    target[key].append(c)

# Common given-name syllables, in order of preference where spellings collide
# (ㅓ before ㅗ for "song"/"jong", 영 before 용, 철 before 절/촐, 은 before 운).
PREFERRED = ("철성정영명혁일광남호수국진민준현석경룡학순희은옥숙향미화금원훈동도태춘창찬"
             "천길기근규권군강건형관구귀봉복부분빈상삼승시식신실심안애양억연엽예오완우욱운웅"
             "월위유윤율응의이익인임자장재전제조종주중지직채청초총최추충치칠탁택평표풍필하"
             "한함항해행허헌혜홍환활황회효후휘흥녀년덕두득란래량려력련렬령례로록률림립만매"
             "면모목무문물미박반방배백범법변별병보본불비사산서선설섭세소손송숙술숭습아악암"
             "야약어언엄여역열염엽예온와외요욕용운울원월육을음잉")
RANK = {c: n for n, c in enumerate(PREFERRED)}


def to_hangul(token: str) -> str | None:
    """One Hangul syllable for a list spelling, or None when unknown/ambiguous."""
    t = token.lower().replace("’", "'").replace("`", "'")
    candidates = EXACT.get(t) if "'" in t else None
    if not candidates:
        candidates = ASCII.get(fold(t), [])
    if len(candidates) == 1:
        return candidates[0]
    ranked = sorted((c for c in candidates if c in RANK), key=RANK.__getitem__)
    return ranked[0] if ranked else None


# --- syllable keys and surname groups (port of korean.rs) ------------------
INITIAL_CLASSES = {
    "": "", "k": "k", "g": "k", "kh": "k", "gh": "k", "kk": "k", "gg": "k", "n": "n",
    "d": "t", "t": "t", "th": "t", "tt": "t", "dd": "t", "r": "r", "l": "r", "rh": "r",
    "lh": "r", "m": "m", "b": "p", "p": "p", "ph": "p", "bh": "p", "pp": "p", "bb": "p",
    "f": "p", "s": "s", "sh": "s", "ss": "s", "j": "c", "ch": "c", "c": "c", "tch": "c",
    "jj": "c", "z": "c", "ts": "c", "tz": "c", "chh": "c", "jh": "c", "zh": "c", "h": "h",
}
VOWEL_CLASSES = {
    "a": "a", "ae": "ae", "ai": "ae", "ay": "ae", "ya": "ya", "yae": "yae", "yai": "yae",
    "eo": "o", "o": "o", "e": "e", "yeo": "yo", "yo": "yo", "yeu": "yo", "ye": "ye",
    "wa": "wa", "oa": "wa", "wae": "wae", "oe": "oe", "oi": "oe", "we": "oe", "oy": "oe",
    "ey": "oe", "oei": "oe", "oie": "oe", "u": "u", "oo": "u", "ou": "u", "eu": "u",
    "woo": "u", "wo": "wo", "weo": "wo", "wu": "wo", "wi": "wi", "wee": "wi", "ui": "ui",
    "eui": "ui", "yu": "yu", "yoo": "yu", "you": "yu", "i": "i", "ee": "i", "ie": "i",
    "ea": "i", "y": "i", "yi": "i", "yee": "i",
}
FINAL_CLASSES = {
    "": "", "k": "k", "g": "k", "ck": "k", "kk": "k", "n": "n", "nn": "n", "t": "t",
    "d": "t", "s": "t", "tt": "t", "l": "l", "ll": "l", "m": "m", "mm": "m", "p": "p",
    "b": "p", "pp": "p", "ng": "ng", "nng": "ng",
}


def parse_syllable(s: str) -> tuple[str, str, str] | None:
    if s.startswith("wh"):
        s = "hw" + s[2:]
    m = re.fullmatch(r"([^aeiouwy]*)([aeiouwy]+)([^aeiouwy]*)", s)
    if not m or m.group(1) not in INITIAL_CLASSES:
        return None
    ini, vow, fin = m.groups()
    if (vow, fin) == ("ou", "ng"):
        vclass = "o"
    elif (vow, fin) == ("you", "ng"):
        vclass = "yo"
    elif vow in VOWEL_CLASSES:
        vclass = VOWEL_CLASSES[vow]
    else:
        return None
    fin = fin.replace("h", "")
    if fin.startswith("r"):
        fin = fin[1:]
    if fin not in FINAL_CLASSES:
        return None
    return INITIAL_CLASSES[ini], vclass, FINAL_CLASSES[fin]


def syllable_key(token: str) -> str:
    f = fold(token)
    p = parse_syllable(f)
    return "".join(p) if p else f


def load_surnames() -> list[tuple[str, list[str], list[str]]]:
    src = (REPO / "src/screening/names/korean.rs").read_text(encoding="utf-8")
    m = re.search(r'const SURNAME_TABLE: &str = "\\\n(.*?)";', src, re.S)
    if not m:
        sys.exit("SURNAME_TABLE not found in korean.rs")
    groups = []
    for line in m.group(1).splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[0]:
            groups.append((parts[0], parts[1].split(), parts[2].split()))
    return groups


SURNAMES = load_surnames()
BY_SPELLING: dict[str, str] = {}
for gid, _, spellings in SURNAMES:
    BY_SPELLING.setdefault(gid, gid)
    for s in spellings:
        BY_SPELLING.setdefault(s, gid)
GROUP = {gid: (hangul, spellings) for gid, hangul, spellings in SURNAMES}


def surname_group(token: str) -> str | None:
    return BY_SPELLING.get(fold(token))


def split_given(given: str) -> list[str] | None:
    """Given-name syllables as written on the list ("Song Hwa", "Kuk-Ryol",
    "Yongwon"); None when a part is not a Korean syllable."""
    out: list[str] = []
    for part in re.split(r"[\s\-]+", given.strip()):
        if not part:
            continue
        if parse_syllable(fold(part)):
            out.append(part)
            continue
        f = fold(part)
        # A joined two-syllable part: keep "ng" as a final (Jong-un, not Jon-gun).
        cuts = [k for k in range(1, len(f)) if parse_syllable(f[:k]) and parse_syllable(f[k:])]
        cuts.sort(key=lambda k: (f[k - 1] == "n" and f[k] == "g", -k))
        if not cuts:
            return None
        out += [f[: cuts[0]], f[cuts[0]:]]
    return out or None


def name_key(surname: str, given: list[str]) -> tuple[str, tuple[str, ...]] | None:
    gid = surname_group(surname)
    if gid is None:
        return None
    return gid, tuple(syllable_key(g) for g in given)


# --- list loading ------------------------------------------------------------
def split_full_name(full: str) -> tuple[str, str] | None:
    """'KIM, Jong Un' -> ('KIM', 'Jong Un'); 'Kim Jong-un' -> ('Kim', 'Jong-un')."""
    full = full.strip().replace("’", "'")
    if "," in full:
        surname, given = (p.strip() for p in full.split(",", 1))
    else:
        parts = full.split(None, 1)
        if len(parts) != 2:
            return None
        surname, given = parts
    return (surname, given) if surname and given else None


def load_ofac(shared: Path) -> tuple[list[dict], list[tuple[str, str]]]:
    sdn = shared / "data/sanctions/ofac_sdn_2024-05-03/sdn.csv"
    alt = shared / "data/sanctions/ofac_sdn_aux_2025-01/alt.csv"
    people, aliases = [], []
    with sdn.open(encoding="cp1252", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 4 or "DPRK" not in row[3] or row[2].strip() != "individual":
                continue
            remarks = row[11] if len(row) > 11 else ""
            # Chinese, Russian, ... nationals on the DPRK programs are not
            # Korean names, however Korean "Chen" or "Wu" may look.
            if "nationality" in remarks.lower() and "korea" not in remarks.lower():
                continue
            people.append({"list": "us_ofac_sdn", "id": row[0].strip(), "name": row[1].strip()})
    ids = {p["id"] for p in people}
    if alt.exists():
        with alt.open(encoding="cp1252", newline="") as fh:
            for row in csv.reader(fh):
                if len(row) >= 4 and row[0].strip() in ids:
                    aliases.append((row[0].strip(), row[3].strip()))
    return people, aliases


def load_un(shared: Path) -> tuple[list[dict], list[tuple[str, str]]]:
    path = shared / "data/sanctions/un_consolidated_2026-02-27/consolidated.xml"
    people, aliases = [], []
    for ind in ET.parse(path).getroot().iter("INDIVIDUAL"):
        if "DPRK" not in (ind.findtext("UN_LIST_TYPE") or ""):
            continue
        ref = (ind.findtext("REFERENCE_NUMBER") or "").strip()
        first = (ind.findtext("FIRST_NAME") or "").strip()
        given = " ".join(
            (ind.findtext(t) or "").strip() for t in ("SECOND_NAME", "THIRD_NAME")
        ).strip()
        nationality = " ".join(v.text or "" for v in ind.iter("VALUE")).lower()
        if ref and first and given and ("korea" in nationality or not nationality.strip()):
            people.append({"list": "un_sc", "id": ref, "name": f"{first}, {given}"})
        for alias in ind.findall("INDIVIDUAL_ALIAS"):
            a = (alias.findtext("ALIAS_NAME") or "").strip()
            if a:
                aliases.append((ref, a))
    return people, aliases


# --- variant generation ------------------------------------------------------
# Everyday South Korean spellings per group, used for the RR-style query.
RR_SURNAME = {"kim": "Kim", "ri": "Lee", "rim": "Lim", "ryu": "Yoo", "ryang": "Yang", "ro": "Roh",
              "ra": "Na", "pak": "Park", "choe": "Choi", "an": "Ahn"}
NK_FIRST = {"ri", "rim", "ryu", "ryang", "ro", "ra", "ryon", "ryom", "ryo", "ryong", "ryuk"}


def surname_hangul(surname: str, gid: str) -> str | None:
    hangul, _ = GROUP[gid]
    if gid in NK_FIRST and len(hangul) == 2:
        return hangul[1] if fold(surname)[:1] in "rl" else hangul[0]
    for h in hangul:
        if len(h) == 1 and fold(surname) in {fold(spell(h, s)) for s in ("rr", "mr_ascii", "dprk")}:
            return h
    return hangul[0]


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def hyph(parts: list[str]) -> str:
    return "-".join([cap(parts[0])] + [p.lower() for p in parts[1:]])


def variants_for(surname: str, given: list[str]) -> list[tuple[str, str]]:
    gid = surname_group(surname)
    if gid is None:
        return []
    out: list[tuple[str, str]] = []
    sur = cap(fold(surname))
    g_list = [cap(fold(g)) for g in given]
    if len(given) >= 2:
        out.append((f"{sur} {hyph([fold(g) for g in given])}", "hyphenated"))
        out.append((f"{sur} {cap(''.join(fold(g) for g in given))}", "joined"))
        out.append((f"{sur} {' '.join(g_list)}", "spaced"))
    out.append((f"{' '.join(g_list)} {sur}", "given_first"))
    out.append((f"{sur.upper()}, {' '.join(g_list)}", "surname_comma"))
    hangul = [to_hangul(g) for g in given]
    sh = surname_hangul(surname, gid)
    if sh and all(hangul):
        rr_sur = RR_SURNAME.get(gid) or cap("".join(spell(c, "rr") for c in sh))
        rr_given = [spell(c, "rr") for c in hangul]
        out.append((f"{rr_sur} {hyph(rr_given)}", "rr"))
        out.append((f"{hyph(rr_given)} {rr_sur}", "rr_given_first"))
        mr_sur = cap("".join(spell(c, "mr") for c in sh))
        mr_given = [spell(c, "mr") for c in hangul]
        out.append((f"{mr_sur} {hyph(mr_given)}", "mr_breve"))
        ofac_given = [spell(c, "ofac") for c in hangul]
        out.append((f"{cap(''.join(spell(c, 'ofac') for c in sh)).upper()}, {hyph(ofac_given)}",
                    "mr_apostrophe"))
        dp_sur = cap(gid)
        out.append((f"{dp_sur} {' '.join(cap(spell(c, 'dprk')) for c in hangul)}", "dprk"))
        out.append((sh + "".join(hangul), "hangul"))
    own = fold(surname)
    spellings = [s for s in GROUP[gid][1] if s != own][:4]
    for s in spellings:
        out.append((f"{cap(s)} {hyph([fold(g) for g in given])}", "surname_variant"))
    return out


# Popular South Korean given names (RR, as on résumés) and everyday North
# Korean-style ones; each is crossed with common surnames for negatives.
NEG_GIVEN = """Min-jun Seo-yeon Ji-ho Yu-na Ha-eun Do-yun Seo-jun Ji-woo Su-ah Ye-jun
Ji-yu Hyun-woo Eun-woo Si-woo Jun-seo Ji-an Ha-yoon Seo-ah Da-eun Chae-won Min-seo
Ji-min Su-bin Ye-eun Yun-seo Joo-won Ji-hoon Seung-min Tae-yang Ye-rin So-yul Na-yeon
Hye-jin Dong-hyun Jae-won Sung-min Eun-ji Mi-rae Bo-ra Kyung-soo Sang-woo Da-hye
Ji-sung Hae-won Jin-young Soo-min Yeon-woo Ga-eun Seung-hoon Tae-hee Ki-bum
Un-hui Kum-ok Ok-sun Hyang-mi Chun-hui Myong-suk Song-ae Kwang-sik Chol-min
Yong-dok Sol-ju Ryon-hwa Pom-il Kyong-sim""".split()
NEG_SURNAMES = ("Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon "
                "Hwang Ahn Song Ryu Hong Ri Pak Choe Jong Jeon Moon Yang Baek Heo Nam").split()


def negatives(listed: set[tuple[str, tuple[str, ...]]]) -> list[tuple[str, str]]:
    rows = []
    n = 0
    for s in NEG_SURNAMES:
        for g in NEG_GIVEN:
            parts = g.split("-")
            key = name_key(s, parts)
            if key is None or key in listed:
                continue
            # Rotate the written form so negatives look like the positives.
            form = n % 4
            if form == 0:
                q = f"{s} {g}"
            elif form == 1:
                q = f"{g} {s}"
            elif form == 2:
                q = f"{s.upper()}, {' '.join(p.capitalize() for p in parts)}"
            else:
                q = f"{s} {''.join(parts).capitalize()}"
            rows.append((q, "negative"))
            n += 1
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--out", type=Path, default=REPO / "target/dprk_testset.csv")
    args = ap.parse_args()

    ofac, ofac_alias = load_ofac(args.shared)
    un, un_alias = load_un(args.shared)

    listed: set[tuple[str, tuple[str, ...]]] = set()
    for name in [p["name"] for p in ofac + un] + [a for _, a in ofac_alias + un_alias]:
        parts = split_full_name(name)
        given = split_given(parts[1]) if parts else None
        key = name_key(parts[0], given) if parts and given else None
        if key:
            listed.add(key)

    rows: list[tuple[str, str, str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    skipped = 0
    for person in ofac + un:
        parts = split_full_name(person["name"])
        given = split_given(parts[1]) if parts else None
        variants = variants_for(parts[0], given) if parts and given else []
        if not variants:
            skipped += 1
            continue
        for query, variant in variants:
            k = (query.lower(), person["list"], person["id"])
            if k not in seen:
                seen.add(k)
                rows.append((query, person["list"], person["id"], variant))
    for query, variant in negatives(listed):
        rows.append((query, "", "", variant))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["query", "expected_list", "expected_entry_id", "variant"])
        w.writerows(rows)

    counts = Counter(r[3] for r in rows)
    print(f"listed persons: {len(ofac)} OFAC + {len(un)} UN, {skipped} skipped (not Korean-readable)")
    for variant, n in sorted(counts.items()):
        print(f"{variant:16} {n}")
    print(f"{'total':16} {len(rows)} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
