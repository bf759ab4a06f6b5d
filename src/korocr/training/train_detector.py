"""``korocr train --task det``: train the DBNet-style text detector on synthetic pages.

Writes a new ``RUNS_DIR/NAME-YYYYmmdd-HHMMSS`` per run with ``checkpoints/``, ``weights.pt`` (fp16) and, with
``--export``, ``model.onnx``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def run_detector(args: argparse.Namespace) -> Path:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import random

    import lightning as L
    import torch
    from lightning.pytorch.callbacks import ModelCheckpoint
    from torch.utils.data import DataLoader

    from ..data.pages import SyntheticPages, fit_crop, to_batch
    from ..models.detection.weights import load_detector, save_detector
    from ..synth.fonts import discover_fonts
    from ..synth.scene import ScenePageRenderer
    from ..synth.text import TextSampler
    from .lit_detector import DetectorLitModule
    from .train import _new_run_dir

    torch.set_num_threads(args.threads)
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    recipe = {k: v for k, v in vars(args).items() if not callable(v)} | {"seed": seed}
    fonts = discover_fonts(extra=args.font_dir, include=args.fonts, exclude=args.exclude_fonts)
    if not fonts:
        raise SystemExit("korocr train: no fonts found (install fonts-nanum / fonts-noto-cjk or pass --font-dir)")
    sampler = TextSampler.from_files(args.corpus, args.words, max_chars=args.max_chars)
    if args.data:  # annotated pages (HierText-style JSON / JSON Lines) instead of synthesis
        from ..data.pages import AnnotatedPages

        ds = AnnotatedPages(args.data, batch_size=args.batch_size, size=args.det_size, seed=seed)
        print(f"annotated pages: {len(ds.pages)} used, {len(ds.skipped)} skipped", flush=True)
        for why in ds.skipped[:10]:
            print(f"  skipped: {why}", flush=True)
    else:
        ds = SyntheticPages(fonts, sampler, batch_size=args.batch_size, size=args.det_size, seed=seed)
    rng = random.Random(4321)
    renderer = ScenePageRenderer(fonts, sampler)
    val_items = []
    for _ in range(args.val_size):
        img, regions = renderer.render(rng)
        val_items.append(fit_crop(img, [r.quad for r in regions], args.det_size, rng))
    val = [to_batch(val_items[i:i + 4]) for i in range(0, len(val_items), 4)]

    lit = DetectorLitModule(lr=args.lr, max_steps=args.max_steps, warmup_steps=args.warmup_steps)
    if args.init_from:
        model, _ = load_detector(args.init_from)
        lit.model.load_state_dict(model.state_dict())
    run_dir = _new_run_dir(args.runs_dir, args.name or "detector-dbnet")
    (run_dir / "args.json").write_text(json.dumps(recipe, indent=2, ensure_ascii=False))
    print(f"run directory: {run_dir}", flush=True)
    print(f"detector: {sum(p.numel() for p in lit.model.parameters()) / 1e6:.2f}M params", flush=True)
    loader = DataLoader(ds, batch_size=None, num_workers=args.workers, persistent_workers=args.workers > 0,
                        multiprocessing_context="spawn" if args.workers else None)
    ckpt = ModelCheckpoint(dirpath=run_dir / "checkpoints", every_n_train_steps=args.val_every, save_last=True)
    trainer = L.Trainer(max_steps=args.max_steps, max_time={"minutes": args.max_minutes} if args.max_minutes else None,
                        accelerator="cpu", devices=1, logger=False, default_root_dir=run_dir,
                        val_check_interval=args.val_every, check_val_every_n_epoch=None, num_sanity_val_steps=0,
                        callbacks=[ckpt], enable_progress_bar=False, gradient_clip_val=5.0)
    trainer.fit(lit, train_dataloaders=loader, val_dataloaders=DataLoader(val, batch_size=None),
                ckpt_path=args.resume)
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
    meta = {"global_step": trainer.global_step, "train_args": recipe, "metrics": metrics}
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=1))
    save_detector(run_dir / "weights.pt", lit.model, meta)
    if args.export:
        from ..export.onnx import export_detector_onnx

        print(f"onnx: {export_detector_onnx(lit.model, run_dir / 'model.onnx', meta=meta)}", flush=True)
    return run_dir
