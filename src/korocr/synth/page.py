"""Synthetic document pages: lines of text on an A4-like canvas in one or more columns, with their ground-truth
boxes in reading order, and the page degradations of the page benchmark (blur, JPEG, low contrast)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .fonts import Font
from .render import _load_font, _pieces
from .text import TextSampler

DEGRADATIONS = ("blur", "jpeg", "low_contrast", "small_text")


@dataclass
class PageLine:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 px


def render_page(sampler: TextSampler, font: Font, rng: random.Random, size: tuple[int, int] = (1240, 1754),
                font_px: int = 28, margin: int = 100, line_gap: float = 0.8, max_lines: int = 40,
                words_per_line: tuple[int, int] = (3, 9), columns: int = 1, gutter: int = 60,
                text_color: tuple[int, int, int] = (20, 20, 20), background: tuple[int, int, int] = (255, 255, 255),
                letter_spacing: float = 0.0) -> tuple[np.ndarray, list[PageLine]]:
    """Render a plain page (A4 at 150 dpi by default: 1240×1754 px), text left-aligned in ``columns`` columns.

    Args:
        font_px: font size (px).
        line_gap: space between lines as a share of the font's line height (ascent + descent); negative values
            set lines tighter than the font's own leading (slides, tables, terminals), down to a pitch of
            1.1 em, below which lines' ink would touch.
        margin, gutter: page margin and space between columns (px).
        max_lines: most lines on the page (all columns together).
        letter_spacing: extra space after every character, in em (CSS ``letter-spacing``; slides, headings and
            receipts spread their letters, and a detector must still find one line, not one box per letter).

    Returns:
        (RGB image (H, W, 3) uint8, lines in reading order (column by column, top to bottom) with their boxes).
    """
    w, h = size
    img = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(img)
    pil_font = _load_font(font.spec.path, font.spec.index, font_px)
    ascent, descent = pil_font.getmetrics()
    col_w = (w - 2 * margin - (columns - 1) * gutter) // columns
    spacing = int(round(letter_spacing * font_px))

    def measure(t: str) -> float:
        return _pieces(t, spacing, 0, pil_font.getlength)[-1][1] if spacing else pil_font.getlength(t)
    lines: list[PageLine] = []
    for col in range(columns):
        x0 = margin + col * (col_w + gutter)
        y = margin
        while y + ascent + descent < h - margin and len(lines) < max_lines:
            words: list[str] = []
            target = rng.randint(*words_per_line)
            while len(words) < target:
                s = sampler.sample(rng)
                if font.covers(s):
                    words.extend(s.split())
            text = ""
            for wd in words:
                cand = (text + " " + wd).strip()
                if measure(cand) > col_w:
                    break
                text = cand
            if not text:
                continue
            boxes = []
            for run, dx in _pieces(text, spacing, 0, pil_font.getlength)[:-1]:
                draw.text((x0 + dx, y + ascent), run, font=pil_font, fill=text_color, anchor="ls")
                boxes.append(draw.textbbox((x0 + dx, y + ascent), run, font=pil_font, anchor="ls"))
            bx = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
            lines.append(PageLine(text, (int(bx[0]), int(bx[1]), int(bx[2]), int(bx[3]))))
            y += max(int((ascent + descent) * (1 + line_gap)), int(round(1.1 * font_px)))
    return np.asarray(img), lines


def render_degraded_page(sampler: TextSampler, font: Font, rng: random.Random, kind: str | None = None,
                         columns: int = 1) -> tuple[np.ndarray, list[PageLine]]:
    """A page with one degradation of :data:`DEGRADATIONS` (``None``: clean).

    * ``blur``: Gaussian blur, σ 1.2–1.8 px;
    * ``jpeg``: JPEG quality 12–25;
    * ``low_contrast``: grey text (150–170) on a grey-white page (215–235);
    * ``small_text``: 15–17 px text (about 7–8 pt at 150 dpi).

    Raises:
        ValueError: unknown ``kind``.
    """
    if kind is not None and kind not in DEGRADATIONS:
        raise ValueError(f"unknown degradation {kind!r}; expected one of {DEGRADATIONS}")
    kw: dict = {"columns": columns}
    if kind == "low_contrast":
        t, b = rng.randint(150, 170), rng.randint(215, 235)
        kw |= {"text_color": (t, t, t), "background": (b, b, b)}
    if kind == "small_text":
        kw |= {"font_px": rng.randint(15, 17), "max_lines": 70}
    img, lines = render_page(sampler, font, rng, **kw)
    if kind == "blur":
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(1.2, 1.8))
    elif kind == "jpeg":
        ok, enc = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, rng.randint(12, 25)])
        img = cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(img), lines
