#!/usr/bin/env python
"""Average the parameters of several korocr weights files of one model (checkpoint averaging, as in
"Averaging Weights Leads to Wider Optima and Better Generalization", Izmailov et al. 2018, applied to saved
points of one low-learning-rate trajectory).

Floating-point tensors (weights and batch-norm statistics) are averaged in float32 and stored in the first file's
dtype; integer buffers come from the last file. The files must share architecture, config and charset.

    python scripts/average_weights.py OUT.pt A.pt B.pt [C.pt ...] && korocr export OUT.pt OUT.onnx

Session 13: runs 14, 14b, 14c and 14d averaged read level with each of them on the generalization bench
(docs/benchmarks.md), so nothing averaged was shipped.
"""

from __future__ import annotations

import argparse
import sys

import torch


def _same_model_config(a: str, b: str) -> bool:
    """The two files' model configs are equal once each is read back with its defaults (a file written before a
    config field existed lacks the key, e.g. ``frame_stride`` 8)."""
    from korocr.models.checkpoints import load_weights

    return getattr(load_weights(a)[0], "config", None) == getattr(load_weights(b)[0], "config", None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("weights", nargs="+")
    args = ap.parse_args()
    if len(args.weights) < 2:
        sys.exit("average_weights: give at least two weights files")
    blobs = [torch.load(p, map_location="cpu", weights_only=False) for p in args.weights]
    first = blobs[0]
    for path, b in zip(args.weights[1:], blobs[1:]):
        if b.get("charset") != first.get("charset") or (b.get("config") != first.get("config")
                                                          and not _same_model_config(args.weights[0], path)):
            sys.exit(f"average_weights: {path}: config or charset differs from {args.weights[0]}")
        if b["state_dict"].keys() != first["state_dict"].keys():
            sys.exit(f"average_weights: {path}: its tensors are not those of {args.weights[0]}")
    state = {}
    for k, v in first["state_dict"].items():
        if v.is_floating_point():
            state[k] = (sum(b["state_dict"][k].float() for b in blobs) / len(blobs)).to(v.dtype)
        else:
            state[k] = blobs[-1]["state_dict"][k]
    out = dict(blobs[-1])
    out["state_dict"] = state
    out["meta"] = {**blobs[-1].get("meta", {}), "averaged": list(args.weights)}
    torch.save(out, args.out)
    print(f"average_weights: {len(blobs)} files → {args.out}")


if __name__ == "__main__":
    main()
