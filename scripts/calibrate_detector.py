#!/usr/bin/env python
"""Choose a detector's post-processing (bin_thresh, box_thresh, unclip_ratio, weak_thresh) by H-mean on synthetic
pages, scoring the regions exactly as ``OnnxDetector.detect`` makes them (DB boxes, then line fragments joined).

The pages come from the training renderer and the training fonts with a seed the trainer never uses (not the
held-out benchmark pages of bench/bench_pages.py).  Probability maps are computed once; every setting of the
grid is scored at IoU 0.5.  With ``--write`` the best setting is stored in the ONNX file's
``korocr.postprocess`` metadata, which :class:`korocr.detection.onnx_detector.OnnxDetector` uses by default.
Among settings within ``--tolerance`` of the best H-mean, the one with the lowest thresholds is chosen: text
unlike the training pages (other renderers and faces) scores lower, and a threshold that only just fits the
synthetic pages drops it.

    python scripts/calibrate_detector.py MODEL.onnx --corpus cache/text/corpus.txt --words cache/text/words.txt \\
        --pages 60 --write
"""

from __future__ import annotations

import argparse
import itertools
import json
import random

from korocr.detection.onnx_detector import OnnxDetector
from korocr.evaluation.detection import DetectionCounts, match_boxes
from korocr.synth.fonts import discover_fonts
from korocr.synth.scene import ScenePageRenderer
from korocr.synth.text import TextSampler

HELD_OUT_FONTS = ["UnDotum*", "UnGraphic*", "NanumSquareRound*", "NanumBarunpen*"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--corpus", nargs="*", default=[])
    ap.add_argument("--words", nargs="*", default=[])
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--seed", type=int, default=31337)
    ap.add_argument("--write", action="store_true", help="store the best setting in the model's metadata")
    ap.add_argument("--tolerance", type=float, default=0.005,
                    help="H-mean below the best that a lower-threshold setting may give up")
    args = ap.parse_args()
    fonts = discover_fonts(exclude=HELD_OUT_FONTS)
    sampler = TextSampler.from_files(args.corpus, args.words, max_chars=12)
    renderer = ScenePageRenderer(fonts, sampler)
    rng = random.Random(args.seed)
    det = OnnxDetector(args.model, threads=2)
    maps = []
    for _ in range(args.pages):
        img, regions = renderer.render(rng)
        prob, scale = det.probability_map(img)
        maps.append((prob, scale, (img.shape[1], img.shape[0]), [r.box for r in regions]))
    rows = []
    for bt, xt, ur, dw in itertools.product((0.2, 0.3, 0.4), (0.5, 0.6, 0.7), (None, 1.0, 1.5), (0.0, 0.1, 0.2)):
        if xt < bt:
            continue
        params = {"bin_thresh": bt, "box_thresh": xt, "unclip_ratio": ur, "weak_thresh": round(xt - dw, 2)}
        total = DetectionCounts()
        for prob, scale, size, gt in maps:
            boxes = [r.box for r in det.regions_from_prob(prob, scale, size, **params)]
            c = match_boxes(boxes, gt)
            total.tp, total.det, total.gt = total.tp + c.tp, total.det + c.det, total.gt + c.gt
        rows.append((params, total.as_dict()))
    rows.sort(key=lambda r: -r[1]["hmean"])
    for params, m in rows[:8]:
        print(json.dumps(params), f"P {m['precision']:.3f} R {m['recall']:.3f} H {m['hmean']:.3f}")
    best_h = rows[0][1]["hmean"]
    near = [r for r in rows if r[1]["hmean"] >= best_h - args.tolerance]
    chosen = min(near, key=lambda r: (r[0]["weak_thresh"], r[0]["box_thresh"], r[0]["bin_thresh"], -r[1]["hmean"]))
    print("chosen", json.dumps(chosen[0]), f"H {chosen[1]['hmean']:.3f}")
    current = {**det.params, "weak_thresh": det.weak_thresh}
    cur = next((m for p, m in rows if p == current), None)
    if cur:
        print("current", json.dumps(current), f"H {cur['hmean']:.3f}")
    if args.write:
        import onnx

        proto = onnx.load(args.model)
        for e in list(proto.metadata_props):
            if e.key == "korocr.postprocess":
                proto.metadata_props.remove(e)
        e = proto.metadata_props.add()
        e.key = "korocr.postprocess"
        e.value = json.dumps(chosen[0] | {"calibrated_on": f"{args.pages} synthetic pages, seed {args.seed}",
                                          "hmean": chosen[1]["hmean"]})
        onnx.save(proto, args.model)
        print("written to", args.model)


if __name__ == "__main__":
    main()
