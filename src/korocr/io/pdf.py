"""PDF pages as images (pypdfium2, PDFium's Python binding; ``pip install 'korocr[pdf]'``)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from ..errors import KorocrError, require


class PdfLoadError(KorocrError):
    """A PDF that cannot be opened or rendered, or a page range outside it."""


def parse_pages(spec: str | None) -> list[int] | None:
    """``"1-3,5"`` → ``[1, 2, 3, 5]`` (1-based); ``None`` or ``""`` → all pages.

    Raises:
        PdfLoadError: a malformed range.
    """
    if not spec:
        return None
    out: list[int] = []
    try:
        for part in spec.split(","):
            a, _, b = part.strip().partition("-")
            lo, hi = int(a), int(b or a)
            if lo < 1 or hi < lo:
                raise ValueError
            out += range(lo, hi + 1)
    except ValueError:
        raise PdfLoadError(f"--pages {spec!r}: expected page numbers and ranges like 1-3,5") from None
    return out


def is_pdf(data_or_path: bytes | str | Path) -> bool:
    """A ``.pdf`` path, or bytes starting with ``%PDF``."""
    if isinstance(data_or_path, (bytes, bytearray)):
        return bytes(data_or_path[:5]) == b"%PDF-"
    return str(data_or_path).lower().endswith(".pdf")


def pdf_page_count(src: str | Path, name: str | None = None) -> int:
    """Pages in a PDF file.

    Raises:
        PdfLoadError: unreadable or password-protected file.
        korocr.errors.MissingDependencyError: pypdfium2 is not installed.
    """
    pdfium = require("pypdfium2", "pdf", "reading PDF files")
    try:
        doc = pdfium.PdfDocument(str(src))
    except Exception as e:  # noqa: BLE001 - pypdfium2 raises PdfiumError and OSError
        raise PdfLoadError(f"{name or src}: not a readable PDF ({e})") from None
    try:
        return len(doc)
    finally:
        doc.close()


def render_pdf(src: bytes | str | Path, dpi: float = 150, pages: Sequence[int] | None = None,
               max_pages: int | None = None, name: str | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Render pages of a PDF to RGB arrays (H, W, 3) uint8 at ``dpi``, yielding ``(page number, image)``.

    Args:
        pages: 1-based page numbers (default: all).
        max_pages: refuse documents (or selections) with more pages than this.

    Raises:
        PdfLoadError: unreadable or password-protected file, pages out of range, too many pages.
        korocr.errors.MissingDependencyError: pypdfium2 is not installed.
    """
    pdfium = require("pypdfium2", "pdf", "reading PDF files")
    label = name or (str(src) if not isinstance(src, (bytes, bytearray)) else "<pdf>")
    try:
        doc = pdfium.PdfDocument(bytes(src) if isinstance(src, (bytes, bytearray)) else str(src))
    except Exception as e:  # noqa: BLE001 - pypdfium2 raises PdfiumError and OSError
        raise PdfLoadError(f"{label}: not a readable PDF ({e})") from None
    try:
        n = len(doc)
        wanted = list(pages) if pages else list(range(1, n + 1))
        bad = [p for p in wanted if p > n]
        if bad:
            raise PdfLoadError(f"{label}: has {n} page(s); page {bad[0]} does not exist")
        if max_pages is not None and len(wanted) > max_pages:
            raise PdfLoadError(f"{label}: {len(wanted)} pages asked, at most {max_pages} allowed")
        for p in wanted:
            page = doc[p - 1]
            try:
                img = page.render(scale=dpi / 72).to_pil().convert("RGB")
            finally:
                page.close()
            yield p, np.asarray(img)
    finally:
        doc.close()
