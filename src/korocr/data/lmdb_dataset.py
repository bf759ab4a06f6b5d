"""Training batches from LMDB datasets (deep-text-recognition-benchmark layout)."""

from __future__ import annotations

import io
import random
from typing import Iterator, Sequence

import numpy as np
from PIL import Image
from torch.utils.data import IterableDataset, get_worker_info

from ..io.lmdb import LmdbDataset
from ..preprocessing.line import resize_line
from .synthetic import LineBatch, collate_lines


class LmdbLines(IterableDataset):
    """Endless shuffled, width-bucketed batches from one or more LMDBs.

    Samples whose image no longer decodes are skipped and counted in ``skipped`` (per worker).
    """

    def __init__(self, paths: Sequence[str], batch_size: int = 64, height: int = 32, max_width: int = 400,
                 shuffle: bool = True, seed: int = 0, pool: int = 8, channels: int = 1, x_scale: float = 1.0):
        super().__init__()
        self.paths = list(paths)
        self.batch_size, self.height, self.max_width = batch_size, height, max_width
        self.shuffle, self.seed, self.pool, self.channels, self.x_scale = shuffle, seed, pool, channels, x_scale
        self.sizes = [len(LmdbDataset(p)) for p in self.paths]
        self.skipped = 0

    def texts(self) -> list[str]:
        out = []
        for p in self.paths:
            ds = LmdbDataset(p)
            out += [ds.raw(i)[2] for i in range(len(ds))]
        return out

    def __iter__(self) -> Iterator[LineBatch]:
        info = get_worker_info()
        wid = info.id if info is not None else 0
        rng = random.Random(self.seed + 1000 * wid)
        dss = [LmdbDataset(p) for p in self.paths]
        index = [(d, i) for d, n in enumerate(self.sizes) for i in range(n)]
        while True:
            if self.shuffle:
                rng.shuffle(index)
            for start in range(0, len(index), self.batch_size * self.pool):
                samples = []
                for d, i in index[start:start + self.batch_size * self.pool]:
                    _, data, text = dss[d].raw(i)
                    try:
                        arr = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
                    except Exception:  # noqa: BLE001 - corrupt sample: skip, counted
                        self.skipped += 1
                        continue
                    samples.append((resize_line(arr, self.height, self.max_width, channels=self.channels,
                                                x_scale=self.x_scale), text))
                samples.sort(key=lambda s: s[0].shape[1])
                batches = [samples[i:i + self.batch_size] for i in range(0, len(samples), self.batch_size)]
                rng.shuffle(batches)
                for b in batches:
                    yield collate_lines([s[0] for s in b], [s[1] for s in b])
