"""The ``korocr train`` flags of the Inverse DALL-E family (``--arch vqvae`` and ``--arch inverse-dalle``); the
training code is :mod:`korocr.training.train_inverse_dalle`, the method docs/inverse_dalle.md."""

from __future__ import annotations

import argparse


def add_inverse_dalle_arguments(p: argparse.ArgumentParser) -> None:
    """Add the VQ-VAE and GPT-2 flags to ``korocr train``'s parser ``p`` (one argument group)."""
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
    d.add_argument("--fine-vqvae",
                   help="inverse-dalle with --init-from: a residual VQ-VAE (--quantizers Q --keep-first-level) whose "
                        "first level is the model's own; its further levels go to the code stem (which must exist), "
                        "starting at zero")
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
    d.add_argument("--vertical-share", type=float, default=None,
                   help="inverse-dalle / vqvae: share of the training samples rendered as vertical columns (default "
                        "0.3; the validation samples keep 0.3)")
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
