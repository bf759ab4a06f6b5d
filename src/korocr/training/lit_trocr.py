"""Lightning module that trains a VisionEncoderDecoder (TrOCR) on the same line batches as the CRNN family.

Batches are (N, 1, 32, W) grayscale lines in [-1, 1]; they are resized to the encoder's fixed input
(``image_height`` × ``image_width``; ViT takes one size) and repeated to 3 channels, which equals what the
saved ``TrOCRProcessor`` (resize, scale, normalise with mean = std = 0.5) does to an image at inference.
Training uses teacher forcing (labels shifted right by the model), optional label smoothing, and bf16
autocast where the hardware supports it; validation decodes greedily and reports CER.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F

from .common import CERValidation, adamw_warmup_cosine


class TrOCRLitModule(CERValidation, L.LightningModule):
    def __init__(self, model, tokenizer, image_size: tuple[int, int], lr: float = 5e-4, weight_decay: float = 1e-4,
                 warmup_steps: int = 300, max_steps: int = 10000, label_smoothing: float = 0.0,
                 max_length: int = 64):
        super().__init__()
        self.save_hyperparameters(ignore=["model", "tokenizer"])
        self.model = model
        self.tokenizer = tokenizer

    def pixel_values(self, images: torch.Tensor) -> torch.Tensor:
        h, w = self.hparams.image_size
        x = F.interpolate(images, size=(h, w), mode="bilinear", align_corners=False)
        return x.expand(-1, 3, -1, -1).contiguous()

    def labels(self, texts: list[str]) -> torch.Tensor:
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.hparams.max_length,
                             return_tensors="pt")
        ids = enc["input_ids"]
        return ids.masked_fill(ids == self.tokenizer.pad_token_id, -100)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        labels = self.labels(batch.texts)
        out = self.model(pixel_values=self.pixel_values(batch.images), labels=labels)
        loss = out.loss
        if self.hparams.label_smoothing > 0:
            loss = F.cross_entropy(out.logits.reshape(-1, out.logits.shape[-1]), labels.reshape(-1),
                                   ignore_index=-100, label_smoothing=self.hparams.label_smoothing)
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch.texts))
        self.log("lr", self.optimizers().param_groups[0]["lr"], prog_bar=True)
        return loss

    @torch.no_grad()
    def decode(self, images: torch.Tensor) -> list[str]:
        ids = self.model.generate(self.pixel_values(images), max_length=self.hparams.max_length, num_beams=1)
        return self.tokenizer.batch_decode(ids, skip_special_tokens=True)

    def configure_optimizers(self):
        hp = self.hparams
        return adamw_warmup_cosine(self.model.parameters(), hp.lr, hp.weight_decay, hp.warmup_steps, hp.max_steps)
