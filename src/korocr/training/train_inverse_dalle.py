"""``korocr train --arch vqvae`` and ``--arch inverse-dalle``: the two stages of Inverse DALL-E.

1. ``vqvae``: the VQ-VAE learns to reconstruct synthetic lines and vertical columns (grayscale, dynamic grid
   size); the run writes ``vqvae.pt`` (fp16) and ``metrics.jsonl`` (L1, VQ loss, codebook usage).
2. ``inverse-dalle --vqvae RUN/vqvae.pt``: the VQ-VAE is frozen; a GPT-2 learns ``[image tokens] SEP [text] EOS``
   (or ``[text] SEP [image tokens] EOS`` with ``--draw``) from lines and columns rendered on the fly; the run
   writes ``model/`` (:meth:`~korocr.models.recognition.inverse_dalle.InverseDalle.save`), readable by
   ``korocr read --rec-model RUN/model``.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path
from typing import Iterator, Sequence

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from ..data.distributed import for_this_rank
from ..errors import KorocrError
from ..evaluation.metrics import CERAccumulator
from ..models.recognition.inverse_dalle import GPTConfig, InverseDalle, VQVAE, VQVAEConfig, lm_loss
from ..models.recognition.inverse_dalle.model import split_batch
from ..models.recognition.inverse_dalle.tokens import PAD, SequenceTooLong
from ..text.charsets import Charset
from .common import adamw_warmup_cosine
from .runs import new_run_dir, recipe, resolve_seed, write_recipe
from .trainer import make_trainer


# ``--clean-renders``: a first phase of a curriculum (issue 16's "short lines and clean renders first"): dark
# type on a light ground, FreeType or Skia, no degradations, effects, bitmap/thermal looks or neighbouring lines;
# fonts, sizes, spacing and margins still vary
CLEAN_RENDERS = dict(augment=False, effect_prob=0.0, bitmap_prob=0.0, thermal_prob=0.0, neighbour_prob=0.0,
                     dark_on_light_prob=1.0)
VAL_VERTICAL = 0.3  # the validation samples' share of vertical columns (and the training default)


class _Samples:
    """(image, text) pairs: horizontal lines (LineRenderer) and, with probability ``vertical`` (default
    ``args.vertical_share``, else :data:`VAL_VERTICAL`), columns; with ``args.clean_renders`` the lines are rendered
    without degradations (:data:`CLEAN_RENDERS`). The fixed validation samples always use :data:`VAL_VERTICAL`, so
    runs with different shares are validated on the same samples.

    Raises:
        KorocrError: no fonts found, or a share outside [0, 1].
    """

    def __init__(self, args, charset: Charset, seed: int, vertical: float | None = None):
        from ..synth.fonts import discover_fonts
        from ..synth.render import LineRenderer
        from ..synth.text import TextSampler

        self.fonts = discover_fonts(extra=args.font_dir, include=args.fonts, exclude=args.exclude_fonts)
        if not self.fonts:
            raise KorocrError("korocr train: no fonts found (install fonts-nanum / fonts-noto-cjk or pass --font-dir)")
        self.sampler = TextSampler.from_files(args.corpus, args.words, charset=charset, max_chars=args.max_chars)
        if vertical is None:
            vertical = getattr(args, "vertical_share", None)
        vertical = VAL_VERTICAL if vertical is None else float(vertical)
        if not 0.0 <= vertical <= 1.0:
            raise KorocrError(f"korocr train --vertical-share {vertical}: must be between 0 and 1")
        self.seed, self.vertical, self.max_chars = seed, vertical, args.max_chars
        self._renderer = LineRenderer
        self.clean = bool(getattr(args, "clean_renders", False))

    def stream(self, wid: int = 0, seed: int | None = None) -> Iterator[tuple[np.ndarray, str]]:
        """Endless (image, text) pairs for data-loader worker ``wid``, or from ``seed`` when given (the fixed
        validation samples)."""
        from ..synth.render import RenderConfig, render_vertical

        vertical = self.vertical if seed is None else VAL_VERTICAL
        seed = self.seed + 1000 * wid if seed is None else seed
        rng = random.Random(seed)
        config = RenderConfig(**CLEAN_RENDERS) if self.clean else None
        renderer = self._renderer(self.fonts, config=config, seed=seed)
        while True:
            text = self.sampler.sample(rng)
            font = renderer.pick_font(text, rng)
            if font is None:
                continue
            if rng.random() < vertical:
                text = "".join(text.split())[:min(12, self.max_chars)]
                if not text:
                    continue
                img = render_vertical(text, font, rng)
            else:
                img = renderer.render(text, rng, font)
            if self.clean:
                img = _dark_on_light(img)
                if img is None:
                    continue
            yield img, text


def _dark_on_light(img: np.ndarray, min_contrast: float = 60.0) -> np.ndarray | None:
    """A clean render as grey dark type on a light ground: turned over when its ground (the median grey) is the
    darker side, None when the ground and the darkest ink differ by less than ``min_contrast`` grey levels (a
    coloured ground whose grey is close to the ink's)."""
    g = img.mean(-1) if img.ndim == 3 else img.astype(np.float32)
    lo, hi, ground = float(g.min()), float(g.max()), float(np.median(g))
    if ground < (lo + hi) / 2:
        g, ground, lo = 255.0 - g, 255.0 - ground, 255.0 - hi
    if ground - lo < min_contrast:
        return None
    return g.clip(0, 255).astype(np.uint8)


class _VQBatches(IterableDataset):
    """Batches of same-shape grayscale crops for the VQ-VAE: 32×128 px from lines, 128×32 px from columns."""

    def __init__(self, samples: _Samples, batch_size: int):
        super().__init__()
        self.samples, self.batch_size = samples, batch_size

    def __iter__(self):
        import cv2

        info = get_worker_info()
        stream = self.samples.stream(info.id if info else 0)
        rng = random.Random(self.samples.seed)
        pools: dict[tuple[int, int], list[np.ndarray]] = {(32, 128): [], (128, 32): []}
        for img, _ in stream:
            g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img
            h, w = g.shape
            if h <= w:  # scale to 32 px high, pad/crop to 128 wide
                g = cv2.resize(g, (max(8, int(w * 32 / h)), 32), interpolation=cv2.INTER_AREA)
                key = (32, 128)
                x = rng.randint(0, max(0, g.shape[1] - 128))
                g = g[:, x:x + 128]
                g = np.pad(g, ((0, 0), (0, 128 - g.shape[1])), mode="edge")
            else:
                g = cv2.resize(g, (32, max(8, int(h * 32 / w))), interpolation=cv2.INTER_AREA)
                key = (128, 32)
                y = rng.randint(0, max(0, g.shape[0] - 128))
                g = g[y:y + 128]
                g = np.pad(g, ((0, 128 - g.shape[0]), (0, 0)), mode="edge")
            pools[key].append(g.astype(np.float32) / 127.5 - 1.0)
            if len(pools[key]) == self.batch_size:
                yield torch.from_numpy(np.stack(pools[key])[:, None])
                pools[key] = []


class OCRDistillLoss(torch.nn.Module):
    """A label-free OCR loss on reconstructions: the mean KL divergence, over CTC frames, between a frozen
    recogniser's posteriors on the original crop and on its reconstruction, KL(p(x) ‖ p(x̂)). The
    reconstruction is pushed to read like the original, not merely to look like it pixel by pixel (knowledge
    distillation on outputs, Hinton et al. 2015, used as a perceptual loss in the sense of Johnson et al. 2016).

    The crops are the VQ-VAE's: grey (N, 1, 32, W) lines, or (N, 1, H, 32) columns, which are cut into 32 × 32 px
    squares laid side by side as a line (the recogniser reads horizontally; the VQ-VAE itself still sees the
    column). They are scaled to the teacher's input height, its ``x_scale`` and its channels (grey repeated).

    Args:
        teacher: a korocr recogniser weights file (``load_weights``): a CTC model whose ``forward`` takes
            (N, C, H, W) in [-1, 1] and returns logits (N, T, classes).

    Raises:
        korocr.errors.MissingModelError / ModelLoadError: the weights file is missing or not a recogniser.
    """

    def __init__(self, teacher: str | Path):
        super().__init__()
        from ..models.checkpoints import load_weights

        model, _, _ = load_weights(teacher)
        for p in model.parameters():
            p.requires_grad_(False)
        self.teacher = model.eval()
        cfg = model.config
        self.height = int(getattr(cfg, "img_height", 32))
        self.channels = int(getattr(cfg, "in_channels", 1))
        self.x_scale = float(getattr(cfg, "x_scale", 1.0) or 1.0)

    def train(self, mode: bool = True):  # the teacher stays in eval mode (dropout, batch norm statistics)
        super().train(mode)
        self.teacher.eval()
        return self

    def _as_line(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if h > w and h % w == 0:  # a column: squares side by side
            k = h // w
            x = x.view(n, c, k, w, w).permute(0, 1, 3, 2, 4).reshape(n, c, w, k * w)
            h, w = x.shape[-2:]
        s = self.height / h
        size = (self.height, max(8, int(round(w * s * self.x_scale))))
        if size != (h, w):
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        return x.repeat(1, self.channels, 1, 1) if self.channels != x.shape[1] else x

    def forward(self, reconstruction: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
        """Mean KL per frame (nats) of reconstruction (N, 1, H, W) against original, both in [-1, 1]."""
        with torch.no_grad():
            target = F.log_softmax(self.teacher(self._as_line(original)).float(), -1)
        pred = F.log_softmax(self.teacher(self._as_line(reconstruction)).float(), -1)
        return F.kl_div(pred.flatten(0, 1), target.flatten(0, 1), log_target=True, reduction="batchmean")


class VQVAELit(L.LightningModule):
    def __init__(self, config: dict, lr: float, warmup_steps: int, max_steps: int, ocr_loss_weight: float = 0.0,
                 ocr_teacher: str | None = None, decoder_only: bool = False, keep_first_level: bool = False):
        super().__init__()
        self.save_hyperparameters()
        self.model = VQVAE(VQVAEConfig.from_dict(config))
        if decoder_only:  # the codes stay as they are: only the decoder learns (VQVAE.decoder_loss)
            for p in list(self.model.encoder.parameters()) + list(self.model.quantizer.parameters()):
                p.requires_grad_(False)
        if keep_first_level:  # encoder and level-0 codebook frozen: the first code of every cell never changes
            if self.model.config.quantizers < 2:
                raise KorocrError("korocr train --arch vqvae --keep-first-level needs --quantizers 2 or more")
            for p in list(self.model.encoder.parameters()) + list(self.model.quantizer.layers[0].parameters()):
                p.requires_grad_(False)
        self.ocr = None
        if ocr_loss_weight > 0:
            if not ocr_teacher:
                raise KorocrError("korocr train --arch vqvae: --ocr-loss-weight needs --ocr-teacher (a recogniser "
                                  "weights file, e.g. training_state/rec-crnn.fp16.pt)")
            self.ocr = OCRDistillLoss(ocr_teacher)

    def training_step(self, batch, batch_idx):
        if self.hparams.get("keep_first_level"):  # no EMA update or dead-code replacement of level 0
            self.model.quantizer.layers[0].eval()
        loss_fn = self.model.decoder_loss if self.hparams.decoder_only else self.model.loss
        if self.ocr is None:
            loss, m = loss_fn(batch)
        else:
            loss, m, rec = loss_fn(batch, return_reconstruction=True)
            ocr = self.ocr(rec, batch)
            loss = loss + self.hparams.ocr_loss_weight * ocr
            self.log("train/ocr_kl", float(ocr.detach()))
        self.log("train/loss", loss)
        self.log("train/l1", m["l1"])
        self.log("train/codes_used", float(m["codes_used"]))
        self.log("lr", self.optimizers().param_groups[0]["lr"])
        return loss

    def configure_optimizers(self):
        hp = self.hparams
        params = (self.model.decoder.parameters() if hp.decoder_only
                  else [p for p in self.model.parameters() if p.requires_grad])
        return adamw_warmup_cosine(params, hp.lr, 0.0, hp.warmup_steps, hp.max_steps)

    def state_dict(self, *a, **k):  # checkpoints hold the VQ-VAE only; the frozen teacher is reloaded from its file
        return {k_: v for k_, v in super().state_dict(*a, **k).items() if not k_.startswith("ocr.")}

    def load_state_dict(self, state_dict, strict: bool = True, **k):  # the teacher's own weights fill its keys
        if self.ocr is not None:
            state_dict = {**state_dict, **{f"ocr.{n}": v for n, v in self.ocr.state_dict().items()}}
        return super().load_state_dict(state_dict, strict=strict, **k)


class _TokenBatches(IterableDataset):
    """Batches of token sequences: rendered images → frozen VQ-VAE codes → reading sequences, drawing sequences, or
    a mix: each sample becomes a drawing sequence with probability ``draw_share`` (0: reading only, 1: drawing
    only; a fixed-seed choice per sample, so a run is repeatable)."""

    def __init__(self, samples: _Samples, model: InverseDalle, batch_size: int, draw_share: float):
        super().__init__()
        if not 0.0 <= draw_share <= 1.0:
            raise ValueError(f"draw_share must be in [0, 1], got {draw_share}")
        self.samples, self.model, self.batch_size, self.draw_share = samples, model, batch_size, draw_share

    def __iter__(self):
        info = get_worker_info()
        wid = info.id if info else 0
        L_ = self.model.gpt_config.max_length
        vocab = self.model.vocab
        pick = random.Random(self.samples.seed + 7919 + wid)
        batch, skipped, seen = [], 0, 0
        for img, text in self.samples.stream(wid):
            seen += 1
            drawing = pick.random() < self.draw_share
            make = vocab.drawing_sequence if drawing else vocab.reading_sequence
            try:
                codes = self.model.codes(img)
                batch.append(with_fine_codes(self.model, make(codes, text, L_), None if drawing else codes))
            except SequenceTooLong as e:  # skipped, not cut; said at the 1st, 10th, 100th, ... time
                skipped += 1
                if math.log10(skipped).is_integer():
                    print(f"inverse-dalle data: {skipped} of {seen} samples skipped so far ({e})", file=sys.stderr,
                          flush=True)
                continue
            if len(batch) == self.batch_size:
                yield torch.tensor(batch)
                batch = []


def with_fine_codes(model: InverseDalle, seq: list[int], codes: np.ndarray | None) -> list:
    """A sequence of tokens as it goes into a batch: unchanged for a 1-codebook model, else (L, Q) rows of the token
    and the further code levels beside it (``codes`` of a reading sequence, whose image comes first; None for a
    drawing sequence, whose images are sampled from first-level codes alone: all -1)."""
    if not model.fine_levels:
        return seq
    if codes is None:
        fine = np.full((len(seq), model.fine_levels), -1, np.int64)
    else:
        fine = model.vocab.fine_codes(codes, len(seq))
    return np.concatenate([np.asarray(seq, np.int64)[:, None], fine], 1).tolist()


VAL_SEED = 12345  # the validation samples' seed: the same lines for every run of the same data settings
VAL_READ = 32  # validation samples also read greedily for val/cer (generation is the slow part)


def validation_samples(samples: _Samples, model: InverseDalle, n: int, batch_size: int
                       ) -> tuple[list[torch.Tensor], list[tuple[np.ndarray, str]]]:
    """``n`` fixed reading samples (seed :data:`VAL_SEED`, the training data's own settings) as token batches of
    ``batch_size`` for the text cross-entropy, and their first :data:`VAL_READ` (image, text) pairs for CER.
    Samples whose sequence does not fit ``max_length`` are skipped, as in training; after ``20 n`` draws the
    samples found so far are returned (none: no validation)."""
    pairs, seqs = [], []
    for k, (img, text) in enumerate(samples.stream(seed=VAL_SEED)):
        if k >= 20 * n:
            print(f"inverse-dalle validation: {len(seqs)} of {n} samples fit --sequence-length", file=sys.stderr,
                  flush=True)
            break
        try:
            codes = model.codes(img)
            seqs.append(with_fine_codes(model, model.vocab.reading_sequence(codes, text, model.gpt_config.max_length),
                                        codes))
        except SequenceTooLong:
            continue
        pairs.append((img, text))
        if len(seqs) == n:
            break
    batches = [torch.tensor(seqs[i:i + batch_size]) for i in range(0, len(seqs), batch_size)]
    return batches, pairs[:VAL_READ]


class InverseDalleLit(L.LightningModule):
    """The GPT-2 of an :class:`InverseDalle` trained by language-model loss (:func:`lm_loss`); the VQ-VAE stays
    frozen. With ``val_read`` (image, text) pairs, each validation also reads them greedily and logs ``val/cer``
    beside ``val/text_ce`` (the text cross-entropy per token of the validation batches)."""

    def __init__(self, model: InverseDalle, lr: float, warmup_steps: int, max_steps: int,
                 val_read: Sequence[tuple[np.ndarray, str]] = ()):
        super().__init__()
        self.model = model
        self.val_read = list(val_read)
        self._val_ce: list[tuple[float, int]] = []
        for p in self.model.vqvae.parameters():
            p.requires_grad_(False)
        self.model.lm.train()  # a model loaded with --init-from comes in eval mode (no dropout); Lightning keeps it
        self.lr, self.warmup, self.max_steps = lr, warmup_steps, max_steps

    @staticmethod
    def _trim(batch: torch.Tensor) -> torch.Tensor:
        """No compute on the positions that are PAD throughout (tokens are channel 0 of an (N, L, Q) batch)."""
        tokens, _ = split_batch(batch)
        return batch[:, :int((tokens != PAD).sum(1).max())]

    def training_step(self, batch, batch_idx):
        batch = self._trim(batch)
        loss, m = lm_loss(self.model, batch, self.model.gpt_config.image_loss_weight)
        self.log("train/loss", loss)
        self.log("train/text_ce", m["text_ce"])
        if "ctc" in m:
            self.log("train/ctc", m["ctc"])
        self.log("lr", self.optimizers().param_groups[0]["lr"])
        return loss

    def validation_step(self, batch, batch_idx):
        batch = self._trim(batch)
        _, m = lm_loss(self.model, batch, self.model.gpt_config.image_loss_weight)
        self._val_ce.append((m["text_ce"], int(batch.shape[0])))

    def on_validation_epoch_end(self):
        if self._val_ce:
            n = sum(k for _, k in self._val_ce)
            self.log("val/text_ce", sum(ce * k for ce, k in self._val_ce) / n)
        self._val_ce = []
        if self.val_read:
            acc = CERAccumulator()
            read = self.model.read([img for img, _ in self.val_read], num_beams=1,
                                   lm_weight=0.0)  # the GPT-2 alone, greedy
            acc.update_many([t for t, _ in read], [t for _, t in self.val_read])
            self.log("val/cer", acc.cer)
            self.log("val/accuracy", acc.correct / max(1, acc.n))
        self.model.lm.train()

    def configure_optimizers(self):
        return adamw_warmup_cosine(self.model.trainable_parameters(), self.lr, 0.01, self.warmup, self.max_steps)


def _loader(ds, workers: int) -> DataLoader:
    for_this_rank(ds, owner=ds.samples)
    return DataLoader(ds, batch_size=None, num_workers=workers, persistent_workers=workers > 0,
                      multiprocessing_context="spawn" if workers else None)


def run_vqvae(args: argparse.Namespace) -> Path:
    torch.set_num_threads(args.threads)
    seed = resolve_seed(args)
    rec = recipe(args, seed)
    samples = _Samples(args, Charset.resolve(args.charset), seed)
    ink = float(getattr(args, "ink_weight", 0.0) or 0.0)
    quantizers = getattr(args, "quantizers", None)
    cfg = VQVAEConfig(downsample=args.downsample, codebook_size=args.codebook_size, ink_weight=ink,
                      quantizers=quantizers or 1)
    init = load_vqvae(args.init_from) if args.init_from else None
    new_levels = False
    if init is not None:  # continue from a vqvae.pt (its architecture wins over --downsample/--codebook-size)
        cfg = VQVAEConfig.from_dict(init.config.to_dict())
        cfg.ink_weight = ink  # a loss setting, not architecture
        if quantizers and quantizers != cfg.quantizers:
            if cfg.quantizers != 1:
                raise KorocrError(f"korocr train --arch vqvae --quantizers {quantizers}: {args.init_from} has "
                                  f"{cfg.quantizers} residual codebooks; only a 1-codebook VQ-VAE grows levels")
            cfg.quantizers, new_levels = quantizers, True
    def decoder_size(c: VQVAEConfig) -> tuple[int, int]:  # (channels, residual blocks) the decoder is built with
        return c.decoder_hidden or c.hidden, c.res_blocks if c.decoder_res_blocks < 0 else c.decoder_res_blocks

    before = decoder_size(cfg)
    for field in ("decoder_hidden", "decoder_res_blocks"):
        if getattr(args, field, None) is not None:
            setattr(cfg, field, getattr(args, field))
    new_decoder = decoder_size(cfg) != before  # --decoder-hidden / --decoder-res-blocks: another size, new weights
    decoder_only = bool(getattr(args, "decoder_only", False))
    if decoder_only and init is None:
        raise KorocrError("korocr train --arch vqvae --decoder-only needs --init-from (the vqvae.pt whose encoder "
                          "and codebook stay frozen)")
    lit = VQVAELit(cfg.to_dict(), args.lr, args.warmup_steps, args.max_steps,
                   ocr_loss_weight=float(getattr(args, "ocr_loss_weight", 0.0) or 0.0),
                   ocr_teacher=getattr(args, "ocr_teacher", None), decoder_only=decoder_only,
                   keep_first_level=bool(getattr(args, "keep_first_level", False)))
    if init is not None:
        state = init.state_dict()
        if new_levels:
            state = grow_quantizer_levels(state, lit.model.state_dict())
        if new_decoder:  # keep the encoder and codebook; the decoder starts fresh
            state = {k: v for k, v in state.items() if not k.startswith("decoder.")}
            state.update({k: v for k, v in lit.model.state_dict().items() if k.startswith("decoder.")})
        lit.model.load_state_dict(state)
    run_dir = new_run_dir(args.runs_dir, args.name or "vqvae")
    write_recipe(run_dir, rec)
    print(f"run directory: {run_dir}", flush=True)
    trainer = make_trainer(args, run_dir, validate=False)
    trainer.fit(lit, train_dataloaders=_loader(_VQBatches(samples, args.batch_size), args.workers),
                ckpt_path=args.resume)
    if not trainer.is_global_zero:  # DDP: rank 0 writes the results
        return run_dir
    sd = {k: v.half() if v.is_floating_point() else v for k, v in lit.model.state_dict().items()}
    torch.save({"config": cfg.to_dict(), "state_dict": sd}, run_dir / "vqvae.pt")
    print(f"vqvae: {run_dir / 'vqvae.pt'}", flush=True)
    return run_dir


def grow_quantizer_levels(single: dict, residual: dict) -> dict:
    """The state dict of a 1-codebook VQ-VAE (``single``) laid onto a residual one (``residual``, a fresh model's
    state dict): encoder and decoder as they were, the codebook as level 0 (so every cell's first code is its old
    code), the further levels from ``residual``."""
    state = {(k.replace("quantizer.", "quantizer.layers.0.", 1) if k.startswith("quantizer.") else k): v
             for k, v in single.items()}
    state.update({k: v for k, v in residual.items()
                  if k.startswith("quantizer.") and not k.startswith("quantizer.layers.0.")})
    return state


def load_vqvae(path: str | Path) -> VQVAE:
    """A ``vqvae.pt`` written by ``korocr train --arch vqvae``.

    Raises:
        korocr.errors.KorocrError: missing or not a VQ-VAE file.
    """
    p = Path(path)
    if not p.is_file():
        raise KorocrError(f"{p}: no such VQ-VAE file (train one with korocr train --arch vqvae)")
    blob = torch.load(p, map_location="cpu")
    if not isinstance(blob, dict) or "config" not in blob:
        raise KorocrError(f"{p}: not a korocr VQ-VAE file")
    vq = VQVAE(VQVAEConfig.from_dict(blob["config"]))
    vq.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in blob["state_dict"].items()})
    return vq.eval()


def run_inverse_dalle(args: argparse.Namespace) -> Path:
    torch.set_num_threads(args.threads)
    seed = resolve_seed(args)
    rec = recipe(args, seed)
    charset = Charset.resolve(args.charset)
    if args.init_from:
        model = InverseDalle.load(args.init_from)
        if getattr(args, "image_loss_weight", None) is not None:  # a given weight replaces the model's own
            model.gpt_config.image_loss_weight = float(args.image_loss_weight)
        if getattr(args, "fine_vqvae", None):
            try:
                model.use_residual_vqvae(load_vqvae(args.fine_vqvae))
            except ValueError as e:
                raise KorocrError(f"korocr train --fine-vqvae {args.fine_vqvae}: {e}") from e
    else:
        if not args.vqvae:
            raise KorocrError("korocr train --arch inverse-dalle needs --vqvae (a vqvae.pt) or --init-from")
        vq = load_vqvae(args.vqvae)
        if getattr(args, "fine_vqvae", None):
            raise KorocrError("korocr train --fine-vqvae goes with --init-from (a new model takes a residual VQ-VAE "
                              "as --vqvae, with --pos2d and --code-stem)")
        gpt = GPTConfig(max_length=args.sequence_length, image_budget=args.image_budget,
                        image_loss_weight=0.25 if args.image_loss_weight is None
                        else args.image_loss_weight,
                        chunk_rows=args.chunk_rows or getattr(args, "code_rows", 0),
                        code_rows=getattr(args, "code_rows", 0),
                        pos2d=bool(getattr(args, "pos2d", False)),
                        margins=tuple(args.margins) if getattr(args, "margins", None) else None,
                        n_layer=getattr(args, "gpt_layers", 4), n_embd=getattr(args, "gpt_width", 256),
                        code_stem=int(getattr(args, "code_stem", 0) or 0))
        try:
            model = InverseDalle(vq, charset.chars, gpt)
        except ValueError as e:
            raise KorocrError(f"korocr train --vqvae {args.vqvae}: {e}") from e
        if getattr(args, "code_embed_init", False):
            model.init_code_embeddings(seed)
    if (getattr(args, "ctc_weight", 0.0) or 0.0) > 0:  # joint CTC training (a continued model keeps its own weight)
        model.add_ctc_head(args.ctc_weight)
    if (getattr(args, "code_stem", 0) or 0) > 0:  # a continued model gets a stem that starts at zero
        try:
            model.add_code_stem(args.code_stem)
        except ValueError as e:
            raise KorocrError(f"korocr train --arch inverse-dalle --code-stem: {e} (train with --pos2d)") from e
    samples = _Samples(args, charset, seed)
    draw_share = 1.0 if args.draw else float(getattr(args, "draw_share", 0.0) or 0.0)
    if not 0.0 <= draw_share <= 1.0:
        raise KorocrError(f"korocr train --arch inverse-dalle --draw-share {draw_share}: must be between 0 and 1")
    val_size = 0 if draw_share >= 1.0 else (128 if args.val_size is None else args.val_size)
    val_batches, val_read = validation_samples(samples, model, val_size, args.batch_size) if val_size else ([], [])
    lit = InverseDalleLit(model, args.lr, args.warmup_steps, args.max_steps, val_read=val_read)
    run_dir = new_run_dir(args.runs_dir, args.name or "inverse-dalle")
    write_recipe(run_dir, rec)
    print(f"run directory: {run_dir}", flush=True)
    print(f"GPT-2: {sum(p.numel() for p in model.lm.parameters()) / 1e6:.2f}M params, vocabulary "
          f"{model.vocab.size}", flush=True)
    trainer = make_trainer(args, run_dir, validate=bool(val_batches), gradient_clip=1.0)
    trainer.fit(lit, train_dataloaders=_loader(_TokenBatches(samples, model, args.batch_size, draw_share),
                                               args.workers),
                val_dataloaders=DataLoader(val_batches, batch_size=None) if val_batches else None,
                ckpt_path=args.resume)
    if not trainer.is_global_zero:
        return run_dir
    print(f"model: {model.save(run_dir / 'model')}", flush=True)
    return run_dir
