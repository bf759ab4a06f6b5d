"""``korocr train --arch trocr``: train or fine-tune a VisionEncoderDecoder on the CRNN family's line data.

The run directory gets ``hf/`` (``save_pretrained`` model + processor, readable by ``korocr read --rec-model``),
``checkpoints/`` for ``--resume`` and, with ``--export``, ``onnx/`` (encoder and decoder graphs).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from ..data.lines import line_datamodule
from ..errors import KorocrError
from ..hub import is_hf_model_dir
from ..models.recognition.trocr.model import (ScratchConfig, build_from_pretrained, build_from_scratch,
                                              build_warm, configure_special_tokens, make_processor)
from ..models.recognition.trocr.tokenizer import build_char_tokenizer
from ..text.charsets import Charset
from .lit_trocr import TrOCRLitModule
from .runs import new_run_dir, recipe, resolve_seed, write_recipe
from .trainer import make_trainer


def run_trocr(args: argparse.Namespace) -> Path:
    torch.set_num_threads(args.threads)
    seed = resolve_seed(args)
    rec = recipe(args, seed)
    from ..models.recognition.trocr.cnn_encoder import MODEL_TYPE

    size = (args.image_height, args.image_width)
    model = tokenizer = None
    if args.init_from and is_hf_model_dir(args.init_from):
        from transformers import AutoTokenizer, VisionEncoderDecoderModel

        model = VisionEncoderDecoderModel.from_pretrained(args.init_from).float()  # fp16 exports train in fp32
        tokenizer = AutoTokenizer.from_pretrained(args.tokenizer or args.init_from)
        configure_special_tokens(model, tokenizer, args.max_length)
        if args.warm_encoder:  # a newer CTC recogniser's backbone and head under the trained layers and decoder
            if model.config.encoder.model_type != MODEL_TYPE:
                raise KorocrError(f"--warm-encoder with --init-from {args.init_from}: not a hybrid CNN-encoder "
                                  f"TrOCR (encoder {model.config.encoder.model_type})")
            from ..models.recognition.trocr.cnn_encoder import rewarm_encoder

            rewarm_encoder(model.encoder, args.warm_encoder)
            model.config.encoder = model.encoder.config
    elif args.warm_encoder:
        model, tokenizer = build_warm(args.warm_encoder, args.decoder,
                                      None if args.decoder else build_char_tokenizer(Charset.resolve(args.charset)),
                                      max_length=args.max_length)
    # a warm hybrid encoder reads the PP-OCR recogniser's lines (48 px BGR, natural width); the others, fixed sizes
    ecfg = model.config.encoder if model is not None else None
    if ecfg is not None and ecfg.model_type == MODEL_TYPE:
        margins = tuple(ecfg.margins) if getattr(ecfg, "margins", None) else None
        dm = line_datamodule(args, Charset.resolve(args.charset), seed, ecfg.img_height, 3, ecfg.x_scale,
                             margins=margins, max_sides=getattr(ecfg, "max_side_margin", None))
        size = (ecfg.img_height, 0)
    else:
        dm = line_datamodule(args, Charset.resolve(args.charset), seed)
    charset = dm.charset
    if model is not None:
        if ecfg.model_type != MODEL_TYPE:
            enc_size = ecfg.image_size
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
                         ctc_weight=args.ctc_weight, freeze_encoder_steps=args.freeze_encoder_steps)
    run_dir = new_run_dir(args.runs_dir, args.name or "trocr")
    write_recipe(run_dir, rec)
    print(f"run directory: {run_dir}", flush=True)
    print(f"model: VisionEncoderDecoder, {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params, "
          f"vocabulary {len(tokenizer)}, input {size[0]}x{size[1]}", flush=True)
    accelerator = "auto"
    precision = "bf16-mixed" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "32-true"
    trainer = make_trainer(args, run_dir, validate=bool(dm.val_batches), gradient_clip=1.0, accelerator=accelerator,
                           precision=precision)
    model.train()  # from_pretrained returns modules in eval mode, which Lightning would keep (no dropout, frozen BN)
    trainer.fit(lit, datamodule=dm, ckpt_path=args.resume)
    if not trainer.is_global_zero:  # DDP: rank 0 writes the results
        return run_dir
    hf = run_dir / "hf"
    model.save_pretrained(hf)
    if lit.cnn:  # no fixed-size image processor: the recogniser scales lines itself (korocr.preprocessing.line)
        tokenizer.save_pretrained(hf)
    else:
        make_processor(tokenizer, size[0], size[1]).save_pretrained(hf)
    print(f"model: {hf}", flush=True)
    if args.export and lit.cnn:
        import numpy as np

        from ..export.trocr_onnx import export_trocr_onnx_with_past

        example = np.zeros((1, 3, size[0], 320), np.float32)
        print(f"onnx: {export_trocr_onnx_with_past(model, run_dir / 'onnx', example)}", flush=True)
    elif args.export:
        from ..export.trocr_onnx import export_trocr_onnx

        print(f"onnx: {export_trocr_onnx(model, run_dir / 'onnx', size)}", flush=True)
    return run_dir
