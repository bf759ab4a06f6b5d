"""The one detector interface: every text detector returns :class:`TextRegion` objects.

Two implementations: :class:`~korocr.detection.lines.ClassicalDetector` (projection profiles, no model) and
:class:`~korocr.detection.onnx_detector.OnnxDetector` (the DBNet-style model). :func:`korocr.detection.make_detector`
builds one from a ``--detect-model`` argument through the model registry (:mod:`korocr.hub`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..io.elements import Box


@dataclass
class TextRegion:
    """A detected text region in input-image px.

    Attributes:
        quad: (4, 2) float32 corners, clockwise from top-left.
        box: axis-aligned bounding box (x0, y0, x1, y1).
        score: detection confidence in [0, 1] (1 for the classical finder).
        vertical: a vertical column of text (read top to bottom).
    """

    quad: np.ndarray
    box: Box
    score: float
    vertical: bool = False

    @classmethod
    def from_box(cls, box: Box, score: float = 1.0) -> "TextRegion":
        x0, y0, x1, y1 = box
        quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
        return cls(quad, (int(x0), int(y0), int(x1), int(y1)), score, False)


class Detector(Protocol):
    """What the reader needs of a detector.

    Attributes:
        crop_pad: margin added around each region before recognition, as a fraction of its height.
        whole_image_fallback: read the whole image as one line when nothing is found.
    """

    crop_pad: float
    whole_image_fallback: bool

    def detect(self, img: np.ndarray) -> list[TextRegion]:
        """Text regions of an RGB image (H, W, 3) uint8, in input px."""
