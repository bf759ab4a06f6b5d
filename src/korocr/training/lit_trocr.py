"""Lightning module that trains a VisionEncoderDecoder (TrOCR) on the same line batches as the CRNN family.

Batches are (N, 1, 32, W) grayscale lines in [-1, 1]; they are resized to the encoder's fixed input
(``image_height`` × ``image_width``; ViT takes one size) and repeated to 3 channels, which equals what the
saved ``TrOCRProcessor`` (resize, scale, normalise with mean = std = 0.5) does to an image at inference.
Training uses teacher forcing (labels shifted right by the model), optional label smoothing, and bf16
autocast where the hardware supports it; validation decodes greedily and reports CER.

Optionally (``ctc_weight`` > 0) a linear CTC head on the encoder's patch tokens adds an auxiliary CTC loss,
``loss = (1 - w) * cross_entropy + w * ctc`` — joint CTC-attention training (Kim, Hori & Watanabe, "Joint
CTC-attention based end-to-end speech recognition using multi-task learning", ICASSP 2017).  It asks the
encoder for per-position character evidence from the first steps, against a from-scratch decoder settling on its
language-model prior (one constant output, validation CER 0.99, in our first CPU run).  Within 160 k lines it
did not get our from-scratch models past that prior either (docs/trocr.md).  The head is a training aid only: it lives in this module, not in the saved
VisionEncoderDecoder, so the exported model and ``korocr read`` are unchanged.

With the warm-started hybrid encoder (:mod:`korocr.models.recognition.trocr.cnn_encoder`) the batches are the
PP-OCR recogniser's own (N, 3, 48, W) BGR lines at their natural width, passed unchanged, and the CTC branch is
the encoder's own pretrained head over conjoining jamo (targets spelled with its charset), not a new linear head.
``freeze_encoder_steps`` keeps that pretrained part (backbone and CTC head, the backbone's batch-norm statistics
included) frozen for the first steps while the new Transformer layers, cross-attention and decoder adapt.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F

from ..text.charsets import nfc
from .common import CERValidation, adamw_warmup_cosine


def _units(text: str, charset) -> list[str]:
    """``text`` as the charset's units (conjoining jamo for a decomposing charset)."""
    from ..text.charsets import decompose_hangul

    return list(decompose_hangul(text) if charset.decomposes else nfc(text))


