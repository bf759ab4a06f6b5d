"""The Python API: ``korocr.Reader().read(image)``.

One path for data to flow: image → preprocessing → detection (line finding) → crops → recognition → result
objects (:mod:`korocr.io.elements`) → formatters (:mod:`korocr.formatters`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from .detection import make_detector
from .detection.base import TextRegion
from .detection.postprocess import crop_region
from .io.elements import Block, Line, Page, union_box, words_from_alignment
from .io.image import ImageLoadError, ImageSource, load_image
from .layout.reading_order import deskewed_boxes, page_skew, reading_order
from .layout.rules import horizontal_rules
from .preprocessing.line import unstack_vertical
from .preprocessing.page import box_back, straighten
from .recognition import make_recognizer


def _label(src: ImageSource, i: int) -> str:
    return str(src) if isinstance(src, (str, Path)) else f"<image {i}>"


class Reader:
    """Reads Korean (and Latin, digits, symbols) text from images on the CPU.

    Args:
        rec_model: recognition model: an ``.onnx`` file (default: the model shipped with korocr), or a
            VisionEncoderDecoder (TrOCR) directory or hub name (needs torch + transformers).
        det_model: text detector: ``"default"`` (the DBNet-style detector shipped with korocr), a detection
            ``.onnx`` file (``korocr train --task det --export``), or ``"classical"`` / ``None`` for the classical
            line finder (:mod:`korocr.detection.lines`: projection profiles, no model); see :mod:`korocr.hub`.
        threads: onnxruntime threads (default: up to 4).
        batch_size: lines per recognition batch.
        max_side: with a detector, images are analysed with their longer side at most this many px.
        crop_pad: margin added around each detected line before recognition, as a fraction of the line height
            (default: the detector's own, 0.5 for the DBNet-style model, whose boxes hug the ink, 0 for the
            classical finder). For the DBNet-style model, on 6 tuning pages (training fonts, not the benchmark's)
            mean page CER was 0.120 / 0.094 / 0.084 / 0.109 for 0.25 / 0.35 / 0.5 / 0.7.
        min_confidence: in page mode, recognised lines with a lower confidence are dropped (most are detections
            on pictures, not text); 0.5 is PaddleOCR's ``drop_score``.  Line mode (``line=True``) keeps all.
        rec_options: extra arguments of a TrOCR recogniser (``processor``, ``num_beams``, ``max_length``,
            ``ctc_weight``) or an Inverse DALL-E one (``num_beams``, ``lm_weight``).
        rotate: page orientation: ``0`` (as loaded, after EXIF), ``90``/``180``/``270`` (turn the page
            counter-clockwise by that many degrees before reading), or ``"auto"``: when the upright reading is
            weak (no line, or page confidence below ``auto_rotate_below``) the page is also read turned: by 90
            and 270 degrees first when most of what was found is taller than wide (a page on its side), else by
            180 first, and the other turns only when those gave no confident reading; of those read, the one
            with the most confidently read characters (sum of line confidence × characters) is kept; boxes are
            then in the turned page's pixels and
            :attr:`Page.rotation` says by how much it was turned. Whatever the setting, a page on which more
            characters had to be read upside down (see ``flip_below``) than upright is read turned by a further
            180 degrees, so its lines come in reading order.
        device: ``"cpu"`` or ``"cuda"`` for the ONNX models (onnxruntime execution provider).
        flip_below, flip_margin: in page mode, a horizontal line read with confidence below ``flip_below`` is
            read again turned by 180 degrees, and that reading is kept (the line gets ``rotation`` 180) when it is
            at least ``flip_margin`` more confident and holds at least two letters (digits and punctuation, as
            in 6/9, read alike either way up): a line upside down on an upright page (PaddleOCR's
            text-direction classifier does this job there). ``flip_below=0`` turns this off.
        deskew: in page mode, a page whose lines are tilted by at least this many degrees (their width-weighted
            median tilt, :func:`~korocr.layout.reading_order.page_skew`) is straightened
            (:func:`~korocr.preprocessing.page.straighten`) and detected again before recognition, as Tesseract
            deskews a scan; boxes stay in the input's px. ``0`` turns this off. On the degraded pages of
            ``bench/bench_pages_browser.py`` (seeds 41 and 43: scans turned by up to 2.5 degrees or tilted in
            perspective), a table turned by 1.6 degrees read at page CER 0.54 before, 0.22 after.

    Raises:
        korocr.errors.ModelLoadError: a model that is missing or of the wrong kind.

    Example:
        >>> page = Reader().read("sign.jpg")          # doctest: +SKIP
        >>> page.text, page.confidence                  # doctest: +SKIP
    """

    def __init__(self, rec_model: str | Path | None = None, det_model: str | Path | None = "default",
                 threads: int | None = None, batch_size: int = 32, max_side: int = 1280,
                 rec_options: dict | None = None, crop_pad: float | None = None, min_confidence: float = 0.5,
                 rotate: int | str = 0, auto_rotate_below: float = 0.8, device: str = "cpu",
                 flip_below: float = 0.9, flip_margin: float = 0.1, deskew: float = 0.5):
        self.recognizer = make_recognizer(rec_model, threads=threads, batch_size=batch_size,
                                          **({"device": device} | (rec_options or {})))
        self.detector = make_detector(det_model, max_side=max_side, threads=threads, device=device)
        self.crop_pad = self.detector.crop_pad if crop_pad is None else crop_pad
        self.min_confidence = min_confidence
        if rotate not in (0, 90, 180, 270, "auto"):
            raise ValueError(f"rotate must be 0, 90, 180, 270 or 'auto', got {rotate!r}")
        self.rotate, self.auto_rotate_below = rotate, auto_rotate_below
        self.flip_below, self.flip_margin = flip_below, flip_margin
        if deskew < 0:
            raise ValueError(f"deskew must be >= 0 degrees, got {deskew}")
        self.deskew = deskew

    def read(self, image: ImageSource, line: bool = False, name: str | None = None, vertical: bool = False,
             channel_order: str = "rgb") -> Page:
        """Read one image.

        Args:
            image: path, bytes, PIL image or RGB array.
            line: the image is a single text line (like Tesseract's ``--psm 7``); otherwise lines are found first.
            name: the image's name in the result (default: its path).
            vertical: with ``line``, the line is a vertical column read top to bottom (it is cut into
                character cells laid side by side, :func:`korocr.preprocessing.line.unstack_vertical`).
            channel_order: of a numpy ``image``: ``"rgb"`` (Pillow, korocr) or ``"bgr"`` (``cv2.imread``).

        Raises:
            ImageLoadError: the image cannot be read.
        """
        label = name or _label(image, 0)
        if channel_order not in ("rgb", "bgr"):
            raise ValueError(f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}")
        if channel_order == "bgr" and isinstance(image, np.ndarray) and image.ndim == 3:
            image = image[..., [2, 1, 0, *range(3, image.shape[2])]]
        arr = load_image(image, name=label)
        if line:
            return self._read_line_images([arr], [label], vertical)[0]
        return self._read_page(arr, label)

    def read_many(self, images: Iterable[ImageSource], line: bool = False, vertical: bool = False,
                  names: Sequence[str] | None = None) -> Iterator[Page | ImageLoadError]:
        """Read several images, yielding a :class:`Page` or the :class:`ImageLoadError` for each, in order.

        Args:
            images: any iterable of paths, bytes, PIL images or arrays (RGB order, see :func:`load_image`).
            names: the images' names in the results (default: their paths, or ``<image i>``).

        With ``line=True`` the lines of all readable images are recognised together in batches; otherwise the
        images are taken from the iterable one at a time (a generator is never held in memory whole).
        """
        if not line:
            for i, src in enumerate(images):
                label = names[i] if names is not None else _label(src, i)
                try:
                    yield self.read(src, name=label)
                except ImageLoadError as e:
                    yield e
            return
        images = list(images)
        labels = list(names) if names is not None else [_label(src, i) for i, src in enumerate(images)]
        loaded: list[np.ndarray | ImageLoadError] = []
        for src, label in zip(images, labels):
            try:
                loaded.append(load_image(src, name=label))
            except ImageLoadError as e:
                loaded.append(e)
        good = [(i, a) for i, a in enumerate(loaded) if isinstance(a, np.ndarray)]
        pages = self._read_line_images([a for _, a in good], [labels[i] for i, _ in good], vertical)
        by_index = {i: p for (i, _), p in zip(good, pages)}
        for i, a in enumerate(loaded):
            yield by_index[i] if i in by_index else a  # type: ignore[misc]

    # --- internals -------------------------------------------------------------------------------
    def _read_line_images(self, arrays: Sequence[np.ndarray], labels: Sequence[str], vertical: bool = False
                          ) -> list[Page]:
        unstack = vertical and not getattr(self.recognizer, "reads_vertical", False)
        crops = [unstack_vertical(a) for a in arrays] if unstack else list(arrays)
        decoded = self.recognizer.recognize(crops)
        pages = []
        for arr, label, d in zip(arrays, labels, decoded):
            h, w = arr.shape[:2]
            pages.append(Page(label, (w, h), [_line(d, (0, 0, w, h), vertical)]))
        return pages

    def _read_page(self, arr: np.ndarray, label: str) -> Page:
        if self.rotate == "auto":
            found: list[TextRegion] = []
            best = self._read_turned(arr, label, 0, found)
            best_found = len(found)
            if self._confident(best, best_found):
                return best
            # a page on its side shows mostly tall regions (its lines), one upside down mostly wide ones: try the
            # likelier turns first and stop when they give a confident reading. 90 and 270 are always read
            # together: a page turned the wrong way by 180 degrees can still read with some confidence.
            groups = ((90, 270), (180,)) if _mostly_tall([r.box for r in found]) else ((180,), (90, 270))
            for group in groups:
                for angle in group:
                    regions: list[TextRegion] = []
                    page = self._read_turned(arr, label, angle, regions)
                    if _score(page) > _score(best):
                        best, best_found = page, len(regions)
                if self._confident(best, best_found):
                    break
            return best
        page = self._read_turned(arr, label, int(self.rotate))
        if _mostly_flipped(page):  # every line upside down: the page is, so read it turned (lines in order)
            page = self._read_turned(arr, label, (int(self.rotate) + 180) % 360)
        return page

    def _confident(self, page: Page, regions: int) -> bool:
        """A reading to settle for: confident, not mostly upside down, and of at least half the ``regions``
        found (on a page on its side, most lines read so badly that they are dropped, and the two or three
        fragments left can read with high confidence)."""
        return (bool(page.lines) and page.confidence >= self.auto_rotate_below and not _mostly_flipped(page)
                and len(page.lines) >= 0.5 * regions)

    def _read_turned(self, arr: np.ndarray, label: str, angle: int, found: list | None = None) -> Page:
        page = self._read_upright(_turn(arr, angle) if angle else arr, label, found)
        page.rotation = angle
        return page

    def _read_upright(self, arr: np.ndarray, label: str, found: list | None = None, deskew: bool = True) -> Page:
        """Detect, recognise and order one upright page; the detected regions are also appended to ``found``.
        With ``deskew``, a page tilted by at least ``self.deskew`` degrees is read straightened instead (once)."""
        h, w = arr.shape[:2]
        regions = self.detector.detect(arr)
        skew = page_skew([r.quad for r in regions], [r.vertical for r in regions]) if deskew else 0.0
        if abs(skew) >= self.deskew > 0:  # straightened once: the second reading is not turned again
            straight, back = straighten(arr, skew)
            page = self._page_back(self._read_upright(straight, label, found, deskew=False), back, (w, h))
            page.skew = skew
            return page
        if found is not None:
            found.extend(regions)
        if not regions and (self.detector.whole_image_fallback or _line_like(w, h)):
            regions = [TextRegion.from_box((0, 0, w, h))]  # a crop of one line (or column) the detector missed
            regions[0].vertical = h > 2 * w
        crops, boxes = [], [r.box for r in regions]
        for r in regions:
            c = crop_region(arr, r, self.crop_pad, others=boxes)
            crops.append(unstack_vertical(c) if r.vertical and not getattr(self.recognizer, "reads_vertical", False)
                         else c)
        decoded = self.recognizer.recognize(crops)
        flipped = self._flipped_lines(crops, regions, decoded)
        lines, vertical, quads = [], [], []
        for k, (r, d) in enumerate(zip(regions, decoded)):
            if k in flipped:
                d = flipped[k]
            if not d.text.strip() or d.confidence < self.min_confidence:
                continue
            vertical.append(r.vertical)
            quads.append(r.quad)
            lines.append(_line(d, r.box, r.vertical, flipped=k in flipped))
        rules = horizontal_rules(arr) if len(lines) > 2 else []
        return _ordered_page(label, (w, h), lines, vertical, rules, quads)


    def _page_back(self, page: Page, back: np.ndarray, size: tuple[int, int]) -> Page:
        """``page`` read on a straightened copy (:func:`~korocr.preprocessing.page.straighten`) with its line,
        word and block boxes taken back to the input's px (the boxes around the turned ones)."""
        for ln in page.lines:
            ln.box = box_back(ln.box, back, size)
            for wd in ln.words:
                wd.box = box_back(wd.box, back, size)
        for b in page.blocks:
            b.box = box_back(b.box, back, size)
        page.size = size
        return page

    def _flipped_lines(self, crops: list[np.ndarray], regions: list[TextRegion], decoded: list) -> dict:
        """Horizontal lines read with confidence below ``flip_below`` are read again turned by 180 degrees (a
        line upside down on an upright page, as PaddleOCR's text-direction classifier handles); the turned
        reading replaces the first where it is at least ``flip_margin`` more confident. Returns {index: decoding}."""
        if not self.flip_below:
            return {}
        weak = [k for k, (r, d) in enumerate(zip(regions, decoded))
                if not r.vertical and d.confidence < self.flip_below]
        if not weak:
            return {}
        again = self.recognizer.recognize([np.ascontiguousarray(crops[k][::-1, ::-1]) for k in weak])
        return {k: d for k, d in zip(weak, again)
                if d.confidence >= decoded[k].confidence + self.flip_margin and _letters(d.text) >= FLIP_MIN_LETTERS}


FLIP_MIN_LETTERS = 2  # a turned reading with fewer letters is no evidence that the line was upside down


def _letters(text: str) -> int:
    """Letters (Hangul, Latin, Hanja: ``str.isalpha``) in ``text``. Digits and punctuation are no evidence of a
    line's orientation: 6 and 9, 0, 8, 1, commas and dots read much alike either way up, so a one-digit table
    cell read as 9 may read more confidently as 6 turned round."""
    return sum(ch.isalpha() for ch in text)


def _line_like(w: int, h: int) -> bool:
    """Shaped like a crop of one line (at least 2:1, at most 400 px across its short side) or column."""
    return min(w, h) <= 400 and max(w, h) >= 2 * min(w, h)


def _turn(arr: np.ndarray, angle: int) -> np.ndarray:
    """The image turned counter-clockwise by ``angle`` degrees (a multiple of 90)."""
    return np.ascontiguousarray(np.rot90(arr, k=angle // 90))


def _score(page: Page) -> float:
    """Confidently read characters: the sum over lines of confidence × characters (spaces excluded); lines
    that had to be read upside down do not count (the page turned the other way round reads them upright)."""
    return sum(ln.confidence * len("".join(ln.text.split())) for ln in page.lines if not ln.rotation)


def _mostly_tall(boxes: Sequence[tuple[int, int, int, int]]) -> bool:
    """More of the boxes' area is in boxes taller than wide (a page on its side, or vertical columns)."""
    tall = wide = 0
    for b in boxes:
        w, h = b[2] - b[0], b[3] - b[1]
        if h > w:
            tall += w * h
        else:
            wide += w * h
    return tall > wide


def _mostly_flipped(page: Page) -> bool:
    """More of the page's letters (:func:`_letters`) were read upside down than upright. Digits and punctuation
    are not counted: a receipt turned by 180 degrees reads its price column confidently as digits the other way
    up (66,900 as ``006'99``), which outnumbered the letters of its item lines, read upside down, and kept the
    page the wrong way up (seed-43 page bench, session 23)."""
    n = [_letters(ln.text) for ln in page.lines]
    return sum(k for k, ln in zip(n, page.lines) if ln.rotation) > sum(n) / 2


def _ordered_page(label: str, size: tuple[int, int], lines: list[Line], vertical: list[bool],
                  rules: Sequence[tuple[float, float, float]] = (), quads: Sequence[np.ndarray] = ()) -> Page:
    """Lines in reading order (recursive XY-cut; ruling lines separate table rows) grouped into blocks. On a
    skewed page (``quads``: the lines' detected corners; :func:`~korocr.layout.reading_order.page_skew` at least
    0.3 degrees) the order is found on the boxes the lines would have on the page turned straight, so that a
    receipt's item and price, whose boxes no longer share a row, still read as one row."""
    boxes = [ln.box for ln in lines]
    skew = page_skew(quads, vertical) if len(quads) == len(lines) else 0.0
    if abs(skew) >= 0.3:
        center = (size[0] / 2, size[1] / 2)
        boxes = deskewed_boxes(quads, skew, center)
        rules = [_deskew_rule(r, skew, center) for r in rules]
    order, blocks = reading_order(boxes, vertical, rules=rules)
    ordered = [lines[i] for i in order]
    return Page(label, size, ordered,
                [Block([ordered[k] for k in b.lines], union_box(ordered[k].box for k in b.lines)) for b in blocks])


def _deskew_rule(rule: tuple[float, float, float], angle: float, center: tuple[float, float]
                 ) -> tuple[float, float, float]:
    """A horizontal ruling line (y, x0, x1) px in the frame of :func:`deskewed_boxes`."""
    y, x0, x1 = rule
    quad = np.array([[x0, y], [x1, y], [x1, y], [x0, y]], np.float64)
    bx0, by0, bx1, by1 = deskewed_boxes([quad], angle, center)[0]
    return ((by0 + by1) / 2, bx0, bx1)


def _line(d, box: tuple[int, int, int, int], vertical: bool = False, flipped: bool = False) -> Line:
    """A result line; word boxes come from the CTC alignment (an unstacked vertical column, or a line read
    upside down, has none: its words get the line's box)."""
    if vertical or flipped:
        words = words_from_alignment(d.text, d.char_confidences, [], 0, box)
    else:
        words = words_from_alignment(d.text, d.char_confidences, d.spans, d.step_px, box, d.offset_px)
    return Line(d.text, d.confidence, box, d.char_confidences, words, rotation=180 if flipped else 0)


def read(image: ImageSource, line: bool = False) -> Page:
    """Read one image with a default :class:`Reader` (convenience; create a Reader to read many)."""
    return Reader().read(image, line=line)

