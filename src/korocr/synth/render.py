"""Render synthetic Korean text lines, in the manner of TextRecognitionDataGenerator (TRDG).

:class:`LineRenderer` draws a text with a font at a random size, letter spacing, colour and background
(plain, gradient, noise, texture), optionally with outline, shadow or an underline/strike-through, leaves a
random margin (signboard crops are loose) and then applies photometric and geometric degradations with
albumentations (rotation, perspective, blur, noise, JPEG, down-scaling, contrast).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

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
    """Ranges for the random choices of :class:`LineRenderer` (sizes in px, margins in units of the font size)."""

    font_size: tuple[int, int] = (14, 72)   # drawn log-uniformly: as many lines at 14-32 px as at 32-72 px
    spacing_prob: float = 0.3          # probability of extra letter spacing
    spacing_em: tuple[float, float] = (0.05, 0.8)
    word_spacing_prob: float = 0.4     # probability of a changed word space (fonts' spaces run from 0.2 to 0.5 em)
    word_spacing_em: tuple[float, float] = (-0.3, 0.6)  # added to each space's advance
    min_word_space_em: float = 0.1     # floor of a changed space's advance (Sunflower's, IBM Plex's own: 0.22 em)
    cell_prob: float = 0.0             # characters set in fixed cells (monospace look, any face; see _pieces)
    cell_digits_prob: float = 0.0      # the same for number lines (a third of the characters or more digits)
    cell_em: tuple[float, float] = (0.5, 0.62)  # half-width cell; wide characters take two
    margin_em: tuple[float, float] = (0.0, 0.5)   # crop margin on each side, drawn independently
    loose_margin_prob: float = 0.1     # a margin up to 0.9 em (signboard crops are loose)
    tight_prob: float = 0.2            # cropped tight to the ink on all sides (margins below 0.04 em)
    shared_margin_prob: float = 0.45   # one margin (0 to 0.7 em) on all sides, ±0.1 em each
    ink_crop_prob: float = 0.4         # vertical extent from the ink rather than the font's line box
    dark_on_light_prob: float = 0.6    # plain "document" look: dark text on a light background
    effect_prob: float = 0.15          # outline / shadow / line-through each
    skia_prob: float = 0.4             # rasterise with Skia (other hinting, gamma, sub-pixel AA) instead of FreeType/Pillow
    bitmap_prob: float = 0.06          # drawn small without anti-aliasing and scaled up (terminals, receipts)
    thermal_prob: float = 0.06         # dot-matrix / thermal-printer look: dotted, faded, streaked strokes
    neighbour_prob: float = 0.15       # lines of the same paragraph above and/or below, 0.05-0.5 em away, whose
                                       # ink the crop's margin can cut into (loose detector boxes, tight leading)
    augment: bool = True
    min_contrast: float = 70.0


def _skia_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("skia") is not None


@lru_cache(maxsize=256)
def _skia_typeface(path: str, index: int):
    import skia

    return skia.Typeface.MakeFromFile(path, index)


def _is_wide(ch: str) -> bool:
    """East Asian wide or full-width (Hangul, Hanja, full-width forms): two cells in cell mode."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _pieces(text: str, spacing: int, word_spacing: int, measure, cell: float = 0.0) -> list[tuple[str, float]]:
    """Split ``text`` into runs drawn at their own x offsets (px from the origin): one run per character with
    letter ``spacing`` or in fixed ``cell`` widths, otherwise one per word; each space advances by its own width plus
    ``word_spacing``. With ``cell`` > 0 every character sits centred in a fixed-width cell, ``cell`` px for
    narrow (half-width) characters and twice that for wide ones (Hangul, Hanja, full-width forms), the way
    monospace CJK faces, terminals and receipt printers set text: a comma then stands in a cell as wide as a
    digit, with a gap after it that is not a space. ``measure(s)`` is the advance of ``s`` in px. Returns
    (run, x) pairs and, last, ("", total width)."""
    out, x = [], 0.0
    if cell:
        for ch in text:
            w = 2 * cell if _is_wide(ch) else cell
            if ch == " ":
                x += w + spacing + word_spacing
                continue
            out.append((ch, x + (w - measure(ch)) / 2))
            x += w + spacing
        return out + [("", x - spacing)]
    if spacing:
        for ch in text:
            if ch == " ":
                x += measure(ch) + spacing + word_spacing
            else:
                out.append((ch, x))
                x += measure(ch) + spacing
        return out + [("", x - spacing)]
    if not word_spacing:
        return [(text, 0.0), ("", measure(text))]
    for k, word in enumerate(text.split(" ")):
        if k:
            x += measure(" ") + word_spacing
        if word:
            out.append((word, x))
            x += measure(word)
    return out + [("", x)]


