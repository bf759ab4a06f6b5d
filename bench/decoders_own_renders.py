#!/usr/bin/env python
"""Greedy against prefix-beam CTC decoding on korocr's own renders in TRAINING fonts and texts (not a
generalization bench): where the decoder is chosen, so the benches that differ from training stay unseen.

Lines are drawn by the training text sampler and rendered by the training renderer with its augmentation
(blur, noise, JPEG, perspective, both polarities), at the geometry of the shipped recogniser; each line is read by
the same recogniser with ``decoder="greedy"`` and ``decoder="beam"`` (one batch composition for both). Reports
edit errors (with and without spaces), lines exactly right, where the two differ, and the seconds each reading
took (the network's share is the same for both, so the difference is the decoder's).

    python bench/decoders_own_renders.py --font-dir cache/fonts/npm --text cache/text [--n 600]
        [--weights 0.6 0.1 0 0.15 0.15] [--rec-model X.onnx] [--beam-width 8]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parent))
from own_renders import add_source_args, error_counts, rendered_lines  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(ap)
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--rec-model", default=None)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--beam-width", type=int, default=8)
    ap.add_argument("--show", type=int, default=15, help="print this many lines where the decoders differ")
    args = ap.parse_args()
    from korocr.recognition.onnx_recognizer import OnnxRecognizer

    items = rendered_lines(args)
    n_chars = sum(len(t) for t, _ in items)
    outs = {}
    for dec in ("greedy", "beam"):
        rec = OnnxRecognizer(args.rec_model, threads=2, decoder=dec, beam_width=args.beam_width)
        t0 = time.perf_counter()
        outs[dec] = [d.text for d in rec.recognize([img for _, img in items])]
        spent = time.perf_counter() - t0
        errs, nosp, exact = error_counts(outs[dec], items)
        print(f"{dec}: errors {errs} of {n_chars} characters (CER {errs / n_chars:.4f}; without spaces {nosp}), "
              f"lines exactly right {exact} of {len(items)}; {spent:.2f} s in all (network + decoding)", flush=True)
    diff = [(t, g, b) for (t, _), g, b in zip(items, outs["greedy"], outs["beam"]) if g != b]
    better = sum(Levenshtein.distance(b, t) < Levenshtein.distance(g, t) for t, g, b in diff)
    worse = sum(Levenshtein.distance(b, t) > Levenshtein.distance(g, t) for t, g, b in diff)
    print(f"lines read differently: {len(diff)} (beam better {better}, worse {worse})")
    for t, g, b in diff[: args.show]:
        print(f"  truth  {t}\n  greedy {g}\n  beam   {b}")


if __name__ == "__main__":
    main()
