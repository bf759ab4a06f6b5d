"""Lightning module that trains the DBNet-style :class:`~korocr.models.detection.dbnet.TextDetector`.

Loss (DBNet, Liao et al. AAAI 2020): L = L_prob + α L_binary + β L_thresh with α = 1, β = 10; L_prob is binary
cross-entropy with online hard-negative mining (negatives ≤ 3 × positives), L_binary a dice loss on the
approximate binary map, L_thresh an L1 loss inside the dilated text regions.  Validation reports detection
precision / recall / H-mean at IoU 0.5 (:mod:`korocr.evaluation.detection`).
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F

from ..detection.postprocess import boxes_from_prob
from ..evaluation.detection import DetectionCounts, match_boxes
from ..models.detection.dbnet import DetectorConfig, TextDetector
from .common import adamw_warmup_cosine


def balanced_bce(pred: torch.Tensor, gt: torch.Tensor, neg_ratio: float = 3.0) -> torch.Tensor:
    loss = F.binary_cross_entropy(pred.clamp(1e-6, 1 - 1e-6), gt, reduction="none")
    pos = gt > 0.5
    n_pos = int(pos.sum())
    n_neg = min(int((~pos).sum()), int(max(n_pos, 1) * neg_ratio))
    neg_loss = loss[~pos]
    if n_neg < neg_loss.numel():
        neg_loss = neg_loss.topk(n_neg).values
    return (loss[pos].sum() + neg_loss.sum()) / max(1, n_pos + n_neg)


def dice_loss(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    inter = (pred * gt).sum()
    return 1 - 2 * inter / (pred.sum() + gt.sum() + 1e-6)


class DetectorLitModule(L.LightningModule):
    def __init__(self, config: dict | None = None, lr: float = 1e-3, weight_decay: float = 1e-4,
                 max_steps: int = 10000, warmup_steps: int = 200):
        super().__init__()
        self.save_hyperparameters()
        self.model = TextDetector(DetectorConfig.from_dict(config or {}))
        self._val = DetectionCounts()

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        out = self.model(batch.images)
        l_prob = balanced_bce(out["prob"], batch.prob)
        l_bin = dice_loss(out["binary"], batch.prob)
        m = batch.thresh_mask
        l_th = (torch.abs(out["thresh"] - batch.thresh) * m).sum() / m.sum().clamp(min=1)
        loss = l_prob + l_bin + 10 * l_th
        self.log("train/loss", loss, prog_bar=True, batch_size=batch.images.shape[0])
        if self._trainer is not None:  # (tests call the step without a Trainer)
            self.log("lr", self.optimizers().param_groups[0]["lr"], prog_bar=True)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        prob = self.model(batch.images)["prob"][:, 0].float().cpu().numpy()
        for p, quads in zip(prob, batch.quads):
            det = [r.box for r in boxes_from_prob(p)]
            gt = [(float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max()))
                  for q in quads]
            c = match_boxes(det, gt)
            self._val.tp += c.tp
            self._val.det += c.det
            self._val.gt += c.gt

    def on_validation_epoch_end(self) -> None:
        d = self._val.as_dict()
        for k in ("precision", "recall", "hmean"):
            self.log(f"val/{k}", d[k], prog_bar=k == "hmean")
        self._val = DetectionCounts()

    def configure_optimizers(self):
        hp = self.hparams
        return adamw_warmup_cosine(self.model.parameters(), hp.lr, hp.weight_decay, hp.warmup_steps, hp.max_steps)
