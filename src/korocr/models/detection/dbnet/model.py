"""A small DBNet-style text detector for CPUs.

Differentiable Binarization (Liao et al., "Real-time Scene Text Detection with Differentiable Binarization",
AAAI 2020): a fully convolutional network predicts a probability map P of shrunk text regions and a threshold
map T; during training the approximate binary map B = sigmoid(k (P − T)) is supervised too, so the
binarisation threshold is learned where it matters (near text borders).  At inference only P is thresholded;
boxes are expanded back ("unclipped") by D = A · r / L (A area, L perimeter, r = 1.5), see
:mod:`korocr.detection.postprocess`.

The backbone is a plain 5-stage conv encoder (stride 32) with an FPN-style top-down decoder to stride 4, like
ocrs's U-Net detector in spirit; heads upsample to stride 1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class DetectorConfig:
    """Architecture of :class:`TextDetector`.

    Attributes:
        channels: encoder channels per stage (5 stages, each halving the resolution).
        inner: channels of the top-down (FPN) features.
        k: steepness of the differentiable binarisation (50 in the paper).
    """

    channels: tuple[int, ...] = (16, 32, 64, 96, 128)
    inner: int = 48
    k: float = 50.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "DetectorConfig":
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        if "channels" in d:
            d["channels"] = tuple(d["channels"])
        return cls(**d)


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


def _head(cin: int) -> nn.Sequential:
    """Stride 4 → 1: conv, two ×2 transposed convolutions (as in DBNet), logits."""
    mid = max(8, cin // 2)
    return nn.Sequential(
        nn.Conv2d(cin, mid, 3, 1, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
        nn.ConvTranspose2d(mid, mid, 2, 2), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
        nn.ConvTranspose2d(mid, 1, 2, 2),
    )


class TextDetector(nn.Module):
    """``forward(images (N, 3, H, W) in [-1, 1], H and W multiples of 32)`` returns a dict with ``prob``
    (N, 1, H, W) — the text probability map — and, in training mode, ``thresh`` and ``binary`` maps of the same
    shape."""

    def __init__(self, config: DetectorConfig | None = None):
        super().__init__()
        self.config = c = config or DetectorConfig()
        ch = c.channels
        self.stages = nn.ModuleList([_block(3 if i == 0 else ch[i - 1], ch[i], 2) for i in range(len(ch))])
        self.lateral = nn.ModuleList([nn.Conv2d(ch[i], c.inner, 1) for i in range(1, len(ch))])
        self.smooth = nn.ModuleList([nn.Conv2d(c.inner, c.inner // 4, 3, 1, 1) for _ in range(1, len(ch))])
        fused = (c.inner // 4) * (len(ch) - 1)
        self.prob_head = _head(fused)
        self.thresh_head = _head(fused)

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        feats = []
        x = images
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        feats = feats[1:]  # strides 4, 8, 16, 32
        lat = [l(f) for l, f in zip(self.lateral, feats)]
        for i in range(len(lat) - 2, -1, -1):  # top-down
            lat[i] = lat[i] + F.interpolate(lat[i + 1], size=lat[i].shape[-2:], mode="nearest")
        size = lat[0].shape[-2:]
        fused = torch.cat([F.interpolate(s(l), size=size, mode="nearest") if i else s(l)
                           for i, (s, l) in enumerate(zip(self.smooth, lat))], 1)
        prob = torch.sigmoid(self.prob_head(fused))
        out = {"prob": prob}
        if self.training:
            thresh = torch.sigmoid(self.thresh_head(fused))
            out["thresh"] = thresh
            out["binary"] = torch.sigmoid(self.config.k * (prob - thresh))
        return out
