"""``korocr train`` for CTC line recognisers: the CRNN family and PP-OCR backbones (``--arch crnn|ppocr``).

A run writes ``checkpoints/`` (Lightning, for ``--resume``), ``weights.pt`` (fp16 weights + charset), ``model.onnx``
with ``--export``, ``args.json`` and ``metrics.jsonl`` to a new run directory (:mod:`.runs`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from ..data.lines import line_datamodule
from ..errors import KorocrError
from ..models.checkpoints import load_weights, save_weights
from ..models.recognition.crnn import CRNNConfig
from ..text.charsets import Charset
from .lit_recognizer import RecognizerLitModule
from .runs import new_run_dir, recipe, resolve_seed, write_recipe
from .trainer import make_trainer


def _config(args: argparse.Namespace) -> dict:
    if args.arch == "ppocr":
        return {"arch": "ppocr", "num_classes": 0, "pretrained": args.pretrained}
    return CRNNConfig(num_classes=0, transformation=args.transformation, feature_extraction=args.feature_extraction,
                      sequence_modeling=args.sequence_modeling, prediction=args.prediction,
                      output_channel=args.output_channel, hidden_size=args.hidden_size).to_dict()


def run_recognizer(args: argparse.Namespace) -> Path:
    torch.set_num_threads(args.threads)
    seed = resolve_seed(args)
    rec = recipe(args, seed)

    charset, init = Charset.resolve(args.charset), None
    if args.init_from:
        init_model, init_charset, _ = load_weights(args.init_from)
        charset = Charset.from_text(["".join(charset.chars)], base=init_charset)  # old order first
        init, config = (init_model, init_charset), init_model.config.to_dict()
    else:
        config = _config(args)
    height, channels = int(config.get("img_height", 32)), int(config.get("in_channels", 1))
    if config.get("arch") == "ppocr":
        if getattr(args, "img_height", None):
            config["img_height"] = int(args.img_height)
        height, channels = int(config.get("img_height", 48)), 3
        if getattr(args, "x_scale", None):
            config["x_scale"] = args.x_scale
        if getattr(args, "margins", None):
            config["margins"] = [float(v) for v in args.margins]
        if getattr(args, "max_side_margin", None) is not None:
            config["max_side_margin"] = float(args.max_side_margin)
        if getattr(args, "frame_stride", None):
            config["frame_stride"] = int(args.frame_stride)
    elif getattr(args, "margins", None) or getattr(args, "max_side_margin", None) is not None:
        raise KorocrError("korocr train: --margins and --max-side-margin are kept in a ppocr model's config; use "
                          "them with --arch ppocr")
    x_scale = float(config.get("x_scale", 1.0))
    margins = tuple(config["margins"]) if config.get("margins") else None
    dm = line_datamodule(args, charset, seed, height, channels, x_scale, margins=margins,
                         max_sides=config.get("max_side_margin"))
    charset = dm.charset
    if hasattr(dm, "fonts"):
        print(f"fonts: {len(dm.fonts)} ({', '.join(f.spec.key for f in dm.fonts)})", flush=True)
    offset = 1 if config.get("prediction", "CTC") == "CTC" else 2
    config["num_classes"] = len(charset) + offset

    lit = RecognizerLitModule(config, charset.chars, lr=args.lr, warmup_steps=args.warmup_steps,
                              max_steps=args.max_steps)
    if init is not None:
        init_model, init_charset = init
        init_model.resize_classes(config["num_classes"], keep=len(init_charset) + offset)
        lit.model.load_state_dict(init_model.state_dict())

    run_dir = new_run_dir(args.runs_dir, args.name or lit.model.config.name)
    write_recipe(run_dir, rec)
    charset.save(run_dir / "charset.json")
    print(f"run directory: {run_dir}", flush=True)
    print(f"model: {lit.model.config.name}, {sum(p.numel() for p in lit.model.parameters()) / 1e6:.2f}M params, "
          f"{len(charset)} characters", flush=True)
    validate = bool(dm.val_batches)
    trainer = make_trainer(args, run_dir, validate=validate, monitor="val/cer")
    trainer.fit(lit, datamodule=dm, ckpt_path=args.resume)
    if not trainer.is_global_zero:  # DDP: rank 0 writes the results
        return run_dir

    meta = {"run_dir": str(run_dir), "global_step": trainer.global_step, "train_args": rec}
    print(f"weights: {save_weights(run_dir / 'weights.pt', lit.model, charset, meta)}", flush=True)
    if args.export:
        from ..export.onnx import export_onnx

        print(f"onnx: {export_onnx(lit.model, charset, run_dir / 'model.onnx', meta=meta)}", flush=True)
    return run_dir
