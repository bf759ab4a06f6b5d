#!/usr/bin/env python
"""Margin normalisation settings on korocr's own renders in TRAINING fonts and texts (not a generalization bench).

Each line is rendered with the training renderer (no augmentation, dark on light), then read twice: cropped tight
to its ink, and with about 0.5 em of its background colour around the ink. Both go through
:func:`korocr.preprocessing.line.normalize_margins` with each ``top_bottom`` setting. Reports edit errors per
setting and geometry. Session 12 (run 14, 400 lines): tight 247 / wide 281 errors of 8,032 characters with the
default (0.15, 0.4); (0.4, 0.4) 290 / 281; so tight crops are not the weak geometry on these renders.
Session 13 (runs 14-14d averaged): (0.15, 0.4) 236 / 278, (0.15, 0.15) 242 / 229, (0.2, 0.2) 252 / 235,
(0.25, 0.25) 262 / 235, (0.3, 0.3) 273 / 247: the range run 15m trained with (docs/benchmarks.md).

    python bench/margins_own_renders.py --font-dir cache/fonts/npm --text cache/text [--n 400] [--rec-model X.onnx]
        [--settings 0.15,0.4 0.15,0.15 ...]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parent))
from own_renders import add_source_args, training_fonts_and_sampler  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(ap)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--rec-model", default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--settings", nargs="+", default=["0.15,0.4", "0.25,0.4", "0.4,0.4", "0.3,0.3"],
                    help="top_bottom settings to compare, each LOW,HIGH in ink heights")
    ap.add_argument("--max-sides", type=float, default=None,
                    help="normalize_margins' max_sides (side margins cut to this many ink heights; default: not cut)")
    args = ap.parse_args()
    from korocr.preprocessing.line import _ink_mask, border_colour, normalize_margins, to_gray
    from korocr.recognition.onnx_recognizer import OnnxRecognizer
    from korocr.synth.render import LineRenderer, RenderConfig

    fonts, sampler = training_fonts_and_sampler(args)
    cfg = RenderConfig(augment=False, effect_prob=0, bitmap_prob=0, thermal_prob=0, neighbour_prob=0,
                       dark_on_light_prob=1.0)
    renderer, rng = LineRenderer(fonts, cfg, seed=args.seed), random.Random(args.seed)
    items = []
    while len(items) < args.n:
        t = sampler.sample(rng)
        font = renderer.pick_font(t, rng)
        if font is None:
            continue
        img = renderer.render(t, rng, font)
        ys, xs = np.nonzero(_ink_mask(to_gray(img)))
        if len(xs) == 0:
            continue
        tight = np.ascontiguousarray(img[ys.min():ys.max() + 1, xs.min():xs.max() + 1])
        m = int(round(0.5 * tight.shape[0] / 0.8))  # about 0.5 em: Hangul ink is about 0.8 em high
        colour = [float(v) for v in np.atleast_1d(border_colour(img))]
        items.append((t, tight, cv2.copyMakeBorder(tight, m, m, m, m, cv2.BORDER_CONSTANT, value=colour)))
    rec = OnnxRecognizer(args.rec_model, normalize_margins=False, threads=2)
    n = sum(len(it[0]) for it in items)
    for tb in [tuple(float(v) for v in t.split(",")) for t in args.settings]:
        errs, exact = [], []
        for geo in (1, 2):
            out = rec.recognize([normalize_margins(it[geo], top_bottom=tb, max_sides=args.max_sides)[0]
                                 for it in items])
            errs.append(sum(Levenshtein.distance(o.text, it[0]) for o, it in zip(out, items)))
            exact.append(sum(o.text == it[0] for o, it in zip(out, items)))
        print(f"top_bottom {tb}: errors tight {errs[0]}, 0.5 em {errs[1]} (of {n} characters); lines exactly right "
              f"{exact[0]}, {exact[1]} of {len(items)}", flush=True)


if __name__ == "__main__":
    main()