def _mask_pil(text: str, font: Font, size: int, spacing: int, canvas: tuple[int, int], origin: tuple[int, int],
              aliased: bool, stroke: int = 0, word_spacing: int = 0, cell: float = 0.0) -> np.ndarray:
    pil_font = _load_font(font.spec.path, font.spec.index, size)
    img = Image.new("L", canvas, 0)
    draw = ImageDraw.Draw(img)
    if aliased:
        draw.fontmode = "1"
    x, y = origin
    for run, dx in _pieces(text, spacing, word_spacing, pil_font.getlength, cell)[:-1]:
        draw.text((x + dx, y), run, font=pil_font, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255)
    return np.asarray(img, np.float32) / 255.0


def _mask_skia(text: str, font: Font, size: int, spacing: int, canvas: tuple[int, int], origin: tuple[int, int],
               aliased: bool, rng: random.Random, word_spacing: int = 0, cell: float = 0.0) -> np.ndarray:
    """Text coverage drawn by Skia (Chrome's rasteriser) with random hinting, edging and sub-pixel positioning."""
    import skia

    sk_font = skia.Font(_skia_typeface(font.spec.path, font.spec.index), size)
    sk_font.setHinting(rng.choice([skia.FontHinting.kNone, skia.FontHinting.kSlight, skia.FontHinting.kNormal,
                                   skia.FontHinting.kFull]))
    sk_font.setEdging(skia.Font.Edging.kAlias if aliased else
                      rng.choice([skia.Font.Edging.kAntiAlias, skia.Font.Edging.kSubpixelAntiAlias]))
    sk_font.setSubpixel(rng.random() < 0.5)
    if rng.random() < 0.1:
        sk_font.setEmbolden(True)
    surface = skia.Surface(canvas[0], canvas[1])
    with surface as c:
        c.clear(skia.ColorBLACK)
        paint = skia.Paint(Color=skia.ColorWHITE, AntiAlias=not aliased)
        x, y = float(origin[0]) + rng.random(), float(origin[1])
        for run, dx in _pieces(text, spacing, word_spacing, sk_font.measureText, cell)[:-1]:
            c.drawString(run, x + dx, y, sk_font, paint)
    arr = surface.makeImageSnapshot().toarray()
    return arr[..., :3].astype(np.float32).mean(-1) / 255.0


