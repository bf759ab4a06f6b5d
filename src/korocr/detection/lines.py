"""Text-line finding without a learned model (``--detect-model classical``).

Method (classic document-analysis pipeline, cf. O'Gorman's "docstrum" and run-length smearing, Wong et al.
1982): local adaptive thresholding for the text polarity whose foreground is the minority, connected
components filtered by size, component boxes smeared horizontally by about one character height (joining
syllables and words of a line) and slightly vertically (joining the stacked jamo of a syllable), then the
connected regions of the smeared mask are the lines, ordered top to bottom, then left to right.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..preprocessing.line import to_gray
from .base import TextRegion


@dataclass
class LineBox:
    """(x0, y0, x1, y1) px in the input image."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.x0, self.y0, self.x1, self.y1)


def _components(mask: np.ndarray, min_area: int) -> np.ndarray:
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    st = stats[1:]  # x, y, w, h, area
    h_img, w_img = mask.shape
    keep = (st[:, 4] >= min_area) & (st[:, 3] >= 3)
    keep &= ~((st[:, 2] > 0.95 * w_img) | (st[:, 3] > 0.95 * h_img))  # frames, page borders
    keep &= ~((st[:, 2] > 15 * st[:, 3]) & (st[:, 3] <= 4))  # rules and underlines
    fill = st[:, 4] / np.maximum(1, st[:, 2] * st[:, 3])
    big = (st[:, 2] > 0.5 * w_img) | (st[:, 3] > 0.5 * h_img)
    keep &= ~(big & (fill < 0.15))  # frames and sign borders: large, hollow
    st = st[keep]
    if len(st):
        med = float(np.median(st[:, 3]))
        fill = st[:, 4] / np.maximum(1, st[:, 2] * st[:, 3])
        blob = (st[:, 2] > 2.5 * med) & (st[:, 3] > 2.5 * med) & (fill > 0.8)  # solid regions (sky, panels)
        st = st[~blob]
    return st


def _binarize(gray: np.ndarray) -> list[np.ndarray]:
    h, w = gray.shape
    block = max(15, (min(h, w) // 8) | 1)
    masks = []
    for g in (gray, 255 - gray):  # dark text, then light text
        m = cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)
        masks.append(m)
    return masks


def _score(st: np.ndarray) -> float:
    """Prefer the polarity with many similar-height components (text) over few big blobs."""
    if len(st) == 0:
        return 0.0
    hs = st[:, 3].astype(np.float32)
    med = np.median(hs)
    similar = np.abs(hs - med) < 0.5 * med + 1
    return float(similar.sum()) * float(np.log1p(med))


def _smear(mask: np.ndarray, kx_px: float, char_h: float) -> np.ndarray:
    kx = max(3, int(round(kx_px)))
    ky = max(1, int(round(char_h * 0.25)))
    out = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (kx, ky)))
    return cv2.erode(out, cv2.getStructuringElement(cv2.MORPH_RECT, (kx, max(1, ky // 2))))


def find_lines(img: np.ndarray, max_side: int = 2000, min_height: int = 6) -> list[LineBox]:
    """Find horizontal text lines.

    Args:
        img: (H, W) or (H, W, 3) uint8.
        max_side: images are analysed at most this large (px); boxes are returned at full resolution.
        min_height: drop lines lower than this (px, at analysis scale).

    Returns:
        Line boxes in reading order (top to bottom, left to right within a row); empty if nothing was found.
    """
    gray = to_gray(img)
    h0, w0 = gray.shape
    scale = min(1.0, max_side / max(h0, w0))
    if scale < 1.0:
        gray = cv2.resize(gray, (int(w0 * scale), int(h0 * scale)), interpolation=cv2.INTER_AREA)
    h, w = gray.shape
    min_area = max(4, int(h * w * 2e-6))

    best = None
    for mask in _binarize(gray):
        st = _components(mask, min_area)
        s = _score(st)
        if best is None or s > best[0]:
            best = (s, st)
    st = best[1] if best else np.zeros((0, 5), int)
    if len(st) == 0:
        return []

    char_h = float(np.median(st[:, 3]))
    boxes_mask = np.zeros((h, w), np.uint8)
    for x, y, bw, bh, _ in st:
        boxes_mask[y:y + bh, x:x + bw] = 255
    # pass 1 joins jamo into syllables and syllables into words; its regions give the line height, which sets
    # the horizontal smear of pass 2 (about one line height: joins words, keeps columns apart)
    smear = _smear(boxes_mask, char_h, char_h)
    _, _, st1, _ = cv2.connectedComponentsWithStats(smear, connectivity=8)
    hs = st1[1:, 3]
    line_h = float(np.median(hs[hs >= min_height])) if np.any(hs >= min_height) else char_h
    smear = _smear(boxes_mask, max(char_h, line_h * 1.2), char_h)

    n, _, stats, _ = cv2.connectedComponentsWithStats(smear, connectivity=8)
    boxes = []
    for x, y, bw, bh, _ in stats[1:]:
        if bh < min_height or bw < min_height:
            continue
        pad_y = int(round(bh * 0.12)) + 1
        pad_x = int(round(bh * 0.25)) + 1
        x0, y0 = max(0, x - pad_x), max(0, y - pad_y)
        x1, y1 = min(w, x + bw + pad_x), min(h, y + bh + pad_y)
        boxes.append(LineBox(int(x0 / scale), int(y0 / scale), int(np.ceil(x1 / scale)), int(np.ceil(y1 / scale))))
    return order_lines(boxes)


def order_lines(boxes: list[LineBox]) -> list[LineBox]:
    """Reading order for horizontal text: rows top to bottom (boxes overlapping vertically by more than half
    the smaller height share a row), left to right within a row."""
    rows: list[list[LineBox]] = []
    for b in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        for row in rows:
            r = row[0]
            overlap = min(r.y1, b.y1) - max(r.y0, b.y0)
            if overlap > 0.5 * min(r.height, b.height):
                row.append(b)
                break
        else:
            rows.append([b])
    return [b for row in rows for b in sorted(row, key=lambda b: b.x0)]


class ClassicalDetector:
    """The projection-profile line finder behind the :class:`~korocr.detection.base.Detector` interface.

    Its boxes already hold the lines' ink with a margin, so crops get no extra padding; when no line is found
    the reader takes the whole image as one line.
    """

    crop_pad = 0.0
    whole_image_fallback = True

    def __init__(self, max_side: int = 2000, min_height: int = 6):
        self.max_side, self.min_height = max_side, min_height

    def detect(self, img: np.ndarray) -> list[TextRegion]:
        return [TextRegion.from_box(b.as_tuple()) for b in find_lines(img, self.max_side, self.min_height)]
