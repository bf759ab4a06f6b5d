"""A convolutional VQ-VAE (van den Oord et al., "Neural Discrete Representation Learning", NeurIPS 2017) for
text-line images: grayscale (N, 1, H, W) in [-1, 1] → a (H / f) × (W / f) grid of codebook indices and back.

Quantisation is ``vector-quantize-pytorch``'s ``VectorQuantize`` (EMA codebook, k-means initialisation, dead-code
replacement), not hand-written; with ``quantizers`` > 1 its ``ResidualVQ`` (residual quantisation, as in SoundStream,
Zeghidour et al. 2021: each level codes what the levels before it left), so each grid cell gets ``quantizers``
codes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class VQVAEConfig:
    """``downsample`` f (a power of 2: px per code side), ``codebook_size`` codes of ``code_dim`` dimensions,
    ``hidden`` channels, ``res_blocks`` per stage, ``commitment`` loss weight; ``ink_weight``: reconstruction
    errors on ink pixels (those more than 0.3 away from the image's median, in [-1, 1] units) count
    ``1 + ink_weight`` times (0: plain L1). Text is a few percent of a line's pixels; plain L1 is content with a
    blurred background-coloured guess where strokes should be, which is what OCR needs most.
    ``decoder_hidden`` / ``decoder_res_blocks`` size the decoder apart from the encoder (0 / -1: as the encoder);
    the codes do not depend on the decoder, so a new decoder can be trained on a frozen encoder and codebook
    (:meth:`VQVAE.decoder_loss`) without changing what a GPT-2 trained on the codes reads. ``quantizers`` > 1:
    residual quantisation with that many codebooks of ``codebook_size`` (codes get a last axis of that size; the
    Inverse DALL-E GPT-2 takes single-codebook VQ-VAEs only)."""

    downsample: int = 8
    codebook_size: int = 512
    code_dim: int = 64
    hidden: int = 96
    res_blocks: int = 1
    commitment: float = 0.25
    dead_code_threshold: float = 2.0
    ink_weight: float = 0.0
    decoder_hidden: int = 0
    decoder_res_blocks: int = -1
    quantizers: int = 1

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "VQVAEConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class _Res(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, c, 3, 1, 1), nn.GroupNorm(8, c),
                                  nn.SiLU(), nn.Conv2d(c, c, 3, 1, 1))

    def forward(self, x):
        return x + self.body(x)


class VQVAE(nn.Module):
    """Encoder (strided convolutions) → ``VectorQuantize`` → decoder (transposed convolutions).

    Shapes: images (N, 1, H, W) with H and W multiples of ``downsample``; codes (N, H / f, W / f) int64, or
    (N, H / f, W / f, Q) with ``quantizers`` Q > 1.
    """

    def __init__(self, config: VQVAEConfig):
        super().__init__()
        from vector_quantize_pytorch import ResidualVQ, VectorQuantize

        self.config = c = config
        steps = int(round(math.log2(c.downsample)))
        if 2 ** steps != c.downsample:
            raise ValueError(f"downsample must be a power of 2, got {c.downsample}")
        enc: list[nn.Module] = [nn.Conv2d(1, c.hidden, 3, 1, 1)]
        for _ in range(steps):
            enc += [nn.Conv2d(c.hidden, c.hidden, 4, 2, 1), *[_Res(c.hidden) for _ in range(c.res_blocks)]]
        enc += [nn.GroupNorm(8, c.hidden), nn.SiLU(), nn.Conv2d(c.hidden, c.code_dim, 1)]
        self.encoder = nn.Sequential(*enc)
        if c.quantizers < 1:
            raise ValueError(f"quantizers must be at least 1, got {c.quantizers}")
        if c.quantizers == 1:
            self.quantizer = VectorQuantize(dim=c.code_dim, codebook_size=c.codebook_size, decay=0.9,
                                            commitment_weight=c.commitment, kmeans_init=True,
                                            threshold_ema_dead_code=c.dead_code_threshold, accept_image_fmap=True)
        else:  # ResidualVQ takes (N, h·w, d) sequences: _quantize lays the feature map out and back
            self.quantizer = ResidualVQ(dim=c.code_dim, num_quantizers=c.quantizers, codebook_size=c.codebook_size,
                                        decay=0.9, commitment_weight=c.commitment, kmeans_init=True,
                                        threshold_ema_dead_code=c.dead_code_threshold)
        dh = c.decoder_hidden or c.hidden
        dr = c.res_blocks if c.decoder_res_blocks < 0 else c.decoder_res_blocks
        dec: list[nn.Module] = [nn.Conv2d(c.code_dim, dh, 3, 1, 1)]
        for _ in range(steps):
            dec += [*[_Res(dh) for _ in range(dr)], nn.ConvTranspose2d(dh, dh, 4, 2, 1)]
        dec += [nn.GroupNorm(8, dh), nn.SiLU(), nn.Conv2d(dh, 1, 3, 1, 1)]
        self.decoder = nn.Sequential(*dec)

    def _quantize(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encoder features (N, d, h, w) → (quantised (N, d, h, w), codes (N, h, w) or (N, h, w, Q), VQ loss)."""
        if self.config.quantizers == 1:
            return self.quantizer(z)
        n, d, h, w = z.shape
        q, codes, loss = self.quantizer(z.flatten(2).transpose(1, 2))
        return q.transpose(1, 2).reshape(n, d, h, w), codes.view(n, h, w, -1), loss.sum()

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(reconstruction (N, 1, H, W), codes (N, H/f, W/f[, Q]), VQ loss)."""
        q, codes, vq_loss = self._quantize(self.encoder(images))
        return torch.tanh(self.decoder(q)), codes, vq_loss

    def loss(self, images: torch.Tensor, return_reconstruction: bool = False):
        """(reconstruction loss + VQ loss, metrics) of ``images`` (N, 1, H, W) in [-1, 1]; with
        ``return_reconstruction`` also the reconstruction (N, 1, H, W) as a third item (for losses on it that
        need other models, such as the OCR distillation of ``korocr train --arch vqvae --ocr-loss-weight``)."""
        rec, codes, vq_loss = self(images)
        return self._reconstruction_loss(images, rec, codes, vq_loss, return_reconstruction)

    def decoder_loss(self, images: torch.Tensor, return_reconstruction: bool = False):
        """:meth:`loss` with the encoder and codebook frozen: the codes come from :meth:`encode` (eval mode, no
        gradient, no EMA update), only the decoder learns. For a better decoder of the same codes."""
        codes = self.encode(images)
        rec = torch.tanh(self.decoder(self._embed_codes(codes)))
        return self._reconstruction_loss(images, rec, codes, torch.zeros((), device=images.device),
                                         return_reconstruction)

    def _reconstruction_loss(self, images, rec, codes, vq_loss, return_reconstruction):
        err = (rec - images).abs()
        l1 = err.mean()
        if self.config.ink_weight > 0:
            med = images.flatten(1).median(1).values.view(-1, 1, 1, 1)
            w = 1.0 + self.config.ink_weight * ((images - med).abs() > 0.3).float()
            rec_loss = (w * err).sum() / w.sum()
        else:
            rec_loss = l1
        metrics = {"l1": float(l1.detach()), "vq": float(vq_loss.detach()), "codes_used": int(codes.unique().numel())}
        if return_reconstruction:
            return rec_loss + vq_loss, metrics, rec
        return rec_loss + vq_loss, metrics

    @torch.no_grad()
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """images (N, 1, H, W) → codes (N, H/f, W/f), or (N, H/f, W/f, Q) with Q quantizers; always in eval mode
        (no EMA codebook update)."""
        was = self.training
        self.eval()
        try:
            return self._quantize(self.encoder(images))[1]
        finally:
            self.train(was)

    @torch.no_grad()
    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """codes (N, h, w) (or (N, h, w, Q)) → images (N, 1, h·f, w·f) in [-1, 1]."""
        return torch.tanh(self.decoder(self._embed_codes(codes)))

    def level_codebooks(self) -> torch.Tensor:
        """The codebooks (Q, codebook_size, code_dim), one per level (Q = 1 without residual quantisation)."""
        if self.config.quantizers > 1:
            return self.quantizer.codebooks.detach()
        return self.quantizer.codebook.detach().reshape(1, -1, self.config.code_dim)

    def _embed_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """codes (N, h, w) (or (N, h, w, q): the levels' vectors summed) → codebook vectors (N, code_dim, h, w).
        A residual VQ-VAE given fewer levels than it has (q < Q, or (N, h, w): level 0 alone, as a drawing GPT-2
        samples) sums the levels given."""
        if self.config.quantizers > 1 and (codes.dim() == 3 or codes.shape[-1] < self.config.quantizers):
            levels = codes[..., None] if codes.dim() == 3 else codes
            books = self.level_codebooks()
            q = sum(books[k][levels[..., k]] for k in range(levels.shape[-1]))  # (N, h, w, d)
            return q.permute(0, 3, 1, 2)
        if self.config.quantizers > 1:
            n, h, w, nq = codes.shape
            q = self.quantizer.get_output_from_indices(codes.reshape(n, h * w, nq))
            return q.transpose(1, 2).reshape(n, -1, h, w)
        q = self.quantizer.get_output_from_indices(codes)
        if q.dim() == 3:  # (N, h*w, d) in some versions
            q = q.view(codes.shape[0], codes.shape[1], codes.shape[2], -1).permute(0, 3, 1, 2)
        return q
