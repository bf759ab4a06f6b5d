#!/usr/bin/env python
"""Build the default model's training texts from ../shared/data/corpora (never committed).

Writes ``corpus.txt`` (NSMC reviews and chatbot questions/answers, one per line, NFC, whitespace collapsed) and
``words.txt`` (Tesseract's kor.wordlist + hunspell-ko stems).  Every line that equals a label of an evaluation
set in ../shared/data/real is dropped, so no evaluation transcript is rendered in training. Lines with CJK
ideographs (Hanja; about 400 NSMC reviews) go to ``hanja_heldout.txt`` instead of the corpus: they are the
texts of bench/bench_general.py's ``hanja`` set, so the Hanja that training renders come only from
korocr.synth.domains.hanja_text.

    python scripts/build_corpus.py --shared ../shared --out cache/text
"""

from __future__ import annotations

import argparse
import csv
import gzip
import unicodedata
from pathlib import Path


def norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).split())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", default="cache/text")
    args = ap.parse_args()
    corp = Path(args.shared) / "data" / "corpora"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    held_out: set[str] = set()
    for lab in (Path(args.shared) / "data" / "real").glob("*/labels*.tsv"):
        for line in lab.read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                for part in line.split("\t", 1)[1].split("\\n"):
                    held_out.add(norm(part))

    lines: list[str] = []
    n_in = 0
    with gzip.open(corp / "nsmc_raw_reviews.tsv.gz", "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            n_in += 1
            lines.append(norm(row["review"] or ""))
    with open(corp / "ChatbotData.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            n_in += 2
            lines += [norm(row["Q"]), norm(row["A"])]
    seen: set[str] = set()
    kept, hanja = [], []
    dropped_eval = 0
    for s in lines:
        if not s or s in seen:
            continue
        if s in held_out:
            dropped_eval += 1
            continue
        seen.add(s)
        (hanja if any("\u4e00" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in s) else kept).append(s)
    (out / "corpus.txt").write_text("\n".join(kept) + "\n", encoding="utf-8")
    (out / "hanja_heldout.txt").write_text("\n".join(hanja) + "\n", encoding="utf-8")

    words: list[str] = []
    for f in (corp / "tesseract_langdata_kor" / "kor.wordlist", corp / "hunspell_ko" / "ko_stems_nfc.txt"):
        words += [norm(w) for w in f.read_text(encoding="utf-8").splitlines()]
    words = sorted({w for w in words if w and w not in held_out})
    (out / "words.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"corpus: read {n_in} rows, wrote {len(kept)} unique lines, {len(hanja)} lines with Hanja held out, "
          f"dropped {dropped_eval} equal to eval labels (rest were empty or duplicates); words: {len(words)}")


if __name__ == "__main__":
    main()
