"""``korocr train --arch trocr``: train or fine-tune a VisionEncoderDecoder on the CRNN family's line data.

The run directory gets ``hf/`` (``save_pretrained`` model + processor, readable by ``korocr read --rec-model``),
``checkpoints/`` for ``--resume`` and, with ``--export``, ``onnx/`` (encoder and decoder graphs).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def run_trocr(args: argparse.Namespace) -> Path:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import lightning as L
    import torch
    from lightning.pytorch.callbacks import ModelCheckpoint
    from torch.utils.data import DataLoader

    from ..hub import is_hf_model_dir
    from ..models.recognition.trocr.model import (ScratchConfig, build_from_pretrained, build_from_scratch,
                                                  configure_special_tokens, make_processor)
    from ..models.recognition.trocr.tokenizer import build_char_tokenizer
    from ..text.charsets import Charset
    from .lit_trocr import TrOCRLitModule
    from .train import _new_run_dir, _ThroughputLogger, line_data

    torch.set_num_threads(args.threads)
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    recipe = {k: v for k, v in vars(args).items() if not callable(v)} | {"seed": seed}
    charset = Charset.default() if args.charset == "default" else Charset.load(args.charset)
    train_ds, val_lines, charset = line_data(args, charset, seed)

    size = (args.image_height, args.image_width)
    if args.init_from and is_hf_model_dir(args.init_from):
        from transformers import AutoTokenizer, VisionEncoderDecoderModel

        model = VisionEncoderDecoderModel.from_pretrained(args.init_from)
        tokenizer = AutoTokenizer.from_pretrained(args.tokenizer or args.init_from)
        configure_special_tokens(model, tokenizer, args.max_length)
        enc_size = model.config.encoder.image_size
        size = tuple(enc_size) if isinstance(enc_size, (list, tuple)) else (enc_size, enc_size)
    elif args.encoder and args.decoder:
        model, tokenizer = build_from_pretrained(args.encoder, args.decoder, args.tokenizer, args.max_length)
        enc_size = model.config.encoder.image_size
        size = tuple(enc_size) if isinstance(enc_size, (list, tuple)) else (enc_size, enc_size)
    else:
        tokenizer = build_char_tokenizer(charset)
        model = build_from_scratch(tokenizer, ScratchConfig.for_encoder(
            args.scratch_encoder, image_height=size[0], image_width=size[1], max_length=args.max_length))
    lit = TrOCRLitModule(model, tokenizer, size, lr=args.lr, warmup_steps=args.warmup_steps,
                         max_steps=args.max_steps, label_smoothing=args.label_smoothing, max_length=args.max_length,
                         ctc_weight=args.ctc_weight)
    run_dir = _new_run_dir(args.runs_dir, args.name or "trocr")
    (run_dir / "args.json").write_text(json.dumps(recipe, indent=2, ensure_ascii=False))
    print(f"run directory: {run_dir}", flush=True)
    print(f"model: VisionEncoderDecoder, {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params, "
          f"vocabulary {len(tokenizer)}, input {size[0]}x{size[1]}", flush=True)
    loader = DataLoader(train_ds, batch_size=None, num_workers=args.workers, persistent_workers=args.workers > 0,
                        multiprocessing_context="spawn" if args.workers else None)
    ckpt = ModelCheckpoint(dirpath=run_dir / "checkpoints", every_n_train_steps=args.val_every, save_last=True)
    precision = "bf16-mixed" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "32-true"
    trainer = L.Trainer(max_steps=args.max_steps, max_time={"minutes": args.max_minutes} if args.max_minutes else None,
                        accelerator="auto", devices=1, default_root_dir=run_dir, logger=False, precision=precision,
                        val_check_interval=args.val_every if val_lines else None, check_val_every_n_epoch=None,
                        num_sanity_val_steps=0, enable_progress_bar=False, gradient_clip_val=1.0,
                        callbacks=[ckpt, _ThroughputLogger(run_dir / "metrics.jsonl", args.batch_size)])
    trainer.fit(lit, train_dataloaders=loader,
                val_dataloaders=DataLoader(val_lines, batch_size=None) if val_lines else None, ckpt_path=args.resume)
    hf = run_dir / "hf"
    model.save_pretrained(hf)
    make_processor(tokenizer, size[0], size[1]).save_pretrained(hf)
    print(f"model: {hf}", flush=True)
    if args.export:
        from ..export.trocr_onnx import export_trocr_onnx

        print(f"onnx: {export_trocr_onnx(model, run_dir / 'onnx', size)}", flush=True)
    return run_dir
