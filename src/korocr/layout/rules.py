"""Ruling lines of tables and forms: long, thin horizontal strokes found by morphological opening of the
binarised page with a long horizontal structuring element (the classical approach of table-structure
recognition, e.g. Hassan & Baumgartner, "Table recognition and understanding from PDF files", ICDAR 2007;
OpenCV's line-extraction tutorial). Reading order (:mod:`.reading_order`) uses them as row separators, so a
ruled table is read row by row even when its columns are separated by clear gutters.
"""

from __future__ import annotations

import cv2
import numpy as np

Rule = tuple[float, float, float]  # y (px, centre of the stroke), x0, x1 (px)


def horizontal_rules(img: np.ndarray, min_length: int | None = None, max_thickness: int | None = None
                     ) -> list[Rule]:
    """Horizontal ruling lines of a page.

    Args:
        img: (H, W) or (H, W, 3) uint8 page.
        min_length: shortest rule (px); default the larger of 80 px and 1/8 of the page width, longer than
            the runs of horizontal strokes that neighbouring glyphs of a text line make.
        max_thickness: thickest rule (px); default the larger of 4 px and H/250.

    Returns:
        (y, x0, x1) per rule in px, top to bottom: dark rules on a light page (median grey at least 128), light
        rules on a dark one.
    """
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img
    H, W = gray.shape
    min_length = min_length or max(80, W // 8)
    max_thickness = max_thickness or max(4, H // 250)
    if W < min_length:
        return []
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (min_length, 1))
    out: list[Rule] = []
    src = gray if np.median(gray) >= 128 else 255 - gray  # rules darker than a light page, or lighter than a dark one
    ink = cv2.adaptiveThreshold(src, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 15)
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    # components only where the opening left anything: bands of consecutive rows with a stroke (a page holds a
    # few; labelling the whole, nearly empty page cost more than the rest of this function)
    rows = np.flatnonzero(np.diff(np.concatenate(([0], (lines.max(1) > 0).astype(np.int8), [0]))))
    for a, b in zip(rows[0::2].tolist(), rows[1::2].tolist()):
        _, _, stats, _ = cv2.connectedComponentsWithStats(lines[a:b], connectivity=8)
        for x, y, w, h, _ in stats[1:]:
            if w >= min_length and h <= max_thickness:
                out.append((a + y + h / 2.0, float(x), float(x + w)))
    return _merge(sorted(out))


def _merge(rules: list[Rule], tol: float = 3.0) -> list[Rule]:
    """Join rules on (nearly) the same y whose spans touch or overlap (one rule found twice, or cut by a
    crossing vertical line)."""
    out: list[Rule] = []
    for y, a, b in rules:
        for k, (y2, a2, b2) in enumerate(out):
            if abs(y - y2) <= tol and a <= b2 + tol and b >= a2 - tol:
                out[k] = ((y + y2) / 2, min(a, a2), max(b, b2))
                break
        else:
            out.append((y, a, b))
    return sorted(out)
