"""``korocr train --task det``: train the DBNet-style text detector on synthetic pages.

Writes a new ``RUNS_DIR/NAME-YYYYmmdd-HHMMSS`` per run with ``checkpoints/``, ``weights.pt`` (fp16) and, with
``--export``, ``model.onnx``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from ..data.pages import PageDataModule
from ..models.checkpoints import load_detector, save_detector
from .lit_detector import DetectorLitModule
from .runs import new_run_dir, recipe, resolve_seed, write_recipe
from .trainer import make_trainer


def run_detector(args: argparse.Namespace) -> Path:
    torch.set_num_threads(args.threads)
    seed = resolve_seed(args)
    rec = recipe(args, seed)
    dm = PageDataModule(args, seed)
    lit = DetectorLitModule(lr=args.lr, max_steps=args.max_steps, warmup_steps=args.warmup_steps)
    if args.init_from:
        model, _ = load_detector(args.init_from)
        lit.model.load_state_dict(model.state_dict())
    run_dir = new_run_dir(args.runs_dir, args.name or "detector-dbnet")
    write_recipe(run_dir, rec)
    print(f"run directory: {run_dir}", flush=True)
    print(f"detector: {sum(p.numel() for p in lit.model.parameters()) / 1e6:.2f}M params", flush=True)
    trainer = make_trainer(args, run_dir, validate=True, monitor=None)
    trainer.fit(lit, datamodule=dm, ckpt_path=args.resume)
    if not trainer.is_global_zero:  # DDP: rank 0 writes the results
        return run_dir
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
    meta = {"global_step": trainer.global_step, "train_args": rec, "metrics": metrics}
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=1))
    save_detector(run_dir / "weights.pt", lit.model, meta)
    if args.export:
        from ..export.onnx import export_detector_onnx

        print(f"onnx: {export_detector_onnx(lit.model, run_dir / 'model.onnx', meta=meta)}", flush=True)
    return run_dir
