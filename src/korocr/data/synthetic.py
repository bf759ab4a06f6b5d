"""On-the-fly synthetic text-line data for training (torch ``IterableDataset``).

Each worker renders lines with its own RNG, groups a pool of samples by width and yields ready batches, so
short words are not padded to the width of the longest line in the stream (bucketing).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from ..preprocessing.line import DEFAULT_MARGINS, normalize_margins, pad_batch, resize_line
from ..synth.fonts import Font
from ..synth.render import LineRenderer, RenderConfig
from ..synth.text import TextSampler


@dataclass
class LineBatch:
    """A training batch: images (N, C, H, W) in [-1, 1] and their texts."""

    images: torch.Tensor
    texts: list[str]


def collate_lines(lines: Sequence[np.ndarray], texts: Sequence[str]) -> LineBatch:
    return LineBatch(torch.from_numpy(pad_batch(list(lines))), list(texts))


class SyntheticLines(IterableDataset):
    """An endless stream of rendered line batches.

    Args:
        fonts: fonts to render with.
        sampler: text source.
        batch_size: lines per batch.
        height: line height in px; max_width: lines wider than this are squeezed (px).
        channels: 1 (grayscale) or 3 (BGR).
        seed: base seed; each worker uses ``seed + 1000 * worker_id``.
        pool: batches' worth of samples sorted by width before batching (bucketing).
        pixel_budget: if set, a batch holds as many lines of its width bucket as fit in ``batch_size`` lines of
            ``pixel_budget / batch_size`` px each (long lines come in smaller batches, short ones in larger,
            so every step costs about the same); None = always ``batch_size`` lines.
        normalize_prob: probability that a rendered crop goes through the recogniser's inference-time margin
            normalisation (:func:`korocr.preprocessing.line.normalize_margins`) before resizing, so the model
            also trains on the margins it is read with (tight crops padded with their border colour); 0 = never.
        margins: the ``top_bottom`` range of that normalisation, in ink heights (None: its default (0.15, 0.4)).
        max_sides: its highest margin left and right of the ink, in ink heights (None: never cut).
    """

    def __init__(self, fonts: Sequence[Font], sampler: TextSampler, batch_size: int = 64, height: int = 32,
                 max_width: int = 400, seed: int = 0, pool: int = 8, render_config: RenderConfig | None = None,
                 channels: int = 1, pixel_budget: int | None = None, x_scale: float = 1.0,
                 normalize_prob: float = 0.0, margins: tuple[float, float] | None = None,
                 max_sides: float | None = None):
        super().__init__()
        if not 0.0 <= normalize_prob <= 1.0:
            raise ValueError(f"normalize_prob must be in [0, 1], got {normalize_prob}")
        self.normalize_prob = normalize_prob
        self.margins = _margins(margins)
        self.max_sides = max_sides
        self.fonts = list(fonts)
        self.sampler = sampler
        self.batch_size = batch_size
        self.height = height
        self.max_width = max_width
        self.seed = seed
        self.pool = pool
        self.render_config = render_config
        self.channels = channels
        self.pixel_budget = pixel_budget
        self.x_scale = x_scale

    def _sample(self, renderer: LineRenderer, rng: random.Random) -> tuple[np.ndarray, str]:
        while True:
            text = self.sampler.sample(rng)
            font = renderer.pick_font(text, rng)
            if font is None:
                continue
            img = renderer.render(text, rng, font)
            if self.normalize_prob and rng.random() < self.normalize_prob:
                img = normalize_margins(img, top_bottom=self.margins, max_sides=self.max_sides)[0]
            return resize_line(img, self.height, self.max_width, channels=self.channels, x_scale=self.x_scale), text

    def __iter__(self) -> Iterator[LineBatch]:
        import cv2

        cv2.setNumThreads(1)
        info = get_worker_info()
        wid = info.id if info is not None else 0
        rng = random.Random(self.seed + 1000 * wid)
        np.random.seed((self.seed + 1000 * wid) % 2**32)
        renderer = LineRenderer(self.fonts, self.render_config, seed=self.seed + 1000 * wid)
        while True:
            samples = [self._sample(renderer, rng) for _ in range(self.batch_size * self.pool)]
            samples.sort(key=lambda s: s[0].shape[1])
            batches = self._batches(samples)
            rng.shuffle(batches)
            for b in batches:
                yield collate_lines([s[0] for s in b], [s[1] for s in b])


    def _batches(self, samples: list) -> list[list]:
        if not self.pixel_budget:
            return [samples[i:i + self.batch_size] for i in range(0, len(samples), self.batch_size)]
        out, cur = [], []
        for smp in samples:  # sorted by width: the batch's width is its last line's
            if cur and (len(cur) + 1) * smp[0].shape[1] > self.pixel_budget:
                out.append(cur)
                cur = []
            cur.append(smp)
            if len(cur) >= 4 * self.batch_size:
                out.append(cur)
                cur = []
        if cur:
            out.append(cur)
        return out


def _margins(margins: tuple[float, float] | None) -> tuple[float, float]:
    """A validated ``top_bottom`` range for :func:`normalize_margins`; None gives its default."""
    if margins is None:
        return DEFAULT_MARGINS
    lo, hi = (float(v) for v in margins)
    if not 0.0 <= lo <= hi:
        raise ValueError(f"margins must satisfy 0 <= low <= high (ink heights), got {margins!r}")
    return lo, hi


def render_fixed_set(fonts: Sequence[Font], sampler: TextSampler, n: int, seed: int, height: int = 32,
                     max_width: int = 400, render_config: RenderConfig | None = None, channels: int = 1,
                     x_scale: float = 1.0, margins: tuple[float, float] | None = None,
                     max_sides: float | None = None) -> list[tuple[np.ndarray, str, str]]:
    """Render ``n`` lines deterministically: (line (H, W) float, text, font key) triples, e.g. for validation.
    With ``margins`` (lowest, highest, in ink heights) every line is first re-cropped by
    :func:`korocr.preprocessing.line.normalize_margins` to that range, as a model trained only on such crops
    reads them (``max_sides``: its highest side margin, None: never cut)."""
    rng = random.Random(seed)
    np.random.seed(seed)
    renderer = LineRenderer(fonts, render_config, seed=seed)
    out = []
    while len(out) < n:
        text = sampler.sample(rng)
        font = renderer.pick_font(text, rng)
        if font is None:
            continue
        img = renderer.render(text, rng, font)
        if margins is not None:
            img = normalize_margins(img, top_bottom=_margins(margins), max_sides=max_sides)[0]
        out.append((resize_line(img, height, max_width, channels=channels, x_scale=x_scale), text, font.spec.key))
    return out

