#!/usr/bin/env python
"""The CTC weight λ of a hybrid TrOCR's joint CTC/attention beam search, chosen on korocr's own renders in TRAINING
fonts and texts (not a generalization bench), so the benches that differ from training stay unseen (issue 16).

Lines are drawn by the training text sampler and rendered by the training renderer with its augmentation (blur,
noise, JPEG, perspective, both polarities), as in ``decoders_own_renders.py``; each is read by the TrOCR with
``--num-beams`` beams at every λ given, and by the default CTC recogniser for reference. Reports edit errors (with
and without spaces), lines exactly right and seconds per line for each.

    python bench/joint_weight_own_renders.py --trocr models/trocr-ko --font-dir cache/fonts/npm --text cache/text \\
        [--n 150] [--weights 0.6 0.1 0 0.15 0.15] [--ctc-weights 0.5 0.7 0.8 0.9] [--num-beams 4]
        [--syllables on|off|both]   # the search spells well-formed Hangul syllables only (session 22), or not
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from own_renders import add_source_args, error_counts, rendered_lines  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(ap)
    ap.add_argument("--trocr", required=True, help="a hybrid (CNN-encoder) TrOCR directory, Hugging Face layout")
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--ctc-weights", type=float, nargs="+", default=[0.5, 0.7, 0.8, 0.9])
    ap.add_argument("--num-beams", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--syllables", choices=["on", "off", "both"], default="on",
                    help="the joint search's syllable-structure constraint (joint_decoding.jamo_classes): on, off "
                         "or each λ both ways")
    args = ap.parse_args()
    from korocr.recognition.onnx_recognizer import OnnxRecognizer
    from korocr.recognition.trocr_recognizer import TrOCRRecognizer

    items = rendered_lines(args)
    n_chars = sum(len(t) for t, _ in items)
    images = [img for _, img in items]

    def report(name: str, texts: list[str], spent: float) -> None:
        errs, nosp, exact = error_counts(texts, items)
        print(f"{name}: errors {errs} of {n_chars} characters (CER {errs / n_chars:.4f}; without spaces {nosp}), "
              f"lines exactly right {exact} of {len(items)}; {spent / len(items):.3f} s per line", flush=True)

    t0 = time.perf_counter()
    ctc = [d.text for d in OnnxRecognizer(threads=args.threads).recognize(images)]
    report("default CTC recogniser (beam)", ctc, time.perf_counter() - t0)
    modes = {"on": [True], "off": [False], "both": [True, False]}[args.syllables]
    for lam in args.ctc_weights:
        rec = TrOCRRecognizer(args.trocr, num_beams=args.num_beams, ctc_weight=lam, threads=args.threads)
        classes = rec.token_classes
        for on in modes:
            rec.token_classes = classes if on else None
            t0 = time.perf_counter()
            texts = [d.text for d in rec.recognize(images)]
            report(f"TrOCR joint, λ {lam}, beam {args.num_beams}, syllable constraint {'on' if on else 'off'}",
                   texts, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
