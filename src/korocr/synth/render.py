"""Render synthetic Korean text lines, in the manner of TextRecognitionDataGenerator (TRDG).

:class:`LineRenderer` draws a text with a font at a random size, letter spacing, colour and background
(plain, gradient, noise, texture), optionally with outline, shadow or an underline/strike-through, leaves a
random margin (signboard crops are loose) and then applies photometric and geometric degradations with
albumentations (rotation, perspective, blur, noise, JPEG, down-scaling, contrast).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .fonts import Font


@lru_cache(maxsize=512)
def _load_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size, index=index)


def _luma(c: tuple[int, int, int]) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _rand_color(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))


def _contrasting(rng: random.Random, bg: tuple[int, int, int], min_diff: float) -> tuple[int, int, int]:
    for _ in range(30):
        c = _rand_color(rng) if rng.random() < 0.5 else (lambda g: (g, g, g))(rng.randint(0, 255))
        if abs(_luma(c) - _luma(bg)) >= min_diff:
            return c
    return (0, 0, 0) if _luma(bg) > 127 else (255, 255, 255)


def make_background(rng: random.Random, w: int, h: int, base: tuple[int, int, int]) -> Image.Image:
    """A w × h RGB background around colour ``base``: plain, linear gradient, gaussian noise or smooth texture."""
    kind = rng.random()
    if kind < 0.5:
        return Image.new("RGB", (w, h), base)
    if kind < 0.7:  # linear gradient
        other = tuple(int(np.clip(c + rng.randint(-80, 80), 0, 255)) for c in base)
        t = np.linspace(0, 1, w if rng.random() < 0.5 else h, dtype=np.float32)
        grad = np.outer(t, np.array(other, np.float32) - np.array(base, np.float32)) + np.array(base, np.float32)
        if len(t) == w:
            arr = np.broadcast_to(grad[None, :, :], (h, w, 3))
        else:
            arr = np.broadcast_to(grad[:, None, :], (h, w, 3))
        return Image.fromarray(np.ascontiguousarray(arr).astype(np.uint8))
    if kind < 0.85:  # gaussian noise field
        arr = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(5, 30), (h, w, 1))
        return Image.fromarray(np.clip(np.array(base, np.float32) + arr, 0, 255).astype(np.uint8))
    # texture: smoothed random blobs (paper, wall, sign surface)
    g = np.random.default_rng(rng.getrandbits(32))
    small = g.normal(0, 1, (max(2, h // 8), max(2, w // 8), 1)).astype(np.float32)
    tex = np.array(Image.fromarray(((small[..., 0] - small.min()) / (np.ptp(small) + 1e-6) * 255).astype(np.uint8))
                   .resize((w, h), Image.BICUBIC), np.float32)[..., None] / 255.0
    amp = rng.uniform(20, 70)
    return Image.fromarray(np.clip(np.array(base, np.float32) + (tex - 0.5) * amp, 0, 255).astype(np.uint8))


@dataclass
class RenderConfig:
    """Ranges for the random choices of :class:`LineRenderer` (sizes in px)."""

    font_size: tuple[int, int] = (22, 56)
    spacing_prob: float = 0.3          # probability of extra letter spacing
    spacing_em: tuple[float, float] = (0.05, 0.8)
    margin_em: tuple[float, float] = (0.0, 0.6)
    dark_on_light_prob: float = 0.6    # plain "document" look: dark text on a light background
    effect_prob: float = 0.15          # outline / shadow / line-through each
    augment: bool = True
    min_contrast: float = 70.0


class LineRenderer:
    """Renders (image, text) pairs for text-line recognition.

    Args:
        fonts: fonts to draw with (see :func:`korocr.synth.fonts.discover_fonts`).
        config: random ranges.
        seed: seed of the augmentation pipeline (the rest follows the ``rng`` passed to :meth:`render`).

    The returned image is RGB ``uint8`` of shape (H, W, 3) with the text roughly filling the height.
    """

    def __init__(self, fonts: Sequence[Font], config: RenderConfig | None = None, seed: int | None = None):
        if not fonts:
            raise ValueError("no fonts to render with: install Korean fonts or pass font files")
        self.fonts = list(fonts)
        self.cfg = config or RenderConfig()
        self._aug = _build_augment(seed) if self.cfg.augment else None

    def pick_font(self, text: str, rng: random.Random) -> Font | None:
        candidates = [f for f in self.fonts if f.covers(text)]
        return rng.choice(candidates) if candidates else None

    # --- drawing ------------------------------------------------------------------------------
    def render(self, text: str, rng: random.Random, font: Font | None = None) -> np.ndarray:
        """Draw ``text`` and return an RGB image (H, W, 3) uint8.

        Raises:
            ValueError: no font covers every character of ``text``.
        """
        cfg = self.cfg
        font = font or self.pick_font(text, rng)
        if font is None:
            raise ValueError(f"no font covers every character of {text!r}")
        size = rng.randint(*cfg.font_size)
        pil_font = _load_font(font.spec.path, font.spec.index, size)
        spacing = int(size * rng.uniform(*cfg.spacing_em)) if rng.random() < cfg.spacing_prob else 0

        ascent, descent = pil_font.getmetrics()
        if spacing:
            advances = [pil_font.getlength(ch) for ch in text]
            text_w = int(sum(advances) + spacing * (len(text) - 1))
        else:
            advances = []
            text_w = int(pil_font.getlength(text))
        text_w = max(text_w, 1)
        mx = [int(size * rng.uniform(*cfg.margin_em)) + 2 for _ in range(2)]
        my = [int(size * rng.uniform(0.0, cfg.margin_em[1] * 0.6)) + 2 for _ in range(2)]
        w, h = text_w + mx[0] + mx[1], ascent + descent + my[0] + my[1]

        if rng.random() < cfg.dark_on_light_prob:
            bg = tuple(rng.randint(170, 255) for _ in range(3)) if rng.random() < 0.5 else (lambda g: (g, g, g))(rng.randint(190, 255))
            fg = (lambda g: (g, g, g))(rng.randint(0, 80)) if rng.random() < 0.7 else _contrasting(rng, bg, cfg.min_contrast)
        else:
            bg = _rand_color(rng)
            fg = _contrasting(rng, bg, cfg.min_contrast)
        img = make_background(rng, w, h, bg)
        draw = ImageDraw.Draw(img)

        stroke_w, stroke_fill = 0, None
        if rng.random() < cfg.effect_prob:  # outline (signboards) or fake bold
            stroke_w = max(1, int(size * rng.uniform(0.02, 0.08)))
            stroke_fill = _contrasting(rng, fg, 60) if rng.random() < 0.6 else fg
        shadow = rng.random() < cfg.effect_prob
        x0, y0 = mx[0], my[0] + ascent

        def _draw(dx: int, dy: int, fill, sw=0, sf=None) -> None:
            if spacing:
                x = x0 + dx
                for ch, adv in zip(text, advances):
                    draw.text((x, y0 + dy), ch, font=pil_font, fill=fill, anchor="ls", stroke_width=sw, stroke_fill=sf)
                    x += adv + spacing
            else:
                draw.text((x0 + dx, y0 + dy), text, font=pil_font, fill=fill, anchor="ls", stroke_width=sw, stroke_fill=sf)

        if shadow:
            off = max(1, size // 15)
            _draw(off, off, _contrasting(rng, fg, 40))
        _draw(0, 0, fg, stroke_w, stroke_fill)

        if rng.random() < cfg.effect_prob * 0.5:  # underline or line-through
            lw = max(1, size // 18)
            yl = y0 + (descent // 2 if rng.random() < 0.5 else -ascent // 3)
            draw.line([(x0, yl), (x0 + text_w, yl)], fill=fg, width=lw)

        if rng.random() < 0.08:  # a bit of blur before down-scaling, like a defocused camera
            img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
        arr = np.asarray(img)
        if self._aug is not None:
            arr = self._aug(image=arr)["image"]
        return arr


def _build_augment(seed: int | None = None):
    import albumentations as A
    import cv2

    return A.Compose([
        A.OneOf([
            A.Affine(rotate=(-4, 4), shear={"x": (-12, 12), "y": (-2, 2)}, fit_output=True,
                     border_mode=cv2.BORDER_REPLICATE, p=1.0),
            A.Perspective(scale=(0.01, 0.05), fit_output=True, border_mode=cv2.BORDER_REPLICATE, p=1.0),
        ], p=0.45),
        A.OneOf([
            A.GaussianBlur(blur_limit=(3, 5), p=1.0),
            A.MotionBlur(blur_limit=(3, 7), p=1.0),
            A.Downscale(scale_range=(0.3, 0.7), p=1.0),
        ], p=0.35),
        A.RandomBrightnessContrast(brightness_limit=0.25, contrast_limit=0.35, p=0.4),
        A.GaussNoise(std_range=(0.02, 0.12), p=0.25),
        A.ImageCompression(quality_range=(20, 90), p=0.3),
        A.InvertImg(p=0.05),
    ], seed=seed)



def render_vertical(text: str, font: Font, rng: random.Random, size: int | None = None) -> np.ndarray:
    """A vertical column: the characters of ``text`` stacked upright, top to bottom (as on Korean signboards
    and in vertical typesetting), on a plain, gradient or textured background.

    Args:
        text: characters to stack (spaces are skipped).
        size: font size (px); default random 24–56.

    Returns:
        RGB (H, W, 3) uint8 with H > W for two or more characters.
    """
    chars = [c for c in text if not c.isspace()]
    size = size or rng.randint(24, 56)
    pf = _load_font(font.spec.path, font.spec.index, size)
    step = int(size * rng.uniform(1.0, 1.3))
    pad = int(size * rng.uniform(0.15, 0.5)) + 2
    w, h = size + 2 * pad, step * len(chars) + 2 * pad
    if rng.random() < 0.6:
        bg = (lambda g: (g, g, g))(rng.randint(200, 255))
        fg = (lambda g: (g, g, g))(rng.randint(0, 70))
    else:
        bg = _rand_color(rng)
        fg = _contrasting(rng, bg, 90)
    img = make_background(rng, w, h, bg)
    draw = ImageDraw.Draw(img)
    for i, ch in enumerate(chars):
        draw.text((w / 2, pad + i * step + step / 2), ch, font=pf, fill=fg, anchor="mm")
    return np.asarray(img)
