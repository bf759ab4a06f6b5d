"""Synthetic document pages: many lines of text on an A4-like canvas, with their ground-truth boxes."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .fonts import Font
from .render import _load_font
from .text import TextSampler


@dataclass
class PageLine:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 px


def render_page(sampler: TextSampler, font: Font, rng: random.Random, size: tuple[int, int] = (1240, 1754),
                font_px: int = 28, margin: int = 100, line_gap: float = 0.8, max_lines: int = 40,
                words_per_line: tuple[int, int] = (3, 9)) -> tuple[np.ndarray, list[PageLine]]:
    """Render a plain page (A4 at 150 dpi by default: 1240×1754 px), dark text on white, left-aligned.

    Returns:
        (RGB image (H, W, 3) uint8, lines in reading order with their boxes).
    """
    w, h = size
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    pil_font = _load_font(font.spec.path, font.spec.index, font_px)
    ascent, descent = pil_font.getmetrics()
    y = margin
    lines: list[PageLine] = []
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
            if pil_font.getlength(cand) > w - 2 * margin:
                break
            text = cand
        if not text:
            continue
        x0 = margin
        draw.text((x0, y + ascent), text, font=pil_font, fill=(20, 20, 20), anchor="ls")
        bx = draw.textbbox((x0, y + ascent), text, font=pil_font, anchor="ls")
        lines.append(PageLine(text, (int(bx[0]), int(bx[1]), int(bx[2]), int(bx[3]))))
        y += int((ascent + descent) * (1 + line_gap))
    return np.asarray(img), lines
