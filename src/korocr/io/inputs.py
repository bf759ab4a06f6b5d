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


def _paths(item: str) -> tuple[list[str | Path], list[str]]:
    """The files one command-line input names: itself, an ``@list`` file's lines, a directory's images and
    PDFs (recursively, sorted) or a glob's matches; and the problems (an unreadable list, no match)."""
    if item.startswith("@") and len(item) > 1:
        try:
            return [ln.strip() for ln in Path(item[1:]).read_text(encoding="utf-8").splitlines() if ln.strip()], []
        except (OSError, UnicodeDecodeError) as e:
            return [], [f"{item[1:]}: cannot read the list ({e})"]
    if Path(item).is_dir():
        found = sorted(p for p in Path(item).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        return found, ([] if found else [f"{item}: no images or PDFs in this directory"])
    if any(c in item for c in "*?[") and not Path(item).exists():
        found = sorted(glob.glob(item, recursive=True))
        return found, ([] if found else [f"{item}: no file matches"])
    return [item], []


def list_pages(items: Sequence[str], pages: Sequence[int] | None = None) -> tuple[list[dict], list[str]]:
    """Work items for batch reading, without decoding any image: ``{"path", "page", "name"}`` per image, per
    selected PDF page and per frame of a multi-page TIFF (``page`` 1-based, 0 for a plain image), and the
    problems. Inputs as :func:`expand_inputs` takes them, except ``-``."""
    from .pdf import PdfLoadError, is_pdf, pdf_page_count

    out: list[dict] = []
    problems: list[str] = []
    for item in items:
        if item == "-":
            problems.append("-: standard input cannot be shared with batch workers; save it to a file")
            continue
        paths, why = _paths(item)
        problems += why
        for p in paths:
            label = str(p)
            if is_pdf(p):
                try:
                    n = pdf_page_count(p)
                except PdfLoadError as e:
                    problems.append(str(e))
                    continue
                for k in (pages or range(1, n + 1)):
                    if k > n:
                        problems.append(f"{label}: has {n} page(s); page {k} does not exist")
                        break
                    out.append({"path": label, "page": k, "name": f"{label}#page={k}"})
            elif Path(p).suffix.lower() in (".tif", ".tiff") and Path(p).is_file() and _frames(Path(p)) > 1:
                out += [{"path": label, "page": k, "name": f"{label}#page={k}"} for k in range(1, _frames(Path(p)) + 1)]
            else:
                out.append({"path": label, "page": 0, "name": label})
    return out, problems


def load_page(item: dict, dpi: float = 150):
    """The RGB image (H, W, 3) uint8 of a :func:`list_pages` item.

    Raises:
        korocr.io.image.ImageLoadError: the image or page cannot be read.
    """
    from .image import ImageLoadError, load_image
    from .pdf import PdfLoadError, is_pdf, render_pdf

    path, page = item["path"], int(item.get("page", 0))
    if page and is_pdf(path):
        try:
            return next(render_pdf(path, dpi=dpi, pages=[page], name=path))[1]
        except PdfLoadError as e:
            raise ImageLoadError(str(e)) from None
    if page:
        from PIL import Image

        import numpy as np

        try:
            with Image.open(path) as im:
                im.seek(page - 1)
                return np.asarray(im.convert("RGB"))
        except (OSError, EOFError) as e:
            raise ImageLoadError(f"{item['name']}: cannot read this frame ({e})") from None
    return load_image(path, name=item["name"])


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
            continue
        paths, why = _paths(item)
        problems += why
        for p in paths:
            add_file(p)
    return sources, names, problems
