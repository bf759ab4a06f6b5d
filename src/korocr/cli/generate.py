"""``korocr generate``: draw text lines with an Inverse DALL-E model (text-to-image, or unconditional samples
with the model's own captions). Needs korocr[train]."""

from __future__ import annotations

import argparse
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from PIL import Image

    from ..errors import ModelLoadError, require

    for mod in ("torch", "transformers", "vector_quantize_pytorch"):
        require(mod, "train", "korocr generate")
    from ..models.recognition.inverse_dalle import InverseDalle

    try:
        model = InverseDalle.load(args.model)
    except FileNotFoundError as e:
        raise ModelLoadError(str(e)) from None
    out = Path(args.output)
    for k in range(args.samples):
        img, caption = model.draw(args.text or None, temperature=args.temperature, top_k=args.top_k,
                                  seed=None if args.seed is None else args.seed + k)
        path = out if args.samples == 1 else out.with_name(f"{out.stem}_{k}{out.suffix or '.png'}")
        Image.fromarray(img).save(path)
        print(f"{path}\t{caption}")
    return 0


def add(sub) -> None:
    p = sub.add_parser("generate", help="draw text lines with an Inverse DALL-E model (needs korocr[train])",
                       description=__doc__)
    p.add_argument("text", nargs="?", default="", help="text to draw (omit for unconditional samples)")
    p.add_argument("-o", "--output", required=True, help="PNG to write (several samples: NAME_0.png, ...)")
    p.add_argument("--model", required=True, help="an Inverse DALL-E model directory (korocr train --arch inverse-dalle)")
    p.add_argument("--samples", type=int, default=1)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--top-k", type=int, default=0, help="sample among the k likeliest codes (0: all)")
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=run)