def _thermal(mask: np.ndarray, size: int, rng: random.Random) -> np.ndarray:
    """Dot-matrix / thermal-printer strokes: ink kept on a dot grid, faded patches, vertical dead-element streaks."""
    import cv2

    h, w = mask.shape
    g = np.random.default_rng(rng.getrandbits(32))
    if rng.random() < 0.6:  # dots
        period = max(2, int(round(size * rng.uniform(0.07, 0.13))))
        yy, xx = np.mgrid[0:h, 0:w]
        r = period * rng.uniform(0.35, 0.55)
        dots = (((yy % period) - period / 2) ** 2 + ((xx % period) - period / 2) ** 2 <= r * r).astype(np.float32)
        thick = cv2.dilate(mask, np.ones((max(1, period // 2),) * 2, np.uint8))
        mask = (thick > 0.4).astype(np.float32) * cv2.GaussianBlur(dots, (3, 3), 0.6)
    if rng.random() < 0.6:  # faded, uneven heat
        small = g.uniform(0.25, 1.0, (max(2, h // 16), max(2, w // 16))).astype(np.float32)
        mask = mask * cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).clip(0.15, 1.0)
    if rng.random() < 0.5:  # streaks of dead heating elements
        cols = np.ones(w, np.float32)
        for _ in range(rng.randint(1, 6)):
            x = rng.randrange(w)
            cols[x:x + rng.randint(1, max(1, size // 12))] = rng.uniform(0.0, 0.5)
        mask = mask * cols[None, :]
    return mask


def _composite(base: np.ndarray, mask: np.ndarray, color: tuple[int, int, int]) -> np.ndarray:
    a = mask[..., None]
    return base * (1.0 - a) + np.array(color, np.float32) * a


class LineRenderer:
    """Renders (image, text) pairs for text-line recognition.

    Text is rasterised by FreeType through Pillow or by Skia (random hinting, edging, gamma and sub-pixel
    position), sometimes drawn small without anti-aliasing and scaled up or given a dot-matrix / thermal-printer
    look; it is composited over a background with optional outline, shadow and underline, then cropped around
    its ink or its font line box with a random margin on each side (0–0.5 em each, or one margin of 0–0.7 em on
    all sides, sometimes tight or up to 0.9 em), and degraded
    with albumentations.

    Args:
        fonts: fonts to draw with (see :func:`korocr.synth.fonts.discover_fonts`).
        config: random ranges.
        seed: seed of the augmentation pipeline (the rest follows the ``rng`` passed to :meth:`render`).

    The returned image is RGB ``uint8`` of shape (H, W, 3).
    """

    def __init__(self, fonts: Sequence[Font], config: RenderConfig | None = None, seed: int | None = None):
        if not fonts:
            raise ValueError("no fonts to render with: install Korean fonts or pass font files")
        self.fonts = list(fonts)
        self.cfg = config or RenderConfig()
        self._aug = _build_augment(seed) if self.cfg.augment else None
        self._skia = _skia_available()

    def pick_font(self, text: str, rng: random.Random) -> Font | None:
        """A random font that covers ``text``; for numbers (a third of the characters or more digits) a
        monospace face one time in three, when one covers it: receipts, terminals and price tags set digits
        in fixed-width faces, whose wide commas and full-cell gaps must not read as spaces. Number faces
        (:func:`korocr.synth.fonts.number_fonts`) are drawn only there."""
        covering = [f for f in self.fonts if f.covers(text)]
        candidates = [f for f in covering if not f.number_face]
        if covering and sum(c.isdigit() for c in text) * 3 >= len(text) and rng.random() < 1 / 3:
            mono = [f for f in covering if f.monospace]
            if mono:
                return rng.choice(mono)
        return rng.choice(candidates) if candidates else None

    # --- drawing ------------------------------------------------------------------------------
    def render(self, text: str, rng: random.Random, font: Font | None = None) -> np.ndarray:
        """Draw ``text`` and return an RGB image (H, W, 3) uint8.

        Raises:
            ValueError: no font covers every character of ``text``.
        """
        import cv2

        cfg = self.cfg
        font = font or self.pick_font(text, rng)
        if font is None:
            raise ValueError(f"no font covers every character of {text!r}")
        lo, hi = cfg.font_size
        size = min(hi, int(round(lo * (hi / lo) ** rng.random())))
        look = rng.random()
        bitmap = look < cfg.bitmap_prob
        thermal = cfg.bitmap_prob <= look < cfg.bitmap_prob + cfg.thermal_prob
        draw_size = rng.randint(10, 16) if bitmap else size
        scale = size / draw_size
        pil_font = _load_font(font.spec.path, font.spec.index, draw_size)
        spacing = int(draw_size * rng.uniform(*cfg.spacing_em)) if rng.random() < cfg.spacing_prob else 0
        word_spacing = 0
        if " " in text and rng.random() < cfg.word_spacing_prob:
            space = pil_font.getlength(" ")
            word_spacing = int(round(max(space + draw_size * rng.uniform(*cfg.word_spacing_em),
                                         cfg.min_word_space_em * draw_size) - space))
        digits = sum(c.isdigit() for c in text) * 3 >= len(text)
        cell = 0.0
        cell_p = cfg.cell_digits_prob if digits else cfg.cell_prob
        if cell_p and rng.random() < cell_p:  # (no draw at 0: renders stay as they were)
            cell = draw_size * rng.uniform(*cfg.cell_em)
        ascent, descent = pil_font.getmetrics()
        text_w = max(int(np.ceil(_pieces(text, spacing, word_spacing, pil_font.getlength, cell)[-1][1])), 1)
        pad = draw_size + 4
        canvas = (text_w + 2 * pad, ascent + descent + 2 * pad)
        origin = (pad, pad + ascent)
        use_skia = self._skia and rng.random() < cfg.skia_prob
        if use_skia:
            fill = _mask_skia(text, font, draw_size, spacing, canvas, origin, bitmap, rng, word_spacing, cell)
        else:
            fill = _mask_pil(text, font, draw_size, spacing, canvas, origin, bitmap, word_spacing=word_spacing,
                             cell=cell)
        stroke = None
        if not bitmap and rng.random() < cfg.effect_prob:  # outline (signboards) or fake bold
            sw = max(1, int(draw_size * rng.uniform(0.02, 0.08)))
            stroke = _mask_pil(text, font, draw_size, spacing, canvas, origin, False, stroke=sw,
                               word_spacing=word_spacing, cell=cell)
        main, neighbours = fill, not bitmap and rng.random() < cfg.neighbour_prob
        if neighbours:
            fill = fill.copy()
            lh = ascent + descent
            sides = [s for s in (-1, 1) if rng.random() < 0.6] or [rng.choice((-1, 1))]
            for side in sides:
                other = "".join(rng.sample(text, len(text))) if len(text) > 1 else text
                dy = int(round(side * lh * (1 + rng.uniform(0.05, 0.5))))
                dx = 0 if rng.random() < 0.7 else rng.randint(-draw_size, draw_size)
                nb = _mask_pil(other, font, draw_size, spacing, canvas, (origin[0] + dx, origin[1] + dy), False,
                               word_spacing=word_spacing, cell=cell)
                fill = np.maximum(fill, nb)
        if rng.random() < cfg.effect_prob * 0.5:  # underline or line-through
            lw = max(1, draw_size // 18)
            yl = origin[1] + (descent // 2 if rng.random() < 0.5 else -ascent // 3)
            fill[max(0, yl - lw // 2): yl - lw // 2 + lw, pad: pad + text_w] = 1.0
        if bitmap:  # coarse pixels, scaled up without smoothing
            size_wh = (max(1, int(round(canvas[0] * scale))), max(1, int(round(canvas[1] * scale))))
            fill = cv2.resize(fill, size_wh, interpolation=cv2.INTER_NEAREST)
            pad, ascent, descent = int(round(pad * scale)), int(round(ascent * scale)), int(round(descent * scale))
        if thermal:
            fill = _thermal(fill, size, rng)
        if not bitmap and rng.random() < 0.3:  # gamma: thinner or heavier anti-aliased strokes
            fill = fill ** rng.uniform(0.6, 1.6)
        h, w = fill.shape

        if rng.random() < cfg.dark_on_light_prob:
            bg = tuple(rng.randint(170, 255) for _ in range(3)) if rng.random() < 0.5 else (lambda g: (g, g, g))(rng.randint(190, 255))
            fg = (lambda g: (g, g, g))(rng.randint(0, 80)) if rng.random() < 0.7 else _contrasting(rng, bg, cfg.min_contrast)
        else:
            bg = _rand_color(rng)
            fg = _contrasting(rng, bg, cfg.min_contrast)
        out = np.asarray(make_background(rng, w, h, bg), np.float32)
        if rng.random() < cfg.effect_prob:  # drop shadow
            off = max(1, size // 15)
            shadow = np.zeros_like(fill)
            shadow[off:, off:] = fill[:-off, :-off]
            out = _composite(out, shadow, _contrasting(rng, fg, 40))
        alpha = fill
        if stroke is not None:
            if stroke.shape != fill.shape:
                stroke = cv2.resize(stroke, (w, h))
            out = _composite(out, stroke, _contrasting(rng, fg, 60) if rng.random() < 0.6 else fg)
            alpha = np.maximum(alpha, stroke)
        out = _composite(out, fill, fg)

        # crop: ink or line box, with an independent margin on each side (neighbouring lines do not count)
        if neighbours:
            alpha = main if stroke is None else np.maximum(main, stroke)
        ys, xs = np.nonzero(alpha > 0.25)
        if len(xs) == 0:
            ys, xs = np.array([pad, pad + ascent + descent - 1]), np.array([pad, w - pad - 1])
        x0, x1 = int(xs.min()), int(xs.max()) + 1
        tall = any(c.isdigit() or c.isupper() or "\uac00" <= c <= "\ud7a3" for c in text)
        mode = rng.random()
        if tall and (mode < cfg.tight_prob or rng.random() < cfg.ink_crop_prob):  # tight crops hug the ink
            y0, y1 = int(ys.min()), int(ys.max()) + 1
        else:
            y0, y1 = min(pad, int(ys.min())), max(pad + ascent + descent, int(ys.max()) + 1)

        shared = rng.uniform(cfg.margin_em[0], cfg.margin_em[1] + 0.2)  # detectors pad all sides alike

        def margin() -> float:
            if mode < cfg.tight_prob:
                return rng.uniform(0.0, 0.04)
            if mode < cfg.tight_prob + cfg.shared_margin_prob:
                return max(0.0, shared + rng.uniform(-0.1, 0.1))
            if rng.random() < cfg.loose_margin_prob:
                return rng.uniform(0.0, 0.9)
            return rng.uniform(*cfg.margin_em)

        ml, mr, mt, mb = (int(round(margin() * size)) for _ in range(4))
        crop = out[max(0, y0 - mt): min(h, y1 + mb), max(0, x0 - ml): min(w, x1 + mr)]
        arr = np.clip(crop, 0, 255).astype(np.uint8)
        if rng.random() < 0.08:  # a bit of blur before down-scaling, like a defocused camera
            arr = cv2.GaussianBlur(arr, (0, 0), rng.uniform(0.5, 1.5))
        if self._aug is not None:
            try:
                arr = self._aug(image=arr)["image"]
            except (ZeroDivisionError, ValueError, cv2.error):
                # albumentations' Perspective divides by the warped height, which can be 0 for a crop a few px
                # high (session 5 lost a training run to it); such a line is kept without the augmentation
                pass
        return np.ascontiguousarray(arr)


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
        A.ImageCompression(quality_range=(15, 90), p=0.35),
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
