#!/usr/bin/env python
"""Inverse DALL-E drawing, measured: unconditional samples with the model's own captions, and text-to-image
samples read back by korocr's default recogniser (issue 14).

* unconditional: ``--samples`` images drawn from ``[SOR]`` alone; the model then captions its own image; the
  default recogniser reads the same image, and the two texts are compared (CER of the recogniser's reading against
  the caption: does the model draw what it thinks it drew?);
* text-to-image: ``--n`` prompts (words and word pairs of up to ``--max-chars`` characters taken from the
  generalization bench's texts, ``bench/bench_general.py``: Debian documentation prose, a domain training never
  sees); each is drawn and read back; CER of the reading against the prompt.

Writes ``unconditional.png`` and ``text_to_image.png`` (each sample above its texts) and ``results.json`` to
``--out``.

    python bench/bench_inverse_dalle.py --model models/inverse-dalle --prompts cache/bench_general/clean/labels.tsv \
        --out docs/images/inverse_dalle
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

import numpy as np


def prompts_from(labels: Path, n: int, max_chars: int, seed: int) -> list[str]:
    """Words and pairs of words of at most ``max_chars`` characters (Hangul, digits, Latin) from a labels.tsv."""
    words: list[str] = []
    for ln in labels.read_text(encoding="utf-8").splitlines():
        parts = ln.split("\t")
        if len(parts) < 2:
            continue
        ws = [re.sub(r"[^\w]", "", w) for w in parts[1].split()]
        ws = [w for w in ws if w]
        words += ws
        words += [f"{a} {b}" for a, b in zip(ws, ws[1:])]
    cands = sorted({w for w in words if 2 <= len(w) <= max_chars})
    random.Random(seed).shuffle(cands)
    return cands[:n]


def _caption_font(size: int = 14):
    from PIL import ImageFont

    from korocr.visualize import korean_font_path

    path = korean_font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default()


def grid(items: list[tuple[np.ndarray, list[str]]], path: Path, width: int = 640) -> None:
    """Each (grey image, caption lines) stacked: the image scaled to 48 px high, its lines below it."""
    import cv2
    from PIL import Image, ImageDraw

    font = _caption_font()
    blocks = []
    for img, lines in items:
        h, w = img.shape[:2]
        s = 48 / max(1, h) if h <= w else 160 / max(1, h)
        im = cv2.resize(img, (max(1, min(width - 8, int(w * s))), max(1, int(h * s))), interpolation=cv2.INTER_AREA)
        block = Image.new("L", (width, im.shape[0] + 8 + 18 * len(lines)), 255)
        block.paste(Image.fromarray(im), (4, 4))
        d = ImageDraw.Draw(block)
        for k, t in enumerate(lines):
            d.text((4, im.shape[0] + 6 + 18 * k), t, fill=0, font=font)
        blocks.append(block)
    out = Image.new("L", (width, sum(b.height + 6 for b in blocks)), 200)
    y = 0
    for b in blocks:
        out.paste(b, (0, y))
        y += b.height + 6
    out.save(path)


def main() -> None:
    import torch

    from korocr.evaluation.metrics import CERAccumulator
    from korocr.models.recognition.inverse_dalle import InverseDalle
    from korocr.reader import Reader

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="an Inverse DALL-E model directory")
    ap.add_argument("--prompts", required=True, help="a labels.tsv of bench_general (texts for the prompts)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=24, help="text-to-image prompts")
    ap.add_argument("--samples", type=int, default=8, help="unconditional samples")
    ap.add_argument("--max-chars", type=int, default=6)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--top-k", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = InverseDalle.load(args.model)
    reader = Reader(threads=args.threads)
    res: dict = {"model": str(args.model), "temperature": args.temperature, "top_k": args.top_k}

    def draw(text, seed):
        """(image, caption); a model that stops before drawing a row gives a blank 32 × 32 image (counted)."""
        try:
            return model.draw(text, temperature=args.temperature, top_k=args.top_k, seed=seed)
        except ValueError:
            failed.append(text or "")
            return np.full((32, 32), 255, np.uint8), "" if text is None else text

    failed: list[str] = []
    t = time.perf_counter()
    unc = [draw(None, args.seed + k) for k in range(args.samples)]
    res["unconditional_s_per_sample"] = round((time.perf_counter() - t) / max(1, args.samples), 2)
    reads = [p.text for p in reader.read_many([im for im, _ in unc], line=True)]
    acc = CERAccumulator()
    for (_, cap), r in zip(unc, reads):
        acc.update(r, cap)
    res["unconditional"] = {"reading_vs_caption_cer": round(acc.cer, 4),
                            "samples": [{"caption": c, "read": r} for (_, c), r in zip(unc, reads)]}
    grid([(im, [f"caption: {c}", f"read: {r}"]) for (im, c), r in zip(unc, reads)], out / "unconditional.png")

    prompts = prompts_from(Path(args.prompts), args.n, args.max_chars, args.seed)
    t = time.perf_counter()
    drawn = [draw(p, args.seed + k)[0] for k, p in enumerate(prompts)]
    res["text_to_image_s_per_sample"] = round((time.perf_counter() - t) / max(1, len(prompts)), 2)
    reads = [p.text for p in reader.read_many(drawn, line=True)]
    acc = CERAccumulator()
    for p, r in zip(prompts, reads):
        acc.update(r, p)
    res["text_to_image"] = {"readback_cer": round(acc.cer, 4),
                            "exact": round(sum(p == r for p, r in zip(prompts, reads)) / max(1, len(prompts)), 3),
                            "samples": [{"prompt": p, "read": r} for p, r in zip(prompts, reads)]}
    grid([(im, [f"prompt: {p}", f"read: {r}"]) for im, p, r in zip(drawn, prompts, reads)],
         out / "text_to_image.png")
    res["no_image_drawn"] = {"count": len(failed), "texts": failed}
    (out / "results.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"unconditional: default recogniser's reading vs caption CER "
          f"{res['unconditional']['reading_vs_caption_cer']}; "
          f"text-to-image: read-back CER {res['text_to_image']['readback_cer']} "
          f"(exact {res['text_to_image']['exact']}) over {len(prompts)} prompts; no image drawn: {len(failed)}",
          flush=True)


if __name__ == "__main__":
    main()
