"""``korocr generate``: draw text lines with an Inverse DALL-E model (text-to-image, or unconditional samples
with the model's own captions). Needs korocr[train]."""

from __future__ import annotations

import argparse
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from PIL import Image

    from ..errors import KorocrError, ModelLoadError, require

    for mod in ("torch", "transformers", "vector_quantize_pytorch"):
        require(mod, "train", "korocr generate")
    from ..models.recognition.inverse_dalle import InverseDalle

    try:
        model = InverseDalle.load(args.model)
    except FileNotFoundError as e:
        raise ModelLoadError(str(e)) from None
    if (args.width is None) != (args.height is None):
        raise KorocrError("korocr generate: give --width and --height together (or neither: the model picks the size)")
    size = None if args.width is None else (args.height, args.width)
    out = Path(args.output)
    for k in range(args.samples):
        try:
            img, caption = model.draw(args.text or None, temperature=args.temperature, top_k=args.top_k,
                                      seed=None if args.seed is None else args.seed + k, size=size)
        except ValueError as e:
            raise KorocrError(f"korocr generate --model {args.model}: {e}") from None
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
    p.add_argument("--width", type=int, default=None,
                   help="image width (px), rounded to whole codes (a multiple of the VQ-VAE's factor); with --height")
    p.add_argument("--height", type=int, default=None, help="image height (px), rounded the same way; with --width")
    p.set_defaults(func=run)
