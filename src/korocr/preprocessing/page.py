"""Page-level preprocessing: straightening a skewed page before detection."""

from __future__ import annotations

import cv2
import numpy as np

from .line import border_colour

Box = tuple[int, int, int, int]


def straighten(img: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Turn a page by ``angle`` degrees counter-clockwise (image coordinates, y down) on a canvas grown to hold
    all of it, so that lines tilted clockwise by ``angle`` (the skew of
    :func:`korocr.layout.reading_order.page_skew`) come out level. Bicubic interpolation; the corners the turn
    uncovers get the page's border colour (median of its outermost rows and columns), not stretched edges.

    Args:
        img: (H, W) or (H, W, C) uint8 page.
        angle: degrees; positive turns counter-clockwise.

    Returns:
        The straightened page (H', W'[, C]) uint8, H' ≥ H and W' ≥ W, and the (2, 3) affine matrix taking its
        px back to the input's (see :func:`boxes_back`).
    """
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(np.ceil(w * cos + h * sin)), int(np.ceil(w * sin + h * cos))
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    fill = [float(v) for v in np.atleast_1d(border_colour(img))]
    out = cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=fill + [0.0] * (4 - len(fill)))
    return out, cv2.invertAffineTransform(m)


def box_back(box: Box, back: np.ndarray, size: tuple[int, int]) -> Box:
    """The axis-aligned box (x0, y0, x1, y1) px, in the input page of :func:`straighten`, around ``box`` of the
    straightened page; ``back``: the matrix it returned; ``size``: the input's (W, H), to which the box is clipped."""
    x0, y0, x1, y1 = box
    pts = cv2.transform(np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], np.float64), back)[0]
    w, h = size
    return (int(max(0, np.floor(pts[:, 0].min()))), int(max(0, np.floor(pts[:, 1].min()))),
            int(min(w, np.ceil(pts[:, 0].max()))), int(min(h, np.ceil(pts[:, 1].max()))))
