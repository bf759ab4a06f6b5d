#!/usr/bin/env python
"""Seconds per page: korocr (detection + recognition, timed apart) and Tesseract 5 ``kor+eng --psm 3`` on the same
page images, one run. Pause other work first (a training: ``kill -STOP``); onnxruntime uses ``--threads``.

    python bench/page_time.py 'bench/out/pages/page_*.png' [--rec-model X.onnx] [--no-tesseract]
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import time

import numpy as np
from PIL import Image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pages", help="a glob of page images")
    ap.add_argument("--rec-model", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-tesseract", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="read the pages this many times (korocr), report the mean")
    args = ap.parse_args()
    from korocr.reader import Reader

    paths = sorted(glob.glob(args.pages))
    if not paths:
        raise SystemExit(f"page_time: no images match {args.pages!r}")
    reader = Reader(rec_model=args.rec_model, threads=args.threads)
    spent = {"det": 0.0, "rec": 0.0}

    def timed(fn, key):
        def run(*a, **k):
            t = time.perf_counter()
            out = fn(*a, **k)
            spent[key] += time.perf_counter() - t
            return out
        return run

    pages = [np.array(Image.open(p).convert("RGB")) for p in paths]
    reader.read(pages[0])  # warm-up: onnxruntime's first runs allocate
    reader.detector.detect = timed(reader.detector.detect, "det")
    reader.recognizer.recognize = timed(reader.recognizer.recognize, "rec")
    totals = []
    for _ in range(max(1, args.repeat)):
        for arr in pages:
            t = time.perf_counter()
            reader.read(arr)
            totals.append(time.perf_counter() - t)
    n = len(totals)
    print(f"{len(pages)} pages × {max(1, args.repeat)} ({pages[0].shape[1]}×{pages[0].shape[0]} px first), {args.threads} threads")
    print(f"korocr: {np.mean(totals):.3f} s/page (min {min(totals):.3f}, max {max(totals):.3f}); "
          f"detection {spent['det'] / n:.3f}, recognition {spent['rec'] / n:.3f}")
    if not args.no_tesseract:
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        t = time.perf_counter()
        for p in paths:
            subprocess.run(["tesseract", p, "-", "-l", "kor+eng", "--psm", "3"], capture_output=True, env=env, check=False)
        print(f"tesseract: {(time.perf_counter() - t) / len(paths):.3f} s/page")


if __name__ == "__main__":
    main()
