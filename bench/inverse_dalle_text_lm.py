#!/usr/bin/env python
"""The fusion weight and per-character bonus of an Inverse DALL-E model's text language model
(``text_lm.npz``, :class:`korocr.text.char_lm.CharNgramLM`), chosen on korocr's own renders (not a bench).

Items as in ``bench/inverse_dalle_reading_own_renders.py``: training fonts (every discovered face but the benches'
held-out ones), the training renderer's clean settings, lines (longer than 3 characters) and columns (up to 12
characters); the texts are the corpus lines that ``scripts/build_text_lm.py --holdout N --holdout-dir D`` left out
of the language model's counts (``--text D --weights 1 0 0 0 0``), so the language model has not seen them.
Each ``weight,bonus`` setting reads the same items; edit errors and exact items are printed as a Markdown table.
``--set W,B`` writes the chosen setting into the model's ``text_lm.npz``. One thread.

    python bench/inverse_dalle_text_lm.py --model models/inverse-dalle --lm cache/text_lm.npz \
        --font-dir cache/fonts/npm --text cache/text_lm_heldout --weights 1 0 0 0 0 --n 80 --columns 60 \
        --settings 0,0 0.2,0 0.3,0.3 [--set 0.3,0.3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inverse_dalle_reading_own_renders import own_items  # noqa: E402
from own_renders import add_source_args  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(ap)
    ap.add_argument("--model", required=True, help="an Inverse DALL-E model directory")
    ap.add_argument("--lm", required=True, help="a text_lm.npz (scripts/build_text_lm.py)")
    ap.add_argument("--n", type=int, default=80, help="horizontal lines (longer than 3 characters)")
    ap.add_argument("--columns", type=int, default=60, help="vertical columns")
    ap.add_argument("--settings", nargs="+", default=["0,0", "0.2,0", "0.3,0.3", "0.5,0.5"],
                    help="fusion settings 'weight,bonus' (0,0: no language model)")
    ap.add_argument("--num-beams", type=int, default=1, help="beam width (1: greedy)")
    ap.add_argument("--seed", type=int, default=31)
    ap.add_argument("--set", default=None, help="write this 'weight,bonus' into the model's text_lm.npz")
    args = ap.parse_args()

    import torch

    from korocr.models.recognition.inverse_dalle import InverseDalle
    from korocr.models.recognition.inverse_dalle.model import TEXT_LM
    from korocr.text.char_lm import CharNgramLM
    from korocr.text.charsets import nfc

    torch.set_num_threads(1)
    model = InverseDalle.load(args.model)
    lm = CharNgramLM.load(args.lm)
    model.set_text_lm(lm)
    items = own_items(args)
    print(f"{args.n} lines ({sum(len(t) for t, _, v in items if not v)} characters), {args.columns} columns "
          f"({sum(len(t) for t, _, v in items if v)}); texts: {args.text}; beams: {args.num_beams}", flush=True)
    print("| weight | bonus | line errors | lines exact | column errors | columns exact | s |")
    print("|---|---|---|---|---|---|---|")
    for spec in args.settings:
        w, b = (float(x) for x in spec.split(","))
        t0 = time.perf_counter()
        got = [nfc(t) for t, _ in model.read([img for _, img, _ in items], lm_weight=w, lm_bonus=b,
                                                num_beams=args.num_beams)]
        dt = time.perf_counter() - t0
        lines = [(o, t) for o, (t, _, v) in zip(got, items) if not v]
        cols = [(o, t) for o, (t, _, v) in zip(got, items) if v]
        print(f"| {w} | {b} | {sum(Levenshtein.distance(o, t) for o, t in lines)} | {sum(o == t for o, t in lines)} | "
              f"{sum(Levenshtein.distance(o, t) for o, t in cols)} | {sum(o == t for o, t in cols)} | {dt:.0f} |",
              flush=True)
    if args.set:
        lm.weight, lm.bonus = (float(x) for x in args.set.split(","))
        out = lm.save(Path(args.model) / TEXT_LM)
        print(f"wrote weight {lm.weight}, bonus {lm.bonus} into {out}")


if __name__ == "__main__":
    main()
