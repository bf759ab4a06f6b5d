"""The Python API: ``korocr.Reader().read(image)``.

One path for data to flow: image → preprocessing → detection (line finding) → crops → recognition → result
objects (:mod:`korocr.io.elements`) → formatters (:mod:`korocr.formatters`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .detection.lines import find_lines
from .io.elements import Line, Page, words_from_alignment
from .io.image import ImageLoadError, ImageSource, load_image
from .recognition.onnx_recognizer import OnnxRecognizer


def _label(src: ImageSource, i: int) -> str:
    return str(src) if isinstance(src, (str, Path)) else f"<image {i}>"


class Reader:
    """Reads Korean (and Latin, digits, symbols) text from images on the CPU.

    Args:
        rec_model: recognition ``.onnx`` file (default: the model shipped with korocr).
        threads: onnxruntime threads (default: up to 4).
        batch_size: lines per recognition batch.

    Example:
        >>> page = Reader().read("sign.jpg")          # doctest: +SKIP
        >>> page.text, page.confidence                  # doctest: +SKIP
    """

    def __init__(self, rec_model: str | Path | None = None, threads: int | None = None, batch_size: int = 32):
        self.recognizer = OnnxRecognizer(rec_model, threads=threads, batch_size=batch_size)

    def read(self, image: ImageSource, line: bool = False, name: str | None = None) -> Page:
        """Read one image.

        Args:
            image: path, bytes, PIL image or RGB array.
            line: the image is a single text line (like Tesseract's ``--psm 7``); otherwise lines are found first.
            name: the image's name in the result (default: its path).

        Raises:
            ImageLoadError: the image cannot be read.
        """
        label = name or _label(image, 0)
        arr = load_image(image, name=label)
        if line:
            return self._read_line_images([arr], [label])[0]
        return self._read_page(arr, label)

    def read_many(self, images: Sequence[ImageSource], line: bool = False
                  ) -> Iterator[Page | ImageLoadError]:
        """Read several images, yielding a :class:`Page` or the :class:`ImageLoadError` for each, in order.

        With ``line=True`` the lines of all readable images are recognised together in batches.
        """
        if not line:
            for i, src in enumerate(images):
                try:
                    yield self.read(src, name=_label(src, i))
                except ImageLoadError as e:
                    yield e
            return
        loaded: list[np.ndarray | ImageLoadError] = []
        for i, src in enumerate(images):
            try:
                loaded.append(load_image(src, name=_label(src, i)))
            except ImageLoadError as e:
                loaded.append(e)
        good = [(i, a) for i, a in enumerate(loaded) if isinstance(a, np.ndarray)]
        pages = self._read_line_images([a for _, a in good], [_label(images[i], i) for i, _ in good])
        by_index = {i: p for (i, _), p in zip(good, pages)}
        for i, a in enumerate(loaded):
            yield by_index[i] if i in by_index else a  # type: ignore[misc]

    # --- internals -------------------------------------------------------------------------------
    def _read_line_images(self, arrays: Sequence[np.ndarray], labels: Sequence[str]) -> list[Page]:
        decoded = self.recognizer.recognize(list(arrays))
        pages = []
        for arr, label, d in zip(arrays, labels, decoded):
            h, w = arr.shape[:2]
            pages.append(Page(label, (w, h), [_line(d, (0, 0, w, h))]))
        return pages

    def _read_page(self, arr: np.ndarray, label: str) -> Page:
        h, w = arr.shape[:2]
        boxes = find_lines(arr)
        if not boxes:
            boxes_t = [(0, 0, w, h)]
        else:
            boxes_t = [b.as_tuple() for b in boxes]
        crops = [arr[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes_t]
        decoded = self.recognizer.recognize(crops)
        lines = [_line(d, box) for box, d in zip(boxes_t, decoded) if d.text.strip()]
        return Page(label, (w, h), lines)


def _line(d, box: tuple[int, int, int, int]) -> Line:
    words = words_from_alignment(d.text, d.char_confidences, d.spans, d.step_px, box)
    return Line(d.text, d.confidence, box, d.char_confidences, words)


def read(image: ImageSource, line: bool = False) -> Page:
    """Read one image with a default :class:`Reader` (convenience; create a Reader to read many)."""
    return Reader().read(image, line=line)

