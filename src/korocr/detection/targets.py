"""DBNet training targets from text quadrilaterals (Liao et al., AAAI 2020), rasterised with OpenCV.

For each text polygon with area A and perimeter L, the offset is D = A (1 − r²) / L with shrink ratio r = 0.4:

* probability target: the polygon shrunk by D (here: the filled polygon eroded by D px), 1 inside;
* threshold target: inside the polygon dilated by D, 1 − (distance to the polygon border) / D, rescaled to
  [0.3, 0.7]; its mask is that dilated region (the threshold loss only counts there).
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np


def shrink_offset(quad: np.ndarray, ratio: float = 0.4) -> float:
    area = abs(cv2.contourArea(quad.astype(np.float32)))
    perim = cv2.arcLength(quad.astype(np.float32), True)
    return area * (1 - ratio ** 2) / max(perim, 1e-6)


def make_targets(quads: Sequence[np.ndarray], size: tuple[int, int], ratio: float = 0.4,
                 thresh_min: float = 0.3, thresh_max: float = 0.7) -> dict[str, np.ndarray]:
    """Targets for an image of ``size`` = (H, W) px.

    Returns:
        ``prob`` (H, W) float32 {0, 1}, ``thresh`` (H, W) float32, ``thresh_mask`` (H, W) float32 {0, 1}.
    """
    h, w = size
    prob = np.zeros((h, w), np.uint8)
    thresh = np.zeros((h, w), np.float32)
    tmask = np.zeros((h, w), np.uint8)
    for q in quads:
        q = np.asarray(q, np.float32).reshape(-1, 2)
        d = shrink_offset(q, ratio)
        if d < 0.5:
            continue
        poly = np.zeros((h, w), np.uint8)
        cv2.fillPoly(poly, [np.round(q).astype(np.int32)], 1)
        k = max(1, int(round(d)))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1))
        shrunk = cv2.erode(poly, kernel)
        if not shrunk.any():  # tiny text: keep the polygon itself rather than nothing
            shrunk = poly
        prob |= shrunk
        dil = cv2.dilate(poly, kernel)
        border = np.zeros((h, w), np.uint8)
        cv2.polylines(border, [np.round(q).astype(np.int32)], True, 1)
        dist = cv2.distanceTransform((1 - border).astype(np.uint8), cv2.DIST_L2, 3)
        t = np.clip(1.0 - dist / max(d, 1e-6), 0.0, 1.0) * dil
        thresh = np.maximum(thresh, t)
        tmask |= dil
    thresh = thresh * (thresh_max - thresh_min) + thresh_min
    return {"prob": prob.astype(np.float32), "thresh": thresh.astype(np.float32),
            "thresh_mask": tmask.astype(np.float32)}
