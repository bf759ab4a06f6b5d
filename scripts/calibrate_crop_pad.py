#!/usr/bin/env python
"""Choose the margin a detector's line boxes get before recognition (``crop_pad``, a fraction of the box height)
by the recogniser's CER on synthetic pages.

A detector's boxes hug the ink; how much margin the recogniser wants around them depends on the recogniser (its
training crops) and on the detector (how tight its boxes are), so the pair is calibrated together. The pages are
the training renderers' (documents from ``korocr.synth.page`` in 12-30 px type, and the detector's scene pages)
with the training fonts and a seed training never uses — not the benchmark pages of ``bench/``. Each detected box
that matches a ground-truth line at IoU 0.5 is cropped with every candidate margin and read; the margin with the
lowest CER over all matched lines wins. ``--write`` stores it as ``crop_pad`` in the detector's
``korocr.postprocess`` metadata, which :class:`korocr.detection.onnx_detector.OnnxDetector` reads.

    python scripts/calibrate_crop_pad.py [DET.onnx] --rec-model default --corpus cache/text/corpus.txt \\
        --words cache/text/words.txt --pages 40 --write
"""

from __future__ import annotations

import argparse
import json
import random

import numpy as np

from korocr.detection.onnx_detector import OnnxDetector
from korocr.detection.postprocess import crop_region
from korocr.evaluation.detection import iou_matrix
from korocr.evaluation.metrics import CERAccumulator
from korocr.hub import DEFAULT_DET_MODEL
from korocr.recognition import make_recognizer
from korocr.synth.fonts import discover_fonts
from korocr.synth.page import render_page
from korocr.synth.scene import ScenePageRenderer
from korocr.synth.text import TextSampler

HELD_OUT_FONTS = ["UnDotum*", "UnGraphic*", "NanumSquareRound*", "NanumBarunpen*", "IBMPlexSansKR*", "GowunBatang*",
                  "GowunDodum*", "SongMyung*", "Sunflower*", "Orbit*", "D2Coding*"]


def pages(fonts, sampler, n: int, seed: int):
    """``n`` (image, [(box, text)]) pairs: alternately a document page and a scene page."""
    rng = random.Random(seed)
    scene = ScenePageRenderer(fonts, sampler)
    for i in range(n):
        if i % 2 == 0:
            font = rng.choice([f for f in fonts if f.covers("가나다abc123")])
            img, lines = render_page(sampler, font, rng, font_px=rng.randint(12, 30), max_lines=25,
                                     columns=rng.choice([1, 1, 2]))
            yield img, [(ln.box, ln.text) for ln in lines]
        else:
            img, regions = scene.render(rng)
            yield img, [(r.box, r.text) for r in regions if not r.vertical]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default=str(DEFAULT_DET_MODEL), help="detector ONNX (default: bundled)")
    ap.add_argument("--rec-model", default=None, help="recogniser (default: bundled)")
    ap.add_argument("--corpus", nargs="*", default=[])
    ap.add_argument("--words", nargs="*", default=[])
    ap.add_argument("--font-dir", nargs="*", default=None)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--seed", type=int, default=4711)
    ap.add_argument("--pads", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    ap.add_argument("--write", action="store_true", help="store the best margin in the detector's metadata")
    args = ap.parse_args()

    fonts = discover_fonts(extra=args.font_dir, exclude=HELD_OUT_FONTS)
    sampler = TextSampler.from_files(args.corpus, args.words, max_chars=30)
    det = OnnxDetector(args.model, threads=2)
    rec = make_recognizer(args.rec_model)
    acc = {p: CERAccumulator() for p in args.pads}
    matched = total = 0
    for img, gt in pages(fonts, sampler, args.pages, args.seed):
        regions = [r for r in det.detect(img) if not r.vertical]
        total += len(gt)
        if not regions or not gt:
            continue
        ious = iou_matrix([r.box for r in regions], [b for b, _ in gt])
        pairs = [(i, int(ious[i].argmax())) for i in range(len(regions)) if ious[i].max() >= 0.5]
        matched += len(pairs)
        for p in args.pads:
            crops = [crop_region(img, regions[i], p, others=[r.box for r in regions]) for i, _ in pairs]
            for d, (_, j) in zip(rec.recognize(crops), pairs):
                acc[p].update(d.text, gt[j][1])
    print(f"{matched} detected lines matched of {total} ground-truth lines on {args.pages} pages")
    scores = {p: acc[p].cer for p in args.pads}
    for p in args.pads:
        print(f"crop_pad {p:.2f}: CER {scores[p]:.4f}")
    best = min(args.pads, key=lambda p: (round(scores[p], 4), abs(p - det.crop_pad)))
    print(f"best crop_pad {best} (current {det.crop_pad})")
    if args.write:
        import onnx

        proto = onnx.load(args.model)
        post = {}
        for e in list(proto.metadata_props):
            if e.key == "korocr.postprocess":
                post = json.loads(e.value)
                proto.metadata_props.remove(e)
        e = proto.metadata_props.add()
        e.key = "korocr.postprocess"
        e.value = json.dumps(post | {"crop_pad": best, "crop_pad_calibrated_on":
                                     f"{args.pages} synthetic pages, seed {args.seed}, CER {scores[best]:.4f}"})
        onnx.save(proto, args.model)
        print("written to", args.model)


if __name__ == "__main__":
    main()
