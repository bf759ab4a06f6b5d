#!/usr/bin/env python
"""Margin normalisation on photo-like crops: when does re-cropping to the ink help, and when does it hurt?

The recogniser's margin normalisation (:func:`korocr.preprocessing.line.normalize_margins`) was chosen on
bench_general's clean browser-rendered lines. On real signboard photos it raised CER (session 6). This bench makes
its own photo-like crops to study that without touching the reserved real photos:

  * pages: korocr's scene renderer (:class:`korocr.synth.scene.ScenePageRenderer`: blocks of lines on gradient,
    noisy and textured backgrounds, tables, receipt rows, slides; perspective warp, blur, noise, JPEG);
  * fonts: the generalization bench's held-out faces (never in training); texts: its held-out prose (Debian FAQ
    and GIMP help in Korean), not the training corpus;
  * crops: each horizontal line's axis-aligned box around its warped quad, grown by a random margin of 0-0.5 of
    its height on each side (neighbouring lines and background clutter come in, as from a loose detector box).

What is shared with training: the Pillow/skia renderer and the scene layout code. So this bench is for comparing
preprocessing variants against each other, not for claims against other engines.

Variants: ``off`` (crops as given), ``pad`` (the normalisation of session 6: margins clamped to 0.15-0.4 ink
heights, padded where smaller), ``cut`` (margins above 0.4 trimmed, nothing padded) and ``auto`` (the recogniser's
default: lines that ``pad`` pads are read both ways and the reading with the higher mean character confidence is
kept). ``--guards`` adds ``guard T``: ``pad`` only when the crop's Otsu separability (between-class over total grey
variance) is at least T.

    python bench/bench_margin_norm.py --font-dir cache/fonts/npm --pages 40 [--rec-model X.onnx]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def otsu_separability(gray: np.ndarray) -> float:
    """Between-class variance over total variance of ``gray`` split at its Otsu threshold (0..1)."""
    g = gray.astype(np.float64).ravel()
    var = g.var()
    if var < 1e-6:
        return 0.0
    t, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    lo, hi = g[g <= t], g[g > t]
    if len(lo) == 0 or len(hi) == 0:
        return 0.0
    w0, w1 = len(lo) / len(g), len(hi) / len(g)
    return float(w0 * w1 * (lo.mean() - hi.mean()) ** 2 / var)


def make_crops(font_dir: str | None, pages: int, seed: int) -> list[tuple[np.ndarray, str, str]]:
    """(RGB crop, text, kind) for every horizontal line of ``pages`` rendered pages."""
    from bench_general import held_out_fonts, held_out_texts

    from korocr.synth.scene import ScenePageRenderer
    from korocr.synth.text import TextSampler
    from korocr.text.charsets import Charset

    rng = random.Random(seed)
    texts = held_out_texts(Charset.default(), seed)
    sampler = TextSampler(corpus=texts, words=[], charset=Charset.default(), max_chars=30, weights=(1.0, 0, 0, 0))
    renderer = ScenePageRenderer(held_out_fonts(font_dir), sampler)
    out = []
    for p in range(pages):
        kind = ("scene", "scene", "slide", "document")[p % 4]
        img, regions = (renderer.render_scene(rng) if kind == "scene" else
                        renderer.render_slide(rng) if kind == "slide" else renderer.render_document(rng))
        H, W = img.shape[:2]
        for r in regions:
            if r.vertical or not r.text.strip():
                continue
            x0, y0, x1, y1 = r.box
            h = max(1, y1 - y0)
            m = [rng.uniform(0, 0.5) * h for _ in range(4)]
            a, b = max(0, int(x0 - m[0])), max(0, int(y0 - m[1]))
            c, d = min(W, int(x1 + m[2])), min(H, int(y1 + m[3]))
            if d - b >= 8 and c - a >= 8:
                out.append((np.ascontiguousarray(img[b:d, a:c]), r.text, kind))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--font-dir", default="cache/fonts/npm")
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--rec-model", default=None, help="an .onnx recogniser (default: the bundled one)")
    ap.add_argument("--guards", type=float, nargs="*", default=[])
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = ap.parse_args()

    from korocr.evaluation.metrics import CERAccumulator
    from korocr.preprocessing.line import normalize_margins, to_gray
    from korocr.recognition.onnx_recognizer import OnnxRecognizer

    crops = make_crops(args.font_dir, args.pages, args.seed)
    print(f"{len(crops)} line crops from {args.pages} pages", flush=True)
    rec = OnnxRecognizer(args.rec_model, threads=2, normalize_margins=False)
    auto = OnnxRecognizer(args.rec_model, threads=2, normalize_margins="auto")
    sep = [otsu_separability(to_gray(c)) for c, _, _ in crops]
    padded = [normalize_margins(c)[0] for c, _, _ in crops]
    variants = {"off": [c for c, _, _ in crops], "pad": padded,
                "cut": [normalize_margins(c, top_bottom=(0.0, 0.4), sides=0.0)[0] for c, _, _ in crops],
                "auto": None}
    for t in args.guards:
        variants[f"guard {t}"] = [n if s >= t else c for (c, _, _), n, s in zip(crops, padded, sep)]
    results = {}
    for name, imgs in variants.items():
        preds = [d.text for d in (auto.recognize([c for c, _, _ in crops]) if imgs is None else rec.recognize(imgs))]
        accs: dict[str, CERAccumulator] = {}
        for (_, text, kind), p in zip(crops, preds):
            for k in ("all", kind):
                accs.setdefault(k, CERAccumulator()).update(p, text)
        results[name] = {k: round(a.as_dict()["cer"], 4) for k, a in sorted(accs.items())}
        print(f"{name:10s} " + "  ".join(f"{k} {v:.4f}" for k, v in results[name].items()), flush=True)
    results["separability_quantiles"] = [round(float(q), 3) for q in np.quantile(sep, [0.05, 0.25, 0.5, 0.75])]
    print("separability quantiles 5/25/50/75 %:", results["separability_quantiles"])
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
