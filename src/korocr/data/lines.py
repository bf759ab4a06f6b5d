"""Line data for recogniser training, one ``LightningDataModule`` per source (as strhub does): on-the-fly
synthetic lines (:class:`SyntheticLineDataModule`) and LMDB datasets (:class:`LmdbLineDataModule`)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Sequence

import lightning as L
from torch.utils.data import DataLoader

from ..errors import KorocrError
from ..text.charsets import Charset
from .distributed import for_this_rank
from .synthetic import LineBatch, SyntheticLines, collate_lines, render_fixed_set


def _loader(ds, workers: int) -> DataLoader:
    for_this_rank(ds)
    return DataLoader(ds, batch_size=None, num_workers=workers, persistent_workers=workers > 0,
                      prefetch_factor=4 if workers else None, multiprocessing_context="spawn" if workers else None)


class SyntheticLineDataModule(L.LightningDataModule):
    """Synthetic lines rendered on the fly (:class:`~korocr.data.synthetic.SyntheticLines`) and a fixed
    validation set of ``val_size`` lines (seed 12345) from the same fonts and text mix, batched by
    ``batch_size``. ``--number-fonts`` faces join training only, so validation stays comparable across runs.

    Raises:
        KorocrError: no fonts found.
    """

    def __init__(self, args: argparse.Namespace, charset: Charset, seed: int, height: int = 32, channels: int = 1,
                 x_scale: float = 1.0, margins: tuple[float, float] | None = None, max_sides: float | None = None):
        super().__init__()
        from ..synth.fonts import discover_fonts
        from ..synth.text import TextSampler

        fonts = discover_fonts(extra=args.font_dir, include=args.fonts, exclude=args.exclude_fonts)
        if not fonts:
            raise KorocrError("korocr train: no fonts found (install fonts-nanum / fonts-noto-cjk or pass --font-dir)")
        kw = {"weights": tuple(args.text_weights)} if getattr(args, "text_weights", None) else {}
        sampler = TextSampler.from_files(args.corpus, args.words, charset=charset, max_chars=args.max_chars, **kw)
        val_sampler = sampler  # validation keeps the texts' own spacing, so runs with and without respacing compare
        if getattr(args, "respace_prob", 0.0):
            val_sampler, sampler = sampler, dataclasses.replace(sampler, respace_prob=args.respace_prob)
        norm_prob = getattr(args, "normalize_margins_prob", 0.0) or 0.0
        render_config = None  # validation is rendered with the defaults, so its lines stay the same across runs
        if getattr(args, "cell_prob", 0.0):
            from ..synth.render import RenderConfig

            render_config = RenderConfig(cell_prob=args.cell_prob, cell_digits_prob=min(1.0, 3 * args.cell_prob))
        train_fonts = list(fonts)
        if getattr(args, "number_fonts", None):
            from ..synth.fonts import number_fonts

            train_fonts += number_fonts(args.number_fonts, exclude=args.exclude_fonts)
        self.train_ds = SyntheticLines(train_fonts, sampler, batch_size=args.batch_size, max_width=args.max_width,
                                       seed=seed, height=height, channels=channels,
                                       pixel_budget=getattr(args, "pixel_budget", None), x_scale=x_scale,
                                       normalize_prob=norm_prob, margins=margins, render_config=render_config,
                                       max_sides=max_sides)
        # a model that never trains on un-normalised crops is validated on normalised ones, as it is read
        val = render_fixed_set(fonts, val_sampler, args.val_size, seed=12345, max_width=args.max_width, height=height,
                               channels=channels, x_scale=x_scale, margins=margins if norm_prob >= 1.0 else None,
                               max_sides=max_sides)
        val.sort(key=lambda v: v[0].shape[1])
        b = args.batch_size
        self.val_batches: list[LineBatch] = [collate_lines([v[0] for v in val[i:i + b]], [v[1] for v in val[i:i + b]])
                                             for i in range(0, len(val), b)]
        self.charset, self.workers = charset, args.workers
        self.fonts = fonts

    def train_dataloader(self) -> DataLoader:
        return _loader(self.train_ds, self.workers)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.val_batches, batch_size=None)


class LmdbLineDataModule(L.LightningDataModule):
    """Lines from LMDB datasets (deep-text-recognition-benchmark layout); the charset grows with the labels'
    characters. No validation set (pass one through ``korocr eval``)."""

    def __init__(self, args: argparse.Namespace, charset: Charset, seed: int, height: int = 32, channels: int = 1,
                 x_scale: float = 1.0):
        super().__init__()
        from .lmdb_dataset import LmdbLines

        self.train_ds = LmdbLines(args.data, batch_size=args.batch_size, max_width=args.max_width, shuffle=True,
                                  seed=seed, height=height, channels=channels, x_scale=x_scale)
        self.charset = Charset.from_text(self.train_ds.texts(), base=charset)
        self.workers = args.workers
        self.val_batches: Sequence[LineBatch] = []

    def train_dataloader(self) -> DataLoader:
        return _loader(self.train_ds, self.workers)


def line_datamodule(args: argparse.Namespace, charset: Charset, seed: int, height: int = 32, channels: int = 1,
                    x_scale: float = 1.0, margins: tuple[float, float] | None = None, max_sides: float | None = None,
                    ) -> SyntheticLineDataModule | LmdbLineDataModule:
    """The data module for ``--data`` LMDBs, else synthesis; its ``charset`` may have grown. ``margins``: the
    range synthetic crops are normalised to (``--normalize-margins-prob``); LMDB crops are read as stored."""
    if args.data:
        return LmdbLineDataModule(args, charset, seed, height, channels, x_scale)
    return SyntheticLineDataModule(args, charset, seed, height, channels, x_scale, margins=margins, max_sides=max_sides)
