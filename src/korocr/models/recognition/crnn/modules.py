"""The four stages of the CRNN family, after clovaai's deep-text-recognition-benchmark (Baek et al., "What Is
Wrong With Scene Text Recognition Model Comparisons?", ICCV 2019):

* Transformation: ``None`` | ``TPS`` (thin-plate-spline spatial transformer, RARE — Shi et al., CVPR 2016);
* FeatureExtraction: ``VGG`` (CRNN — Shi et al., TPAMI 2017) | ``ResNet`` (FAN — Cheng et al., ICCV 2017) |
  ``Light`` (a small VGG-style stack for CPUs, korocr's default);
* SequenceModeling: ``None`` | ``BiLSTM``;
* Prediction: ``CTC`` (Graves et al., ICML 2006) | ``Attn`` (Bahdanau attention decoder).

All feature extractors map an image (N, C_in, 32, W) to a feature map (N, C_out, 1, W/4 (± 1)).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ------------------------------------------------------------------------------------------------------
# Transformation
# ------------------------------------------------------------------------------------------------------


class TPSSpatialTransformer(nn.Module):
    """Rectifies the input with a thin-plate spline predicted from ``num_fiducial`` control points.

    Input and output: (N, C, H, W) with the output size ``(H, W)`` fixed at construction (``rectified_size``),
    because a TPS grid is defined for one output size; the CRNN wraps it so the rest of the network sees
    the rectified image.
    """

    def __init__(self, num_fiducial: int = 20, in_channels: int = 1, rectified_size: tuple[int, int] = (32, 100)):
        super().__init__()
        self.F = num_fiducial
        self.out_h, self.out_w = rectified_size
        self.localization = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(64, 128, 3, 1, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(128, 256, 3, 1, 1, bias=False), nn.BatchNorm2d(256), nn.ReLU(True),
            nn.AdaptiveAvgPool2d(1),
        )
        self.loc_fc1 = nn.Sequential(nn.Linear(256, 256), nn.ReLU(True))
        self.loc_fc2 = nn.Linear(256, self.F * 2)
        # initialise to the identity: control points on the top and bottom edges
        half = self.F // 2
        ctrl_x = np.linspace(-1.0, 1.0, half)
        init = np.concatenate([np.stack([ctrl_x, -np.ones(half)], 1), np.stack([ctrl_x, np.ones(half)], 1)], 0)
        self.loc_fc2.weight.data.fill_(0)
        self.loc_fc2.bias.data = torch.from_numpy(init).float().view(-1)
        C = torch.from_numpy(init).float()  # (F, 2) fiducial points in the rectified image
        self.register_buffer("inv_delta_C", torch.linalg.inv(self._build_delta(C)), persistent=False)
        self.register_buffer("P_hat", self._build_P_hat(C), persistent=False)

    def _build_delta(self, C: torch.Tensor) -> torch.Tensor:
        n = C.shape[0]
        hat_C = torch.cdist(C, C) ** 2
        hat_C = hat_C * torch.log(hat_C + torch.eye(n))  # r^2 log r^2 (0 on the diagonal)
        ones = torch.ones(n, 1)
        top = torch.cat([ones, C, hat_C], 1)
        mid = torch.cat([torch.zeros(2, 3), C.t()], 1)
        bot = torch.cat([torch.zeros(1, 3), torch.ones(1, n)], 1)
        return torch.cat([top, mid, bot], 0)  # (F+3, F+3)

    def _build_P_hat(self, C: torch.Tensor) -> torch.Tensor:
        gx = (torch.arange(-self.out_w, self.out_w, 2).float() + 1.0) / self.out_w
        gy = (torch.arange(-self.out_h, self.out_h, 2).float() + 1.0) / self.out_h
        P = torch.stack(torch.meshgrid(gx, gy, indexing="xy"), 2).reshape(-1, 2)  # (HW, 2)
        rbf = torch.cdist(P, C) ** 2
        rbf = rbf * torch.log(rbf + 1e-6)
        return torch.cat([torch.ones(P.shape[0], 1), P, rbf], 1)  # (HW, F+3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        C_prime = self.loc_fc2(self.loc_fc1(self.localization(x).flatten(1))).view(n, self.F, 2)
        C_prime = torch.cat([C_prime, torch.zeros(n, 3, 2, device=x.device, dtype=x.dtype)], 1)
        T = self.inv_delta_C.unsqueeze(0) @ C_prime  # (N, F+3, 2)
        P_prime = self.P_hat.unsqueeze(0) @ T  # (N, HW, 2)
        grid = P_prime.view(n, self.out_h, self.out_w, 2)
        return F.grid_sample(x, grid, padding_mode="border", align_corners=True)


# ------------------------------------------------------------------------------------------------------
# Feature extraction
# ------------------------------------------------------------------------------------------------------


def _cbr(cin: int, cout: int, k=3, s=1, p=1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, k, s, p, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]


class VGGFeatureExtractor(nn.Module):
    """CRNN's VGG stack as in deep-text-recognition-benchmark: (N, C, 32, W) → (N, out, 1, W/4 - 1)."""

    def __init__(self, in_channels: int = 1, out_channels: int = 512):
        super().__init__()
        oc = [out_channels // 8, out_channels // 4, out_channels // 2, out_channels]
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, oc[0], 3, 1, 1), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(oc[0], oc[1], 3, 1, 1), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(oc[1], oc[2], 3, 1, 1), nn.ReLU(True),
            nn.Conv2d(oc[2], oc[2], 3, 1, 1), nn.ReLU(True), nn.MaxPool2d((2, 1), (2, 1)),
            *_cbr(oc[2], oc[3]), *_cbr(oc[3], oc[3]), nn.MaxPool2d((2, 1), (2, 1)),
            nn.Conv2d(oc[3], oc[3], 2, 1, 0), nn.ReLU(True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class _BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + res)


