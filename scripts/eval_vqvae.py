#!/usr/bin/env python
"""How much of a line a VQ-VAE keeps, measured as OCR sees it: the default recogniser's CER on the generalization
bench's lines (Chromium renders, held-out fonts and texts; ``bench/bench_general.py``) as they are, at the
VQ-VAE's input resolution (grey, scaled to the code grid and back), and reconstructed (encode → codes → decode),
plus codebook usage over the set.

    python scripts/eval_vqvae.py RUN/vqvae.pt --bench cache/bench_general --sets clean vertical \\
        --budget 0 128 [--n 200] [--grid-out grid.png]

``--budget 0`` scales each line to ``--across`` px (default 32: the VQ-VAE's training crops) across its short side; a positive budget
uses Inverse DALL-E's dynamic grid (rows × (cols + 1) ≤ budget tokens), what the GPT-2 reads.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import cv2
import numpy as np
import torch

from korocr.evaluation.metrics import CERAccumulator
from korocr.models.recognition.inverse_dalle.model import to_gray
from korocr.models.recognition.inverse_dalle.tokens import grid_for
from korocr.reader import Reader
from korocr.training.train_inverse_dalle import load_vqvae


def grey_at(img: np.ndarray, f: int, budget: int, across: int = 32) -> np.ndarray:
    """The grey image at the size the VQ-VAE sees (multiples of ``f``): ``across`` px across its short side, or
    on the dynamic grid of ``budget`` tokens."""
    g = to_gray(img)
    h, w = g.shape
    if budget:
        rows, cols = grid_for(h, w, budget)
        size = (cols * f, rows * f)
    elif h <= w:
        size = (max(f, int(round(w * across / h / f)) * f), across)
    else:
        size = (across, max(f, int(round(h * across / w / f)) * f))
    return cv2.resize(g, size, interpolation=cv2.INTER_AREA)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("vqvae")
    ap.add_argument("--bench", default="cache/bench_general")
    ap.add_argument("--sets", nargs="+", default=["clean", "vertical"])
    ap.add_argument("--budget", type=int, nargs="+", default=[0])
    ap.add_argument("--n", type=int, default=200, help="lines per set")
    ap.add_argument("--across", type=int, default=32,
                    help="with --budget 0: px across the short side (32: the VQ-VAE's training crops)")
    ap.add_argument("--grid-out", help="write originals above reconstructions of a few lines here (PNG)")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()

    vq = load_vqvae(args.vqvae)
    f = vq.config.downsample
    reader = Reader(threads=2)
    out: dict = {}
    shown: list[np.ndarray] = []
    for name in args.sets:
        logs = sorted((Path(args.bench) / "logs").glob(f"{name}.*.tsv"))  # any engine's log holds the labels
        if not logs:
            raise SystemExit(f"eval_vqvae: no {args.bench}/logs/{name}.*.tsv "
                             f"(run bench/bench_general.py --sets {name})")
        log = logs[0]
        rows = list(csv.DictReader(open(log, encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))[: args.n]
        vertical = name == "vertical"
        imgs = [cv2.imread(str(Path(args.bench) / name / r["image"]))[..., ::-1] for r in rows]
        refs = [r["ground_truth"] for r in rows]
        for budget in args.budget:
            acc = {k: CERAccumulator() for k in ("original", "grey at grid", "reconstruction")}
            used: set[int] = set()
            for img, ref in zip(imgs, refs):
                g = grey_at(img, f, budget, args.across)
                x = torch.from_numpy(g.astype(np.float32) / 127.5 - 1.0)[None, None]
                codes = vq.encode(x)
                used.update(codes.unique().tolist())
                rec = ((vq.decode(codes)[0, 0].numpy() + 1) * 127.5).clip(0, 255).astype(np.uint8)
                for key, im in (("original", img), ("grey at grid", g), ("reconstruction", rec)):
                    page = reader.read(im, line=True, vertical=vertical)
                    acc[key].update(page.text, ref)
                if args.grid_out and len(shown) < 16 and not vertical and budget == args.budget[0]:
                    shown.append(np.vstack([g, rec]))
            res = {k: round(a.cer, 4) for k, a in acc.items()}
            res["codes_used"] = len(used)
            res["codebook"] = vq.config.codebook_size
            res["ratio_rec_to_original"] = round(res["reconstruction"] / max(res["original"], 1e-9), 2)
            key = f"{name} budget={budget or f'h{args.across}'}"
            out[key] = res
            print(key, json.dumps(res), flush=True)
    if args.grid_out and shown:
        W = max(s.shape[1] for s in shown)
        cv2.imwrite(args.grid_out, np.vstack([np.pad(s, ((0, 4), (0, W - s.shape[1])), constant_values=255)
                                              for s in shown]))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
