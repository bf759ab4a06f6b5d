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
    """The image with each line's box (green) and its text on a white label above it (RGB)."""
    img = Image.fromarray(image).convert("RGB")
    draw = ImageDraw.Draw(img)
    path = korean_font_path()
    for line in page.lines:
        x0, y0, x1, y1 = line.box
        draw.rectangle((x0, y0, x1, y1), outline=(0, 200, 0), width=max(1, min(img.size) // 300))
        size = max(10, min(40, int((y1 - y0) * 0.6)))
        font = ImageFont.truetype(path, size) if path else ImageFont.load_default()
        label = f"{line.text} ({line.confidence:.2f})"
        tb = draw.textbbox((x0, y0), label, font=font, anchor="lb")
        ty = y0 if tb[1] >= 0 else y1 + (tb[3] - tb[1])
        tb = draw.textbbox((x0, ty), label, font=font, anchor="lb")
        draw.rectangle(tb, fill=(255, 255, 255))
        draw.text((x0, ty), label, font=font, fill=(200, 0, 0), anchor="lb")
    return img