class TrOCRLitModule(CERValidation, L.LightningModule):
    def __init__(self, model, tokenizer, image_size: tuple[int, int], lr: float = 5e-4, weight_decay: float = 1e-4,
                 warmup_steps: int = 300, max_steps: int = 10000, label_smoothing: float = 0.0,
                 max_length: int = 64, ctc_weight: float = 0.0, freeze_encoder_steps: int = 0):
        super().__init__()
        self.save_hyperparameters(ignore=["model", "tokenizer"])
        self.model = model
        self.tokenizer = tokenizer
        if not 0.0 <= ctc_weight <= 1.0:
            raise ValueError(f"ctc_weight must be in [0, 1], got {ctc_weight}")
        from ..models.recognition.trocr.cnn_encoder import MODEL_TYPE
        from ..text.charsets import Charset

        self.cnn = model.config.encoder.model_type == MODEL_TYPE
        self.ctc_charset = Charset(list(model.config.encoder.ctc_charset)) if self.cnn else None
        # CTC classes = the tokenizer's ids; the blank is the pad id (padding never occurs inside a target).
        self.ctc_head = (torch.nn.Linear(model.config.encoder.hidden_size, len(tokenizer))
                         if ctc_weight > 0 and not self.cnn else None)
        self._frozen: bool | None = None

    def pixel_values(self, images: torch.Tensor) -> torch.Tensor:
        if self.cnn:  # the line batch is already the encoder's input (N, 3, 48, W)
            return images
        h, w = self.hparams.image_size
        x = F.interpolate(images, size=(h, w), mode="bilinear", align_corners=False)
        return x.expand(-1, 3, -1, -1).contiguous()

    def labels(self, texts: list[str]) -> torch.Tensor:
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.hparams.max_length,
                             return_tensors="pt")
        ids = enc["input_ids"]
        return ids.masked_fill(ids == self.tokenizer.pad_token_id, -100)

    def columns(self, hidden: torch.Tensor) -> torch.Tensor:
        """Encoder states (N, T, D) -> one state per image column (N, W', D), left to right: drop a CLS token,
        lay the patch tokens out on their (H', W') grid (row-major, as ViT and Swin emit them) and average over
        H'."""
        h, w = self.hparams.image_size
        ecfg = self.model.config.encoder
        if ecfg.model_type in ("swin", "donut-swin"):
            stride = ecfg.patch_size * 2 ** (len(ecfg.depths) - 1)
            grid = (-(-h // stride), -(-w // stride))
        else:
            ph, pw = ecfg.patch_size if isinstance(ecfg.patch_size, (list, tuple)) else (ecfg.patch_size,) * 2
            grid = (h // ph, w // pw)
        n = grid[0] * grid[1]
        if hidden.shape[1] < n:
            raise ValueError(f"encoder gave {hidden.shape[1]} tokens, expected a {grid[0]}x{grid[1]} grid")
        hidden = hidden[:, hidden.shape[1] - n:]  # ViT puts CLS first
        return hidden.reshape(hidden.shape[0], grid[0], grid[1], -1).mean(1)

    def ctc_loss(self, hidden: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """CTC loss of the head on encoder states ``hidden`` (N, T, D); ``labels`` (N, L) as from :meth:`labels`.

        Tokens that are not characters (CLS, if the encoder has one) are dropped from T; the end-of-sequence
        token is dropped from the targets.  Targets longer than T give an infinite loss, zeroed
        (``zero_infinity``)."""
        log_probs = self.ctc_head(self.columns(hidden)).log_softmax(-1).transpose(0, 1)  # (T, N, C)
        pad, eos = self.tokenizer.pad_token_id, self.model.config.eos_token_id
        keep = (labels != -100) & (labels != eos)
        targets = labels[keep]
        lengths = keep.sum(1)
        t = torch.full((labels.shape[0],), log_probs.shape[0], dtype=torch.long)
        return F.ctc_loss(log_probs, targets, t, lengths, blank=pad, zero_infinity=True)

    def encoder_ctc_loss(self, ctc_logits: torch.Tensor, texts: list[str]) -> torch.Tensor:
        """CTC loss of the warm encoder's own head (N, T, C) against ``texts`` spelled in its charset (characters
        it lacks are dropped from the target)."""
        cs = self.ctc_charset
        enc = [[cs.encode(ch)[0] for ch in _units(t, cs) if ch in cs] for t in texts]
        log_probs = ctc_logits.log_softmax(-1).transpose(0, 1)
        targets = torch.tensor([i for e in enc for i in e], dtype=torch.long)
        lengths = torch.tensor([len(e) for e in enc], dtype=torch.long)
        t = torch.full((len(texts),), log_probs.shape[0], dtype=torch.long)
        return F.ctc_loss(log_probs, targets, t, lengths, blank=0, zero_infinity=True)

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        if not self.cnn:
            return
        frozen = self.global_step < self.hparams.freeze_encoder_steps
        enc = self.model.encoder
        if frozen != self._frozen:
            for mod in (enc.backbone, enc.ctc_head):
                if mod is not None:
                    for p in mod.parameters():
                        p.requires_grad_(not frozen)
            self._frozen = frozen
        if frozen:  # frozen means frozen: batch-norm running statistics too (Lightning sets train mode each epoch)
            enc.backbone.eval()
        elif not enc.backbone.training and self.model.training:
            enc.backbone.train()

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        labels = self.labels(batch.texts)
        pixels = self.pixel_values(batch.images)
        w = self.hparams.ctc_weight if (self.cnn or self.ctc_head is not None) else 0.0
        if w > 0:  # the encoder's output is needed twice: for the decoder and for the CTC branch
            enc = self.model.encoder(pixel_values=pixels)
            out = self.model(encoder_outputs=enc, labels=labels)
        else:
            out = self.model(pixel_values=pixels, labels=labels)
        loss = out.loss
        if self.hparams.label_smoothing > 0:
            loss = F.cross_entropy(out.logits.reshape(-1, out.logits.shape[-1]), labels.reshape(-1),
                                   ignore_index=-100, label_smoothing=self.hparams.label_smoothing)
        if w > 0:
            ctc = (self.encoder_ctc_loss(enc.ctc_logits, batch.texts) if self.cnn
                   else self.ctc_loss(enc.last_hidden_state, labels))
            self.log("train/ctc", ctc, batch_size=len(batch.texts))
            loss = (1 - w) * loss + w * ctc
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch.texts))
        self.log("lr", self.optimizers().param_groups[0]["lr"], prog_bar=True)
        return loss

    @torch.no_grad()
    def decode(self, images: torch.Tensor) -> list[str]:
        ids = self.model.generate(self.pixel_values(images), max_length=self.hparams.max_length, num_beams=1)
        return [nfc(t) for t in self.tokenizer.batch_decode(ids, skip_special_tokens=True)]

    def configure_optimizers(self):
        hp = self.hparams
        return adamw_warmup_cosine(self.parameters(), hp.lr, hp.weight_decay, hp.warmup_steps, hp.max_steps)
