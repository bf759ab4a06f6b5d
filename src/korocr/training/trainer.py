"""The one Lightning ``Trainer`` set-up of korocr's training runs."""

from __future__ import annotations

import argparse
from pathlib import Path

import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint

from .callbacks import StopFile, ThroughputLogger


def make_trainer(args: argparse.Namespace, run_dir: Path, validate: bool = True, monitor: str | None = None,
                 gradient_clip: float = 5.0, accelerator: str = "cpu", precision: str = "32-true") -> L.Trainer:
    """A Trainer that stops at ``--max-steps`` or ``--max-minutes``, validates and checkpoints every
    ``--val-every`` steps (``checkpoints/last.ckpt`` for ``--resume``, plus the best by ``monitor``) and logs
    throughput and validation metrics to ``run_dir/metrics.jsonl``. ``touch run_dir/STOP`` ends the run after
    the step in progress, as its step or time limit would (:class:`~korocr.training.callbacks.StopFile`).

    With ``--devices N`` (processes per node) or ``--num-nodes M`` above 1 it trains data-parallel with
    Lightning's DDP strategy (gloo on CPUs): every process runs the same command, the batch size is per process,
    and rank 0 alone writes metrics, weights and exports. On several nodes, set ``MASTER_ADDR``,
    ``MASTER_PORT`` and ``NODE_RANK`` on each, as Lightning documents for its DDP strategy.
    """
    devices, nodes = int(getattr(args, "devices", 1) or 1), int(getattr(args, "num_nodes", 1) or 1)
    strategy = "ddp" if devices * nodes > 1 else "auto"
    ckpt = ModelCheckpoint(dirpath=run_dir / "checkpoints", every_n_train_steps=args.val_every, save_last=True,
                           save_top_k=1, monitor=monitor if validate else None, mode="min")
    return L.Trainer(
        max_steps=args.max_steps, max_time={"minutes": args.max_minutes} if args.max_minutes else None,
        accelerator=accelerator, devices=devices, num_nodes=nodes, strategy=strategy, default_root_dir=run_dir, logger=False, precision=precision,
        val_check_interval=args.val_every if validate else None, check_val_every_n_epoch=None,
        num_sanity_val_steps=0, callbacks=[ckpt, ThroughputLogger(run_dir / "metrics.jsonl"), StopFile(run_dir / "STOP")],
        enable_progress_bar=bool(getattr(args, "progress", False)), gradient_clip_val=gradient_clip)
