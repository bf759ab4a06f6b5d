"""What ``korocr read`` accepts, expanded into images: files, directories, glob patterns, ``@list.txt`` files
(one path per line, as in Tesseract), ``-`` for standard input, PDFs (one image per page) and multi-page TIFFs
(one image per frame)."""

from __future__ import annotations

import glob
import sys
from pathlib import Path
from typing import Sequence

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".pdf")


def _frames(path: Path) -> int:
    from PIL import Image

    try:
        with Image.open(path) as im:
            return int(getattr(im, "n_frames", 1))
    except Exception:  # noqa: BLE001 - unreadable: load_image reports it later
        return 1


def _tiff_frames(path: Path) -> list:
    from PIL import Image

    import numpy as np

    out = []
    with Image.open(path) as im:
        for k in range(im.n_frames):
            im.seek(k)
            out.append(np.asarray(im.convert("RGB")))
    return out


def expand_inputs(items: Sequence[str], dpi: float = 150, pages: Sequence[int] | None = None
                  ) -> tuple[list, list[str], list[str]]:
    """(sources, names, problems): sources are paths, bytes or arrays; names say where each came from
    (``doc.pdf#page=2``, ``scan.tif#page=3``, ``<stdin>``); problems are messages for inputs that gave nothing
    (a glob without match, an empty directory, an unreadable PDF)."""
    from .pdf import PdfLoadError, is_pdf, render_pdf

    sources: list = []
    names: list[str] = []
    problems: list[str] = []

    def add_file(p: Path | str, label: str | None = None, data: bytes | None = None) -> None:
        label = label or str(p)
        if (data is not None and is_pdf(data)) or (data is None and is_pdf(p)):
            try:
                for k, arr in render_pdf(data if data is not None else p, dpi=dpi, pages=pages, name=label):
                    sources.append(arr)
                    names.append(f"{label}#page={k}")
            except PdfLoadError as e:
                problems.append(str(e))
            return
        if data is not None:
            sources.append(data)
            names.append(label)
            return
        p = Path(p)
        if p.suffix.lower() in (".tif", ".tiff") and p.is_file() and _frames(p) > 1:
            for k, arr in enumerate(_tiff_frames(p), 1):
                sources.append(arr)
                names.append(f"{label}#page={k}")
            return
        sources.append(p)
        names.append(label)

    for item in items:
        if item == "-":
            add_file("<stdin>", "<stdin>", sys.stdin.buffer.read())
        elif item.startswith("@") and len(item) > 1:
            try:
                listed = [ln.strip() for ln in Path(item[1:]).read_text(encoding="utf-8").splitlines() if ln.strip()]
            except (OSError, UnicodeDecodeError) as e:
                problems.append(f"{item[1:]}: cannot read the list ({e})")
                continue
            for ln in listed:
                add_file(ln)
        elif Path(item).is_dir():
            found = sorted(p for p in Path(item).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                problems.append(f"{item}: no images or PDFs in this directory")
            for p in found:
                add_file(p)
        elif any(c in item for c in "*?[") and not Path(item).exists():
            found = sorted(glob.glob(item, recursive=True))
            if not found:
                problems.append(f"{item}: no file matches")
            for p in found:
                add_file(p)
        else:
            add_file(item)
    return sources, names, problems