class ResNetFeatureExtractor(nn.Module):
    """FAN's ResNet ([1, 2, 5, 3] basic blocks) as in deep-text-recognition-benchmark.

    (N, C, 32, W) → (N, out, 1, W/4 + 1).
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 512, layers: tuple[int, ...] = (1, 2, 5, 3)):
        super().__init__()
        oc = [out_channels // 4, out_channels // 2, out_channels, out_channels]
        self.inplanes = out_channels // 8
        self.stem = nn.Sequential(*_cbr(in_channels, out_channels // 16), *_cbr(out_channels // 16, self.inplanes))
        self.layer1 = nn.Sequential(nn.MaxPool2d(2, 2), self._make(oc[0], layers[0]), *_cbr(oc[0], oc[0]))
        self.layer2 = nn.Sequential(nn.MaxPool2d(2, 2), self._make(oc[1], layers[1]), *_cbr(oc[1], oc[1]))
        self.layer3 = nn.Sequential(nn.MaxPool2d(2, (2, 1), (0, 1)), self._make(oc[2], layers[2]),
                                    *_cbr(oc[2], oc[2]))
        self.layer4 = nn.Sequential(self._make(oc[3], layers[3]), *_cbr(oc[3], oc[3], 2, (2, 1), (0, 1)),
                                    *_cbr(oc[3], oc[3], 2, 1, 0))

    def _make(self, planes: int, blocks: int) -> nn.Sequential:
        down = None
        if self.inplanes != planes:
            down = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, bias=False), nn.BatchNorm2d(planes))
        mods = [_BasicBlock(self.inplanes, planes, down)]
        self.inplanes = planes
        mods += [_BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*mods)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer4(self.layer3(self.layer2(self.layer1(self.stem(x)))))


class LightFeatureExtractor(nn.Module):
    """A small VGG-style stack with batch norm for CPU training and inference (korocr's default).

    (N, C, 32, W) → (N, out, 1, W/4): two 2×2 poolings, two (2, 1) poolings and a final 2×1 convolution;
    horizontal stride 4 leaves ≥ 2 time steps for a narrow Latin glyph at 32 px height.
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 256):
        super().__init__()
        c = [out_channels // 8, out_channels // 4, out_channels // 2, out_channels]
        self.net = nn.Sequential(
            *_cbr(in_channels, c[0]), nn.MaxPool2d(2, 2),
            *_cbr(c[0], c[1]), nn.MaxPool2d(2, 2),
            *_cbr(c[1], c[2]), *_cbr(c[2], c[2]), nn.MaxPool2d((2, 1), (2, 1)),
            *_cbr(c[2], c[3]), *_cbr(c[3], c[3]), nn.MaxPool2d((2, 1), (2, 1)),
            *_cbr(c[3], c[3], (2, 1), 1, 0),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


# ------------------------------------------------------------------------------------------------------
# Sequence modeling
# ------------------------------------------------------------------------------------------------------


class BidirectionalLSTM(nn.Module):
    """BiLSTM + linear projection: (N, T, in) → (N, T, out)."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.rnn = nn.LSTM(input_size, hidden_size, bidirectional=True, batch_first=True)
        self.linear = nn.Linear(hidden_size * 2, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.rnn.flatten_parameters() if x.is_cuda else None
        out, _ = self.rnn(x)
        return self.linear(out)


# ------------------------------------------------------------------------------------------------------
# Prediction
# ------------------------------------------------------------------------------------------------------


class AttentionCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_embeddings: int):
        super().__init__()
        self.i2h = nn.Linear(input_size, hidden_size, bias=False)
        self.h2h = nn.Linear(hidden_size, hidden_size)
        self.score = nn.Linear(hidden_size, 1, bias=False)
        self.rnn = nn.LSTMCell(input_size + num_embeddings, hidden_size)

    def forward(self, prev_hidden, batch_H, char_onehots):
        proj_H = self.i2h(batch_H)  # (N, T, hidden)
        e = self.score(torch.tanh(proj_H + self.h2h(prev_hidden[0]).unsqueeze(1)))  # (N, T, 1)
        alpha = F.softmax(e, dim=1)
        context = torch.bmm(alpha.permute(0, 2, 1), batch_H).squeeze(1)  # (N, in)
        return self.rnn(torch.cat([context, char_onehots], 1), prev_hidden), alpha


class AttentionDecoder(nn.Module):
    """Bahdanau attention decoder (deep-text-recognition-benchmark's ``Attention``).

    Classes: 0 = [GO], 1 = [s] (end of sequence), 2.. = characters.  ``forward(batch_H (N, T, in), text
    (N, L+1))`` returns logits (N, L+1, num_classes); with ``is_train=False`` it decodes greedily for
    ``batch_max_length + 1`` steps.
    """

    def __init__(self, input_size: int, hidden_size: int, num_classes: int):
        super().__init__()
        self.cell = AttentionCell(input_size, hidden_size, num_classes)
        self.hidden_size = hidden_size
        self.num_classes = num_classes
        self.generator = nn.Linear(hidden_size, num_classes)

    def forward(self, batch_H: torch.Tensor, text: torch.Tensor | None, is_train: bool = True,
                batch_max_length: int = 25) -> torch.Tensor:
        n = batch_H.shape[0]
        steps = batch_max_length + 1
        h = (batch_H.new_zeros(n, self.hidden_size), batch_H.new_zeros(n, self.hidden_size))
        if is_train:
            assert text is not None
            outs = []
            for i in range(steps):
                onehot = F.one_hot(text[:, i], self.num_classes).to(batch_H.dtype)
                h, _ = self.cell(h, batch_H, onehot)
                outs.append(h[0])
            return self.generator(torch.stack(outs, 1))
        targets = torch.zeros(n, dtype=torch.long, device=batch_H.device)
        probs = []
        for _ in range(steps):
            onehot = F.one_hot(targets, self.num_classes).to(batch_H.dtype)
            h, _ = self.cell(h, batch_H, onehot)
            logit = self.generator(h[0])
            probs.append(logit)
            targets = logit.argmax(1)
        return torch.stack(probs, 1)
