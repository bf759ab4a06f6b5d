"""Detector training batches: synthetic pages, or annotated real pages (HierText-style), → fixed-size crops
with DBNet targets."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator, Sequence

import cv2
import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from ..detection.targets import make_targets
from .distributed import for_this_rank
from ..synth.fonts import Font
from ..synth.scene import ScenePageRenderer
from ..synth.text import TextSampler


@dataclass
class PageBatch:
    """images (N, 3, S, S) in [-1, 1]; prob, thresh, thresh_mask (N, 1, S, S); quads per image (px)."""

    images: torch.Tensor
    prob: torch.Tensor
    thresh: torch.Tensor
    thresh_mask: torch.Tensor
    quads: list[list[np.ndarray]]


def fit_crop(img: np.ndarray, quads: list[np.ndarray], size: int, rng: random.Random
             ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Scale the page so its longer side is ≤ ``size`` × U(1, 1.6), then take a random ``size``² crop
    (padding with the edge colour)."""
    h, w = img.shape[:2]
    s = min(1.0, size * rng.uniform(1.0, 1.6) / max(h, w))
    if s < 1.0:
        img = cv2.resize(img, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)
        quads = [q * s for q in quads]
    h, w = img.shape[:2]
    x0 = rng.randint(0, max(0, w - size))
    y0 = rng.randint(0, max(0, h - size))
    crop = img[y0:y0 + size, x0:x0 + size]
    if crop.shape[0] < size or crop.shape[1] < size:
        crop = cv2.copyMakeBorder(crop, 0, size - crop.shape[0], 0, size - crop.shape[1], cv2.BORDER_REPLICATE)
    moved = [q - np.array([x0, y0], np.float32) for q in quads]
    inside = [q for q in moved if q[:, 0].max() > 0 and q[:, 1].max() > 0 and q[:, 0].min() < size
              and q[:, 1].min() < size]
    return crop, inside


def to_batch(items: Sequence[tuple[np.ndarray, list[np.ndarray]]]) -> PageBatch:
    imgs, probs, ths, tms, qs = [], [], [], [], []
    for img, quads in items:
        t = make_targets(quads, img.shape[:2])
        imgs.append(torch.from_numpy(img.astype(np.float32) / 127.5 - 1.0).permute(2, 0, 1))
        probs.append(torch.from_numpy(t["prob"])[None])
        ths.append(torch.from_numpy(t["thresh"])[None])
        tms.append(torch.from_numpy(t["thresh_mask"])[None])
        qs.append(quads)
    return PageBatch(torch.stack(imgs), torch.stack(probs), torch.stack(ths), torch.stack(tms), qs)


def polygon_quad(poly: np.ndarray) -> np.ndarray:
    """A (K, 2) outline → its minimum-area rectangle (4, 2), clockwise from top-left (DB targets need quads)."""
    from ..detection.postprocess import order_quad

    if len(poly) == 4:
        return order_quad(poly)
    return order_quad(cv2.boxPoints(cv2.minAreaRect(poly.astype(np.float32))))


class AnnotatedPages(IterableDataset):
    """Endless batches of crops of real annotated pages (HierText-style JSON / JSON Lines), in random order.

    Illegible lines are kept out of the targets.  Pages whose image is missing or unreadable are reported
    once (``skipped``) and left out.

    Args:
        annotations: annotation files (:func:`korocr.io.datasets.read_hiertext_pages`).
        images: image folder (default: next to each file).

    Raises:
        ValueError: no usable page.
    """

    def __init__(self, annotations: Sequence, images=None, batch_size: int = 8, size: int = 512, seed: int = 0):
        super().__init__()
        from ..io.datasets import read_hiertext_pages

        self.pages, self.skipped = [], []
        for path in annotations:
            for p in read_hiertext_pages(path, images):
                (self.skipped if p.error else self.pages).append(p.error or p)
        if not self.pages:
            raise ValueError(f"no usable annotated page in {list(map(str, annotations))}: {self.skipped[:3]}")
        self.batch_size, self.size, self.seed = batch_size, size, seed

    def __iter__(self) -> Iterator[PageBatch]:
        from ..io.image import ImageLoadError, load_image

        cv2.setNumThreads(1)
        info = get_worker_info()
        rng = random.Random(self.seed + 1000 * (info.id if info else 0))
        while True:
            items = []
            while len(items) < self.batch_size:
                page = rng.choice(self.pages)
                try:
                    img = load_image(page.image)
                except ImageLoadError:
                    continue
                quads = [polygon_quad(p) for p, ok in zip(page.polygons, page.legible) if ok]
                items.append(fit_crop(img, quads, self.size, rng))
            yield to_batch(items)


