"""Pieces shared by the Lightning modules: the learning-rate schedule and CER validation."""

from __future__ import annotations

import math

import torch

from ..evaluation.metrics import CERAccumulator


def adamw_warmup_cosine(params, lr: float, weight_decay: float, warmup_steps: int, max_steps: int,
                        min_lr_ratio: float = 0.05) -> dict:
    """AdamW with a linear warm-up then cosine decay to ``lr * min_lr_ratio`` at ``max_steps`` (per step), in the
    form ``LightningModule.configure_optimizers`` returns."""
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)

    def schedule(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        t = min(1.0, (step - warmup_steps) / max(1, max_steps - warmup_steps))
        return min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * t))

    return {"optimizer": opt,
            "lr_scheduler": {"scheduler": torch.optim.lr_scheduler.LambdaLR(opt, schedule), "interval": "step"}}


class CERValidation:
    """Mixin for recogniser Lightning modules: ``validation_step`` decodes with ``self.decode`` and the epoch end
    logs ``val/cer``, ``val/cer_nospace`` and ``val/accuracy``."""

    def validation_step(self, batch, batch_idx: int) -> None:
        if not hasattr(self, "_val"):
            self._val = CERAccumulator()
        self._val.update_many(self.decode(batch.images), batch.texts)

    def on_validation_epoch_end(self) -> None:
        m = getattr(self, "_val", CERAccumulator()).as_dict()
        self.log("val/cer", m["cer"], prog_bar=True)
        self.log("val/cer_nospace", m["cer_nospace"])
        self.log("val/accuracy", m["accuracy"])
        self._val = CERAccumulator()
