"""Searchable PDF output: each page image with an invisible, selectable text layer (fpdf2;
``pip install 'korocr[pdf]'``), like Tesseract's ``pdf`` output and OCRmyPDF.

Each recognised line is written in text render mode 3 (invisible) at its box: the font size follows the box
height and the text is stretched horizontally to the box width, so selecting or searching in a viewer highlights
the right place. The text layer needs a font with Hangul: ``font`` or the first of NanumGothic, Noto Sans KR,
Noto Sans CJK KR found (system fonts, or the PyPI font packages of ``korocr[train]``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable

import numpy as np

from .errors import KorocrError, require
from .io.elements import Page

FONT_PREFERENCE = ("NanumGothic", "NotoSansKR-Regular", "NotoSansKR_400Regular", "NotoSansCJK-Regular*",
                   "NotoSansCJKkr-Regular*", "UnDotum")


def find_text_font(font: str | Path | None = None) -> Path:
    """A TrueType font with Hangul for the text layer.

    Raises:
        KorocrError: none found.
    """
    if font:
        p = Path(font)
        if not p.is_file():
            raise KorocrError(f"{p}: no such font file")
        return p
    from .synth.fonts import discover_fonts

    fonts = discover_fonts(include=list(FONT_PREFERENCE))
    for pref in FONT_PREFERENCE:
        for f in fonts:
            if f.spec.path.lower().endswith((".ttf", ".otf")) and Path(f.spec.path).stem.startswith(pref.rstrip("*")):
                return Path(f.spec.path)
    raise KorocrError("no Korean TrueType font for the PDF text layer: install fonts-nanum (or pip install "
                      "koreanize-matplotlib) or pass a font file")


def write_searchable_pdf(pages: Iterable[tuple[np.ndarray, Page]], path: str | Path, dpi: float = 150,
                         font: str | Path | None = None) -> Path:
    """Write ``(RGB image (H, W, 3), Page)`` pairs as a PDF of ``dpi`` resolution with an invisible text layer.

    Raises:
        KorocrError: no Korean font; korocr.errors.MissingDependencyError: fpdf2 is not installed.
    """
    import logging

    fpdf = require("fpdf", "pdf", "--format pdf")
    from fpdf.enums import TextMode

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "TSI0 NOT subset" notes of hinted fonts
    from PIL import Image

    font_path = find_text_font(font)
    pdf = fpdf.FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_font("korocr-text", fname=str(font_path))
    k = 72.0 / dpi  # pt per px
    n = 0
    for img, page in pages:
        h, w = img.shape[:2]
        pdf.add_page(format=(w * k, h * k))
        buf = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(img[..., :3])).save(buf, "JPEG", quality=85)
        buf.seek(0)
        pdf.image(buf, x=0, y=0, w=w * k, h=h * k)
        pdf.text_mode = TextMode.INVISIBLE
        for line in page.lines:
            text = " ".join(line.text.split())
            if not text:
                continue
            x0, y0, x1, y1 = line.box
            bh, bw = (y1 - y0) * k, (x1 - x0) * k
            size = max(1.0, bh * 0.8)
            pdf.set_font("korocr-text", size=size)
            width = pdf.get_string_width(text)
            pdf.set_stretching(100.0 * bw / width if width > 0 else 100.0)
            pdf.text(x0 * k, y1 * k - bh * 0.2, text)
        pdf.set_stretching(100.0)
        pdf.text_mode = TextMode.FILL
        n += 1
    if n == 0:
        raise KorocrError("no page to write")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path