class SyntheticPages(IterableDataset):
    """Endless batches of synthetic page crops with DBNet targets."""

    def __init__(self, fonts: Sequence[Font], sampler: TextSampler, batch_size: int = 8, size: int = 512,
                 seed: int = 0, document_prob: float = 0.35):
        super().__init__()
        self.fonts, self.sampler, self.document_prob = list(fonts), sampler, document_prob
        self.batch_size, self.size, self.seed = batch_size, size, seed

    def __iter__(self) -> Iterator[PageBatch]:
        cv2.setNumThreads(1)
        info = get_worker_info()
        rng = random.Random(self.seed + 1000 * (info.id if info else 0))
        renderer = ScenePageRenderer(self.fonts, self.sampler, document_prob=self.document_prob)
        while True:
            items = []
            for _ in range(self.batch_size):
                img, regions = renderer.render(rng)
                items.append(fit_crop(img, [r.quad for r in regions], self.size, rng))
            yield to_batch(items)


class PageDataModule(L.LightningDataModule):
    """Detector pages: HierText-style annotated pages (``--data``) or synthetic pages, plus ``val_size`` fixed
    synthetic validation pages (seed 4321) cropped to ``det_size``, in batches of 4.

    Raises:
        korocr.errors.KorocrError: no fonts found.
    """

    def __init__(self, args, seed: int):
        super().__init__()
        from ..errors import KorocrError
        from ..synth.fonts import discover_fonts

        fonts = discover_fonts(extra=args.font_dir, include=args.fonts, exclude=args.exclude_fonts)
        if not fonts:
            raise KorocrError("korocr train: no fonts found (install fonts-nanum / fonts-noto-cjk or pass --font-dir)")
        sampler = TextSampler.from_files(args.corpus, args.words, max_chars=args.max_chars)
        if args.data:  # annotated pages (HierText-style JSON / JSON Lines) instead of synthesis
            self.train_ds = AnnotatedPages(args.data, batch_size=args.batch_size, size=args.det_size, seed=seed)
            print(f"annotated pages: {len(self.train_ds.pages)} used, {len(self.train_ds.skipped)} skipped",
                  flush=True)
            for why in self.train_ds.skipped[:10]:
                print(f"  skipped: {why}", flush=True)
        else:
            self.train_ds = SyntheticPages(fonts, sampler, batch_size=args.batch_size, size=args.det_size, seed=seed)
        rng = random.Random(4321)
        renderer = ScenePageRenderer(fonts, sampler, document_prob=0.35)
        items = []
        for _ in range(args.val_size):
            img, regions = renderer.render(rng)
            items.append(fit_crop(img, [r.quad for r in regions], args.det_size, rng))
        self.val_batches = [to_batch(items[i:i + 4]) for i in range(0, len(items), 4)]
        self.workers = args.workers

    def train_dataloader(self) -> DataLoader:
        w = self.workers
        return DataLoader(for_this_rank(self.train_ds), batch_size=None, num_workers=w, persistent_workers=w > 0,
                          multiprocessing_context="spawn" if w else None)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.val_batches, batch_size=None)
