"""Lightning module that trains a CRNN-family recogniser (the model itself stays a plain ``nn.Module``)."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F

from ..models.recognition import build_recognizer
from ..recognition.decoding import ctc_greedy_decode
from ..text.charsets import Charset
from .common import CERValidation, adamw_warmup_cosine

GO, EOS = 0, 1  # attention decoder special classes; characters start at 2


class RecognizerLitModule(CERValidation, L.LightningModule):
    """Trains a recogniser (CRNN family or PP-OCR backbone, see ``build_recognizer``) with CTC loss (or cross-entropy for the attention decoder).

    Args:
        config: architecture (``num_classes`` must match the charset).
        charset: characters, stored in the checkpoint so a model always travels with its charset.
        lr: peak AdamW learning rate; warmup_steps: linear warm-up; max_steps: cosine decay horizon
            (to ``lr * min_lr_ratio``).
    """

    def __init__(self, config: dict, charset: list[str], lr: float = 1e-3, weight_decay: float = 1e-4,
                 warmup_steps: int = 300, max_steps: int = 10000, min_lr_ratio: float = 0.05):
        super().__init__()
        self.save_hyperparameters()
        self.charset = Charset(list(charset))
        self.model = build_recognizer(config)
        self.ctc = getattr(self.model.config, "prediction", "CTC") == "CTC"

    # --- targets ---------------------------------------------------------------------------------
    def _ctc_targets(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        enc = [self.charset.encode(t) for t in texts]
        return (torch.tensor([i for e in enc for i in e], dtype=torch.long),
                torch.tensor([len(e) for e in enc], dtype=torch.long))

    def _attn_targets(self, texts: list[str]) -> torch.Tensor:
        L_ = self.model.config.max_length + 1
        out = torch.full((len(texts), L_ + 1), EOS, dtype=torch.long)
        out[:, 0] = GO
        for i, t in enumerate(texts):
            ids = [k + 1 for k in self.charset.encode(t)][: L_ - 1]
            out[i, 1:1 + len(ids)] = torch.tensor(ids, dtype=torch.long)
        return out

    # --- steps -----------------------------------------------------------------------------------
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(images, is_train=False)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        images, texts = batch.images, batch.texts
        if self.ctc:
            logits = self.model(images)
            log_probs = logits.log_softmax(2).permute(1, 0, 2)  # (T, N, C)
            targets, target_lengths = self._ctc_targets(texts)
            input_lengths = torch.full((images.shape[0],), log_probs.shape[0], dtype=torch.long)
            loss = F.ctc_loss(log_probs, targets, input_lengths, target_lengths, zero_infinity=True)
        else:
            tgt = self._attn_targets(texts)
            logits = self.model(images, tgt[:, :-1], is_train=True)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt[:, 1:].reshape(-1))
        self.log("train/loss", loss, prog_bar=True, batch_size=images.shape[0])
        self.log("lr", self.optimizers().param_groups[0]["lr"], prog_bar=True)
        return loss

    def decode(self, images: torch.Tensor) -> list[str]:
        logits = self.model(images, is_train=False)
        if self.ctc:
            probs = logits.softmax(-1).float().cpu().numpy()
            return [d.text for d in ctc_greedy_decode(probs, self.charset.chars)]
        ids = logits.argmax(-1).cpu().tolist()
        out = []
        for row in ids:
            chars = []
            for k in row:
                if k == EOS:
                    break
                if k >= 2:
                    chars.append(self.charset.chars[k - 2])
            out.append("".join(chars))
        return out

    def configure_optimizers(self):
        hp = self.hparams
        return adamw_warmup_cosine(self.model.parameters(), hp.lr, hp.weight_decay, hp.warmup_steps, hp.max_steps,
                                   hp.min_lr_ratio)
