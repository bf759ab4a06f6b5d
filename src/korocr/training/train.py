"""Dispatch a ``korocr train`` run (arguments: :mod:`korocr.cli.train`) to the trainer of its task and
architecture: :mod:`.train_recognizer` (CRNN, PP-OCR), :mod:`.train_trocr`, :mod:`.train_inverse_dalle`,
:mod:`.train_detector`."""

from __future__ import annotations

import argparse
from pathlib import Path


def run(args: argparse.Namespace) -> Path:
    """Run one training job; returns its run directory.

    Raises:
        korocr.errors.KorocrError: bad data, fonts or model arguments.
    """
    if args.task == "det":
        from .train_detector import run_detector

        args.batch_size = args.batch_size or 8
        args.val_size = args.val_size if args.val_size is not None else 32
        return run_detector(args)
    args.batch_size = args.batch_size or 64
    args.val_size = args.val_size if args.val_size is not None else 512
    if args.arch in ("vqvae", "inverse-dalle"):
        from .train_inverse_dalle import run_inverse_dalle, run_vqvae

        args.max_length = args.sequence_length
        return run_vqvae(args) if args.arch == "vqvae" else run_inverse_dalle(args)
    if args.arch == "trocr":
        from .train_trocr import run_trocr

        return run_trocr(args)
    from .train_recognizer import run_recognizer

    return run_recognizer(args)
