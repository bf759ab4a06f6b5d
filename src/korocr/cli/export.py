"""``korocr export``: recogniser weights or a training checkpoint → ONNX (charset inside)."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from ..errors import require

    require("torch", "train", "korocr export")
    from ..export.onnx import export_onnx
    from ..models.checkpoints import load_weights

    model, charset, meta = load_weights(args.weights)
    print(export_onnx(model, charset, args.output, meta=meta))
    return 0


def add(sub) -> None:
    p = sub.add_parser("export", help="export weights (.pt) or a training checkpoint (.ckpt) to ONNX")
    p.add_argument("weights", help="a weights file, a korocr train checkpoint, or 'default' (the resume weights of "
                                   "the shipped model, in a source checkout)")
    p.add_argument("output", help="the .onnx to write")
    p.set_defaults(func=run)
