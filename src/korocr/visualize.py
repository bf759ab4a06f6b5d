"""Draw results on the image: line boxes and the recognised text, with a Korean-capable font (``--visualize``)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .io.elements import Page


@lru_cache(maxsize=1)
def korean_font_path() -> str | None:
    """A font file with Hangul: fontconfig's choice for Korean, else one from the PyPI font packages."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=ko"], capture_output=True, text=True,
                                 timeout=20, check=False).stdout.strip()
            if out and Path(out).is_file():
                return out
        except (OSError, subprocess.SubprocessError):
            pass
    for pkg in ("koreanize_matplotlib", "pylopdf_fonts_ko"):
        spec = importlib.util.find_spec(pkg)
        for d in (spec.submodule_search_locations or []) if spec else []:
            for f in sorted(Path(d).rglob("*")):
                if f.suffix.lower() in (".ttf", ".otf"):
                    return str(f)
    return None


def draw_page(image: np.ndarray, page: Page) -> Image.Image:
    """Side-by-side picture of a result, as PaddleOCR's ``draw_ocr_box_txt`` does: on the left the image with
    each line's box (green; vertical lines blue), on the right a white canvas of the same size with each
    line's recognised text written inside its box (a Korean-capable font, sized to the box) and its confidence.

    Args:
        image: the RGB image (H, W, 3) uint8 that was read.
        page: its result.

    Returns:
        RGB image of (2W, H) px.
    """
    left = Image.fromarray(image).convert("RGB")
    w, h = left.size
    right = Image.new("RGB", (w, h), (255, 255, 255))
    dl, dr = ImageDraw.Draw(left), ImageDraw.Draw(right)
    path = korean_font_path()
    lw = max(1, min(w, h) // 300)
    for line in page.lines:
        x0, y0, x1, y1 = line.box
        vertical = (y1 - y0) > 1.5 * (x1 - x0) and len(line.text.replace(" ", "")) > 1
        colour = (0, 90, 255) if vertical else (0, 170, 0)
        dl.rectangle((x0, y0, x1, y1), outline=colour, width=lw)
        dr.rectangle((x0, y0, x1, y1), outline=colour, width=1)
        text = line.text
        if vertical:  # one character per row, as it stands in the image
            chars = text.replace(" ", "")
            size = max(8, min(int((y1 - y0) / max(1, len(chars)) * 0.85), int((x1 - x0) * 0.9)))
            font = ImageFont.truetype(path, size) if path else ImageFont.load_default()
            for i, ch in enumerate(chars):
                dr.text(((x0 + x1) / 2, y0 + (i + 0.5) * (y1 - y0) / len(chars)), ch, font=font, fill=(0, 0, 0),
                        anchor="mm")
        else:
            size = max(8, int((y1 - y0) * 0.75))
            font = ImageFont.truetype(path, size) if path else ImageFont.load_default()
            tw = dr.textlength(text, font=font) if text else 1
            if tw > (x1 - x0) and path:  # shrink to fit the box width
                size = max(8, int(size * (x1 - x0) / tw))
                font = ImageFont.truetype(path, size)
            dr.text((x0 + 2, (y0 + y1) / 2), text, font=font, fill=(0, 0, 0), anchor="lm")
        small = ImageFont.truetype(path, max(8, min(14, h // 60))) if path else ImageFont.load_default()
        dr.text((x1 + 2, y0), f"{line.confidence:.2f}", font=small, fill=(200, 0, 0), anchor="lt")
    out = Image.new("RGB", (2 * w, h), (255, 255, 255))
    out.paste(left, (0, 0))
    out.paste(right, (w, 0))
    return out
